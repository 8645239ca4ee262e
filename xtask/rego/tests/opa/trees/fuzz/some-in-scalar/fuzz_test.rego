# Found by `cargo xtask fuzz-rego`: error divergence (known: some-in-scalar).
# OPA:  iterating a number yields nothing: {"s":[]}
# ours: error: `some .. in collection` expects array/set/object. Got `1`
package fuzz_test

test_fuzz if {
	data.p == {"s": set()} with input as {"n": 1}
}
