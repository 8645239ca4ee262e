# Found by `cargo xtask fuzz-rego`: value divergence.
# OPA:  {"s2":[1000.0],"s3":[[]]}
# ours: {"s2":[1000],"s3":[]}
package fuzz_test

test_fuzz if {
	data.p == {"s2": {1000.0}, "s3": {set()}} with input as {}
}
