package p_test

import data.p

mock(_) := 7

three(_) := 3

lower_x(_) := "x"

two_args(_, _) := "m"

# A function replaced by a builtin: the engine refused `count` as an unsafe variable, and that
# refusal made every test of the package an error.
test_function_by_builtin if data.p.f(["a", "b"]) == 2 with data.p.f as count

test_function_by_dotted_builtin if data.p.f("a") == "A" with data.p.f as upper

test_function_by_builtin_through_alias if p.f(["a"]) == 1 with p.f as count

test_builtin_by_function if count([1]) == 7 with count as mock

test_builtin_by_function_in_rule if data.p.uses_count == 3 with count as three

test_builtin_by_value if data.p.now == 123 with time.now_ns as 123

test_builtin_by_builtin if upper("a") == "x" with upper as lower_x

test_two_arg_builtin if sprintf("%d", [1]) == "m" with sprintf as two_args

test_function_by_value if data.p.f(["a"]) == 7 with data.p.f as 7

test_function_by_function if data.p.f(1) == 3 with data.p.f as three

test_default_only_by_value if data.p.only_default(1) == "m" with data.p.only_default as "m"

test_default_only_by_function if data.p.only_default(1) == "x" with data.p.only_default as lower_x

test_default_only_unreplaced if data.p.only_default(1) == "d"

test_ref_head_default_by_value if data.p.a.b.c(1) == "m" with data.p.a.b.c as "m"

test_ref_head_default if data.p.a.b.c(1) == "d"

# The engine keyed a replacement by the name as written at `with` and looked it up by the name
# as written at the call: `with data.p.f` missed `f(...)` inside package p.
test_short_call_mocked_by_full_name if data.p.allow with data.p.f as mock with input.x as 1

test_short_call_replaced_by_builtin if {
	data.p.allow with data.p.f as count with input.x as [1, 2, 3, 4, 5, 6, 7]
}

test_ref_head_call_mocked if data.p.via_ref_head with data.p.nested.g as mock with input.x as 1

local(x) := x

test_local_call_mocked_by_full_name if local(1) == 7 with data.p_test.local as mock

test_full_call_mocked_by_short_name if data.p_test.local(1) == 7 with local as mock
