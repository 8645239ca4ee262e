package p_test

import rego.v1

test_rule if rego.metadata.rule() == {}
