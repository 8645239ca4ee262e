package p

import future.keywords.and

# An operand uses `n` before the literal that declares it: OPA's compiler refuses the tree
# (`rego_compile_error: var n referenced above`), as it would without the operator.
allowed if {
	n > 0 and n < 10
	n := count(input.roles)
}

test_allowed if allowed with input.roles as ["a"]
