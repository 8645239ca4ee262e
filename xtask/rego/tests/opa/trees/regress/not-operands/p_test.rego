package p

test_undefined_input if not undefined_input

test_local_field if not local_field

test_undefined_call if not undefined_call

test_some_index if not some_index

test_index_bound_after if not index_bound_after

test_some_in_value if not some_in_value

test_argument_field if not argument_field({})

test_comparison_operand if comparison_operand

test_defined_call if defined_call

test_bound_later if bound_later

test_argument_named_like_a_rule if argument_named_like_a_rule(2)

test_local_named_like_a_rule if local_named_like_a_rule

test_some_named_like_a_rule if some_named_like_a_rule
