package proposal

import rego.v1

rule_metadata["proposal.max_changes"] := {
	"description": "A proposal changes at most max_changes files.",
	"severity": "low",
}

deny contains violation("proposal.max_changes", msg) if {
	count(changes) > data.config.max_changes
	msg := sprintf("%d changes, at most %d", [count(changes), data.config.max_changes])
}
