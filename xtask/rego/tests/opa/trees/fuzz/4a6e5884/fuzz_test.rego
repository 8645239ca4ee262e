# Found by `cargo xtask fuzz-rego`: value divergence.
# OPA:  {"s1":["%!d(string=[])"]}
# ours: {"s1":[""]}
package fuzz_test

test_fuzz if {
	data.p == {"s1": {"%!d(string=[])"}} with input as {}
}
