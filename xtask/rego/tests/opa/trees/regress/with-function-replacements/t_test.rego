package t_test

# A `with` value naming a function (by an alias, in full, by its short name) replaces the function;
# one that calls a function or reads a rule is a value, evaluated before the `with` applies.

import data.lib
import data.helpers
import data.helpers.mock as m

mock_fn(x) := x * 100

test_alias_fn if lib.g == 10 with lib.f as helpers.mock
test_alias_direct if lib.g == 10 with lib.f as m
test_full_fn if lib.g == 100 with data.lib.f as data.t_test.mock_fn
test_bare_fn if lib.g == 100 with lib.f as mock_fn
test_alias_value if lib.g == 7 with lib.f as helpers.val
test_fn_value_call if lib.g == 70 with lib.f as helpers.mock(helpers.val)
test_h if lib.h == [50] with lib.f as helpers.mock
test_h2 if lib.h == [70] with lib.f as helpers.mock with lib.k as helpers.val
test_builtin if lib.g == "1" with lib.f as format_int(1, 10)
