package neg_test

import data.neg

inp := {"o": {}, "k": "k"}

test_undefined_operands_fail if {
	not neg.starts with input as inp
	not neg.less with input as inp
	not neg.count_of with input as inp
	not neg.member with input as inp
	not neg.nested_call with input as inp
	not neg.fn_arg with input as inp
	not neg.call_of_call with input as inp
	not neg.call_eq with input as inp
	not neg.index with input as {"o": {"k": true}}
	not neg.eq_composite with input as inp
	not neg.obj with input as inp
	not neg.ne with input as inp
	not neg.rule_arg with input as inp
	not neg.with_other with input as inp
	not neg.in_else with input as inp
	not neg.in_every with input as inp
	not neg.local with input as inp
}

test_what_stays_inside if {
	neg.whole_call with input as inp
	neg.base_only with input as inp
	neg.eq_ref with input as inp
	neg.unify_ref with input as inp
	neg.bare_ref with input as inp
	neg.with_moves with input as inp
	neg.defined with input as inp
	neg.in_compr == [] with input as inp
}
