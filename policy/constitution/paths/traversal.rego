# Paths that escape the repository or nest absurdly deep.
package paths

import data.lib
import rego.v1

rule_metadata["paths.no_traversal"] := {
	"description": "No path traversal: no `..` segment, absolute path or backslash.",
	"tiers": ["standard", "elevated"],
	"severity": "critical",
}

deny contains v if {
	some change in input.proposal.changes
	lib.has_traversal(change.path)
	v := lib.violation("paths.no_traversal", sprintf("%s escapes the repository", [change.path]))
}

rule_metadata["paths.max_depth"] := {
	"description": "Changed paths are at most max_depth segments deep.",
	"tiers": ["standard", "elevated"],
	"severity": "low",
}

deny contains v if {
	some change in input.proposal.changes
	too_deep(change.path, max_depth)
	v := lib.violation("paths.max_depth", sprintf("%s is deeper than %d segments", [change.path, max_depth]))
}

max_depth := 8
