package p

# A `with` target that is neither input, data nor a function: OPA refuses the whole tree at
# compile time, so the other test, fine on its own, never runs.

f(x) := x

test_unknown_target if f(1) == 1 with custom.lookup as "mock"

test_fine if f(1) == 1
