# Found by `cargo xtask fuzz-rego`: value divergence.
# OPA:  {"s3":[]}
# ours: {"s3":[1]}
package fuzz_test

test_fuzz if {
	data.p == {"s3": set()} with input as {}
}
