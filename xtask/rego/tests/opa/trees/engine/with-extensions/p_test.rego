package p_test

mock(_) := "mocked"

mock2(_, _) := "mocked2"

mock3(_, _, _) := ["m"]

count_mock(_, _) := 7

claims_mock(_) := [{}, {"sub": "me"}, ""]

# Values, in rules of another package and in the test itself.
test_value_in_rule if data.p.digest == "x" with crypto.sha256 as "x" with input.s as "a"

test_value_in_test if crypto.sha256("a") == "x" with crypto.sha256 as "x"

test_value_array if data.p.claims == {} with io.jwt.decode as [{}, {}, ""] with input.token as "t"

test_value_two_args if data.p.hmac == "h" with crypto.hmac.sha256 as "h" with input.s as "a"

test_value_cidr if data.p.merged == {"m"} with net.cidr_merge as {"m"}

test_value_template if data.p.greeting == "t" with strings.render_template as "t"

# Functions.
test_function_in_rule if data.p.digest == "mocked" with crypto.sha256 as mock with input.s as "a"

test_function_in_test if crypto.sha256("a") == "mocked" with crypto.sha256 as mock

test_function_two_args if data.p.hmac == "mocked2" with crypto.hmac.sha256 as mock2 with input.s as "a"

test_function_jwt if data.p.claims == {"sub": "me"} with io.jwt.decode as claims_mock with input.token as "t"

test_function_split_n if data.p.pieces == ["m"] with strings.split_n as mock3

# Builtins as replacements: ours replacing ours, the engine's replacing ours, ours replacing a function.
test_builtin_ours_by_ours if crypto.sha256("a") == "0cc175b9c0f1b6a831c399e269772661" with crypto.sha256 as crypto.md5

test_builtin_ours_by_engine if data.p.digest == "A" with crypto.sha256 as upper with input.s as "a"

test_function_by_our_builtin if data.p.f("a") == "0cc175b9c0f1b6a831c399e269772661" with data.p.f as crypto.md5

# An override of an engine builtin (strings.count is ours, Go's semantics).
test_override_by_value if data.p.ones == 9 with strings.count as 9

test_override_by_function if data.p.ones == 7 with strings.count as count_mock

test_override_unmocked if data.p.ones == 2

# Unmocked calls still reach the builtin, in the mocking package and elsewhere.
test_unmocked_in_test if crypto.sha256("a") == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb"

test_unmocked_in_rule if data.p.digest == "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb" with input.s as "a"

test_mocked_in_rule if data.p.mocked_here == "in-rule"

test_mocked_below if data.p.mocked_below == "below"

# An unmocked call with a bad operand is an error in both engines.
test_unmocked_error if crypto.sha256(input.n) == "x" with input.n as 1

# A failing mock is a failure, not an error.
test_mock_fails if crypto.sha256("a") == "y" with crypto.sha256 as "x"
