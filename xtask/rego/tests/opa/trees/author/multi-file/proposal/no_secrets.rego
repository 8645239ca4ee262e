package proposal

import rego.v1

rule_metadata["proposal.no_secrets"] := {
	"description": "No private key material in a change.",
	"severity": "critical",
}

deny contains v if {
	some c in changes
	contains(c.content, "PRIVATE KEY")
	v := violation("proposal.no_secrets", sprintf("%s holds a private key", [c.path]))
}
