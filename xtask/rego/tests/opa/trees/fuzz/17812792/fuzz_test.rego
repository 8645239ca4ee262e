# Found by `cargo xtask fuzz-rego`: error divergence.
# OPA:  {}
# ours: error: fuzz/m0.rego:5:5: could not find function input.n
package fuzz_test

test_fuzz if {
	data.p == {} with input as {}
}
