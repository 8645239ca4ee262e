package p_test

import rego.v1

test_chain if count(rego.metadata.chain()) == 1
