package p

test_short_name_target if q == 3 with docs as 2

test_value_reads_the_expression_rule if seven == 7 with data.config as seven

test_value_reads_it_in_full if seven == 7 with data.config as data.p.seven

test_value_in_an_object if seven == 7 with input as {"a": seven}

test_partial_set_under_mocks if report == [{"vulnerabilities": {}}] with data.config.vulns as {}

test_split_partial_set if count(report) == 2 with data.config as {"vulns": 1, "extra": 2}

test_partial_object if enabled == ["a"] with data.config.scanners as {"a": {"on": true}, "b": {"on": false}}

test_rule_in_other_file if level == "high" with docs as 5

test_default_under_with if level == "low" with docs as 0

test_mocked_rule_itself if report == [1] with findings as {1}

wrap(x) := {"v": x}

test_value_calls_a_function_on_a_rule if input.v == 7 with input as wrap(seven)

never := 1 if false

# Each `with` value is evaluated in order before the literal: the error of the first comes
# before the undefined second.
test_values_in_order if {
	true with input.a as (1 / 0) with never as data.p.never
}

# An undefined reference into base data as a `with` value: the literal is undefined.
test_undefined_base_data_value if {
	true with input as data.nothing.here
}

# The calls in `with` values come first, then the references (`never` is undefined).
test_calls_before_references if {
	true with input as {"a": never} with data.config as to_number("x")
}
