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
