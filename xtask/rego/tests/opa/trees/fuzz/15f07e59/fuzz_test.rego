# Found by `cargo xtask fuzz-rego`: value divergence.
# OPA:  {"s1":[],"s3":[{"set()":{}}]}
# ours: {"s1":[],"s3":[{"{}":{}}]}
package fuzz_test

test_fuzz if {
	data.p == {"s1": set(), "s3": {{"set()": {}}}} with input as {}
}
