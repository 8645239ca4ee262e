package p

import future.keywords.or

# An operand that is not written out in braces declares nothing: OPA's compiler refuses the
# assignment (`rego_compile_error: cannot assign vars inside implicit or operand`).
allowed if {
	input.admin or n := count(input.roles)
}

test_allowed if allowed with input.admin as true
