# Labels for a change: else chains ending in a bare `else := value`, and multi-line bodies whose
# first expression fails.
package review

import rego.v1

size_label := "small" if {
	count(input.changes) < 3
} else := "medium" if {
	count(input.changes) < 10
} else := "large"

risk(n) := "low" if {
	n < 2
} else := "high"

owner := o if {
	input.team == "platform"
	o := "platform-leads"
} else := "maintainers"

needs_review if {
	input.kind == "release"
	input.approved == false
}

needs_review if {
	count(input.changes) > 20
	not input.trusted
}

summary := {
	"size": size_label,
	"owner": owner,
	"build": count(build_files),
}

kind_label := "release" if {
	"release" == input.kind
}

first_reviewer := input.reviewers[0]

reviewer_count(r) := count(r.names)
