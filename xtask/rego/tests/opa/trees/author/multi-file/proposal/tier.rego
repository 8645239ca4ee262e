package proposal

import rego.v1

rule_metadata["proposal.known_tier"] := {
	"description": "The tier is one the platform knows.",
	"severity": "medium",
}

deny contains v if {
	not tier in data.config.tiers
	v := violation("proposal.known_tier", sprintf("unknown tier %q", [tier]))
}

rule_metadata["proposal.no_exotic"] := {
	"description": "Exotic proposals are refused (no test covers this rule yet).",
	"severity": "high",
}

deny contains v if {
	input.proposal.kind == "exotic"
	every p in paths {
		startswith(p, "exotic/")
	}
	v := violation("proposal.no_exotic", "exotic proposals are refused")
}

label(n) := "none" if {
	n == 0
} else := "some" if {
	n < 10
} else := "many"
