package m_test

import data.m

test_set_key_and_value if m.listed with input.names as ["ann", "bob"]
test_set_key_not_value_fails_on_purpose if m.mismatched with input.names as ["ann", "bob"]
test_all_collections if m.checks == [true, false, true, true, false]
