# An `else` after a body whose head value is undefined (seed 309609 of the 30-minute run).
# OPA:  {"r":1}
# ours: {}
package fuzz_test

test_fuzz if {
	data.p == {"r": 1} with input as {}
}
