# Found by `cargo xtask fuzz-rego`: value divergence.
# OPA:  {"s4":[]}
# ours: {"s4":[150]}
package fuzz_test

test_fuzz if {
	data.p == {"s4": set()} with input as {}
}
