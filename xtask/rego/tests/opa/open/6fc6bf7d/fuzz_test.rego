# Found by `cargo xtask fuzz-rego`: error divergence.
# OPA:  error: eval_type_error: concat: operand 1 must be string but got array
# ours: {"s1":["a,b,c"]}
package fuzz_test

test_fuzz if {
	_ = data.p with input as {"n": []}
}
