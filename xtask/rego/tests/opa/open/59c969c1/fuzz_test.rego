# Found by `cargo xtask fuzz-rego`: value divergence.
# OPA:  {"s2":["-12345678901234567888"]}
# ours: {"s2":["-1.2345678901234567e+19"]}
package fuzz_test

test_fuzz if {
	data.p == {"s2": {"-12345678901234567888"}} with input as {}
}
