package p

import future.keywords.and

# A `with` on an operand followed by the operator is ambiguous: OPA's parser refuses it
# (`rego_parse_error`), and wants it in parentheses or after the whole chain.
allowed if {
	input.admin with input.admin as true and input.user
}

test_allowed if allowed with input.user as true
