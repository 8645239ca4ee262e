package perms

# ... and parts of it named outright, in another file: both make the document.
grants.admin.actions contains "audit"

grants.viewer.actions contains "export" if input.exports

grants["ops"].actions contains "page" if {
	input.oncall
}

limits.infra := 50

admin_actions := grants.admin.actions
