package p

test_key_value if key_value == {"a"}

test_value_only if value_only == [7, 8]

test_wildcard_key if wildcard_key == [1, 2]

test_function if function(1) == 2

test_assigned if assigned == 10

test_uses_rule if uses_rule == 6

test_every_rule if every_rule

test_nested if nested == [3]
