# Found by `cargo xtask fuzz-rego`: error divergence.
# OPA:  error: eval_builtin_error: indexof: empty search character
# ours: {"g0":{"c5":[0]}}
package fuzz_test

test_fuzz if {
	_ = data.p with input as {}
}
