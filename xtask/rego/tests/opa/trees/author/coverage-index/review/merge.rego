# Whether a change may merge: rules whose bodies all give one value, where OPA stops at the
# first body that holds, in the order its rule index returns them (bodies it does not index
# first; then by the references each compares).
package review

import rego.v1

may_merge if {
	input.author == "bot"
	input.checks_passed
}

may_merge if {
	input.reviewer_role == "owner"
	input.approved
}

may_merge if count(input.approvals) >= 2

channel := "fast" if {
	input.urgent
}

channel := "fast" if {
	input.hotfix
}

trusted(user) if {
	user == "root"
}

trusted(user) if {
	startswith(user, "admin-")
}

trusted(user) if {
	endswith(user, "@example.org")
}
