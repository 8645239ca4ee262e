# Found by `cargo xtask fuzz-rego`: value divergence.
# OPA:  {"g0":{"c1":["%!s(int64=-1)"]}}
# ours: {"g0":{"c1":["-1"]}}
package fuzz_test

test_fuzz if {
	data.p == {"g0": {"c1": {"%!s(int64=-1)"}}} with input as {}
}
