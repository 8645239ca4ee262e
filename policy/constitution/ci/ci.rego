# CI workflows an agent proposes must run the tests and must not grant broad write access.
package ci

import data.lib
import rego.v1

workflows contains {"path": change.path, "doc": doc} if {
	some change in input.proposal.changes
	regex.match(`^\.github/workflows/[^/]+\.ya?ml$`, change.path)
	doc := yaml.unmarshal(change.content)
}

rule_metadata["ci.workflow_runs_tests"] := {
	"description": "Every workflow has a step that runs the test suite.",
	"tiers": ["standard", "elevated"],
	"severity": "medium",
}

deny contains v if {
	some w in workflows
	not runs_tests(w.doc)
	v := lib.violation("ci.workflow_runs_tests", sprintf("%s has no step that runs the tests", [w.path]))
}

runs_tests(doc) if {
	some job in doc.jobs
	some step in job.steps
	regex.match(runs_tests_pattern, step.run)
}

runs_tests_pattern := `(?i)\b(cargo\s+(xtask\s+policy-)?test|cargo\s+nextest|go\s+test|npm\s+(run\s+)?test|pytest|make\s+test)\b`

rule_metadata["ci.least_privilege"] := {
	"description": "Workflows never ask for write-all permissions.",
	"tiers": ["standard", "elevated"],
	"severity": "high",
}

deny contains v if {
	some w in workflows
	grants_write_all(w.doc)
	v := lib.violation("ci.least_privilege", sprintf("%s grants write-all permissions", [w.path]))
}

grants_write_all(doc) if doc.permissions == "write-all"

grants_write_all(doc) if {
	some job in doc.jobs
	job.permissions == "write-all"
}
