# Found by `cargo xtask fuzz-rego`: value divergence.
# OPA:  {"s10":[]}
# ours: {"s10":[[]]}
package fuzz_test

test_fuzz if {
	data.q == {"s10": set()} with input as {}
}
