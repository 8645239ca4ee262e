# Found by `cargo xtask fuzz-rego`: value divergence.
# OPA:  {"s7":["48656c6c6f"]}
# ours: {"s7":[""]}
package fuzz_test

test_fuzz if {
	data.q == {"s7": {"48656c6c6f"}} with input as {}
}
