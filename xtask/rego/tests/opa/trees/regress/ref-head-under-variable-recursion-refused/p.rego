package perms

grants[role].actions contains action if {
	some role, actions in input.roles
	some action in actions
}

# Reads the whole of `grants`, which this rule is part of: recursive in OPA.
grants.ops.actions contains "page" if {
	count(grants) > 0
}
