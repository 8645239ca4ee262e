# Found by `cargo xtask fuzz-rego`: error divergence.
# OPA:  {"s1":[0.5]}
# ours: error: fuzz/m0.rego:6:19: var x2 is unsafe (path ["p", "x2"], scopes [{"x1": Bool(false)}])
package fuzz_test

test_fuzz if {
	data.p == {"s1": {0.5}} with input as {}
}
