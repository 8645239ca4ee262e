package proposal_test

import data.proposal
import rego.v1

test_unknown_tier_denied if {
	vs := proposal.deny with input as prop("root", [])
	rules(vs) == {"proposal.known_tier"}
}

test_default_tier_is_standard if {
	proposal.tier == "standard" with input as {"proposal": {"changes": []}}
}

test_empty_proposal_says_none if {
	d := proposal.decision with input as prop("elevated", [])
	d.size == "none"
}
