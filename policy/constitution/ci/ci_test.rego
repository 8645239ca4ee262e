package ci_test

import data.ci
import rego.v1

workflow(content) := {"proposal": {"tier": "standard", "changes": [{"path": ".github/workflows/ci.yml", "content": content}]}}

good := `
name: ci
permissions:
  contents: read
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - run: cargo xtask policy-test
`

no_tests := `
name: ci
jobs:
  lint:
    steps:
      - run: cargo clippy -- -D warnings
`

write_all := `
name: ci
permissions: write-all
jobs:
  test:
    steps:
      - run: go test ./...
`

job_write_all := `
jobs:
  test:
    permissions: write-all
    steps:
      - run: PYTEST_ADDOPTS=-q pytest
`

test_good_workflow_passes if {
	vs := ci.deny with input as workflow(good)
	count(vs) == 0
}

test_workflow_without_tests_denied if {
	some v in ci.deny with input as workflow(no_tests)
	v.rule == "ci.workflow_runs_tests"
}

test_write_all_denied if {
	vs := ci.deny with input as workflow(write_all)
	{v.rule | some v in vs} == {"ci.least_privilege"}
}

test_job_write_all_denied if {
	vs := ci.deny with input as workflow(job_write_all)
	{v.rule | some v in vs} == {"ci.least_privilege"}
}

test_pattern_case_insensitive if regex.match(ci.runs_tests_pattern, "CARGO   TEST --workspace")

test_pattern_needs_word_boundary if not regex.match(ci.runs_tests_pattern, "cargo testify")

test_non_workflow_yaml_ignored if {
	vs := ci.deny with input as {"proposal": {"changes": [{"path": "apps/ci.yml", "content": no_tests}]}}
	count(vs) == 0
}
