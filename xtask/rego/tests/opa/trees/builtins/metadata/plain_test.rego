package plain_test

import rego.v1

# METADATA
# title: annotated test
# custom:
#   id: T-1
test_rule_in_a_test if {
	rego.metadata.rule().title == "annotated test"
	rego.metadata.rule().custom.id == "T-1"
}

test_unannotated_rule_is_empty if rego.metadata.rule() == {}

test_unannotated_chain_is_the_rule_path if rego.metadata.chain() == [{"path": ["plain_test", "test_unannotated_chain_is_the_rule_path"]}]

# METADATA
# description: used twice
test_called_twice if {
	a := rego.metadata.rule()
	b := rego.metadata.rule()
	a == b
	a.description == "used twice"
}

test_entrypoint_rule_is_document_scoped if not data.org.p.allow

test_split_document if {
	some x in data.org.q.deny
	x[1][1].annotations.title == "q deny"
}

test_metadata_in_strings_is_left_alone if "rego.metadata.rule()" == concat("", ["rego.metadata.", "rule()"])
