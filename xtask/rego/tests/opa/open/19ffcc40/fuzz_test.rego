# Found by `cargo xtask fuzz-rego`: value divergence.
# OPA:  {"s2":[2.380952380952381e+27]}
# ours: {"s2":[2.3809523809523808e+27]}
package fuzz_test

test_fuzz if {
	json.marshal(data.p) == "{\"s2\":[2380952380952380952300000000]}" with input as {"s": 42}
}
