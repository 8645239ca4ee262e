# Found by `cargo xtask fuzz-rego`: value divergence.
# OPA:  {"r10":"[1.5e2]"}
# ours: {"r10":"[150]"}
package fuzz_test

test_fuzz if {
	data.q == {"r10": "[1.5e2]"} with input as {}
}
