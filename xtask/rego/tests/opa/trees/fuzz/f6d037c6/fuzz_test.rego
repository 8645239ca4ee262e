# Found by `cargo xtask fuzz-rego`: error divergence.
# OPA:  {}
# ours: error: fuzz/m0.rego:5:6: var x1 is unsafe (path ["p", "x1"], scopes [{}])
package fuzz_test

test_fuzz if {
	data.p == {} with input as {}
}
