# Found by `cargo xtask fuzz-rego`: value divergence.
# OPA:  {"g0":{"c8":[]}}
# ours: {"g0":{"c8":[1e+29]}}
package fuzz_test

test_fuzz if {
	data.q == {"g0": {"c8": set()}} with input as {}
}
