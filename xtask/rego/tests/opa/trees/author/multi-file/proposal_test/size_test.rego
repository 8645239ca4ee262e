package proposal_test

import data.proposal
import rego.v1

test_too_many_changes_denied if {
	cs := [change(sprintf("f%d", [i]), "") | some i in numbers.range(1, 4)]
	vs := proposal.deny with input as prop("standard", cs)
	rules(vs) == {"proposal.max_changes"}
}

test_limit_from_data if {
	cs := [change("a", ""), change("b", "")]
	vs := proposal.deny with input as prop("standard", cs) with data.config.max_changes as 1
	"proposal.max_changes" in rules(vs)
}
