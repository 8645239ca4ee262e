package t_test

import data.lib

mock(x) := [{"kind": lib.kind, "x": x}]

mock_fn(_) := "K"

test_function_value_reads_a_rule if count(lib.matching) == 1 with input.atts as mock(1)

test_function_value_under_input if count(lib.matching) == 1 with input as {"atts": mock(1)}

test_array_of_objects if lib.summary == [{"vulnerabilities": {}}] with input.atts as mock(2)

test_alias_value if lib.summary == [{"vulnerabilities": {}}] with input.atts as lib.fixture

test_full_value if lib.summary == [{"vulnerabilities": {}}] with input.atts as data.lib.fixture

test_comprehension_value if count(lib.matching) == 2 with input.atts as [a | some a in array.concat(lib.fixture, mock(3))]

test_function_replaced_by_function if count(lib.matching) == 1 with input.atts as [{"kind": "K"}] with data.lib.kinds as {mock_fn(0)}

test_nested if {
	x := lib.summary with input.atts as mock(4)
	x == [{"vulnerabilities": {}}]
	y := lib.matching with input.atts as lib.fixture with lib.kind as "other"
	# The value is read before the `with`s apply: its kind is "K", which no longer matches.
	count(y) == 0
}

test_not_under_with if not lib.matching == [] with input.atts as mock(5)
