# Found by `cargo xtask fuzz-rego`: error divergence.
# OPA:  error: eval_builtin_error: rem: modulo on floating-point number
# ours: {}
package fuzz_test

test_fuzz if {
	_ = data.p with input as {}
}
