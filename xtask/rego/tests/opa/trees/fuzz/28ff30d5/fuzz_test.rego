# Found by `cargo xtask fuzz-rego`: error divergence.
# OPA:  error: eval_type_error: array.slice: operand 3 must be integer number but got floating-point number
# ours: {"g0":{"c8":[]}}
package fuzz_test

test_fuzz if {
	_ = data.q with input as {}
}
