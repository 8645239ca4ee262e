# Found by `cargo xtask fuzz-rego`: error divergence.
# OPA:  error: eval_type_error: substring: operand 2 must be integer number but got floating-point number
# ours: {}
package fuzz_test

test_fuzz if {
	_ = data.p with input as {"e": false}
}
