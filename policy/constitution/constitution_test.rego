package constitution_test

import data.constitution
import rego.v1

test_empty_proposal_allowed if constitution.allow with input as {"proposal": {"tier": "standard", "changes": []}}

test_docs_change_allowed if {
	constitution.allow with input as {"proposal": {"tier": "standard", "changes": [{"path": "docs/a.md", "content": "x"}]}}
}

test_violations_from_every_package if {
	d := constitution.decision with input as {"proposal": {"tier": "standard", "changes": [
		{"path": "../x", "content": ""},
		{"path": ".github/workflows/w.yml", "content": "jobs: {}"},
		{"path": "apps/d.yaml", "content": "kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n        - name: c\n          image: busybox\n"},
	]}}
	d.allow == false
	rules := {v.rule | some v in d.violations}
	{"paths.no_traversal", "ci.workflow_runs_tests", "workloads.image_pinned"} - rules == set()
}

test_every_rule_has_metadata if {
	ids := {id | some pkg in ["paths", "ci", "workloads"]; some id, _ in data[pkg].rule_metadata}
	count(ids) == 9
}
