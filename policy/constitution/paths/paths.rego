# Where an agent may write. Rules live in this file and in traversal.rego (same package).
package paths

import data.lib
import rego.v1

rule_metadata["paths.outside_allowed_folders"] := {
	"description": "Every changed path stays inside the folders the constitution allows.",
	"tiers": ["standard", "elevated"],
	"severity": "high",
}

deny contains v if {
	some change in input.proposal.changes
	not lib.under_any(change.path, data.paths.config.allowed_prefixes)
	v := lib.violation("paths.outside_allowed_folders", sprintf("%s is outside the allowed folders", [change.path]))
}

rule_metadata["paths.protected"] := {
	"description": "Protected files (the constitution itself, CODEOWNERS) change only at the elevated tier.",
	"tiers": ["standard"],
	"severity": "critical",
}

deny contains v if {
	some change in input.proposal.changes
	lib.under_any(change.path, data.paths.config.protected_prefixes)
	input.proposal.tier != "elevated"
	v := lib.violation("paths.protected", sprintf("%s is protected; it needs the elevated tier", [change.path]))
}

# Called from traversal.rego with a limit that file defines.
too_deep(path, limit) if count(lib.segments(path)) > limit
