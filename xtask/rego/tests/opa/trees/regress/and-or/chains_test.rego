package chains_test

import future.keywords.and
import future.keywords.or

import data.chains
import data.nested

test_precedence if chains.either with input as {"a": false, "b": true, "c": true}
test_precedence_fails_on_purpose if chains.either with input as {"a": false, "b": true, "c": false}
test_grouped if chains.grouped with input as {"a": false, "b": true, "c": false}
test_grouped_negation_fails_on_purpose if chains.grouped with input as {"a": true, "c": true}
test_spread if chains.spread with input as {"b": true, "c": false, "d": true}
test_spread_fails_on_purpose if chains.spread with input as {"b": true, "c": false}
test_scoped if chains.scoped
test_once if chains.once == [1] with input.xs as [1, 2, -3]
test_guarded if chains.guarded with input.v as 3
test_unguarded_errors if chains.unguarded
test_replaced if chains.replaced
test_one_replaced if chains.one_replaced with input.b as true
test_one_replaced_fails_on_purpose if chains.one_replaced with input.a as true
test_picked if chains.picked == [-1, 11] with input.xs as [-1, 5, 11]
test_in_range if chains.in_range(3)
test_out_of_range if not chains.in_range(11)
test_every if chains.every_small with input.xs as [1, 50]
test_every_fails_on_purpose if chains.every_small with input.xs as [1, 500]
test_else_both if chains.label == "both" with input as {"a": true, "b": true}
test_else_one if chains.label == "one" with input as {"b": true}
test_default if chains.label == "none"

test_not_group if nested.neither
test_not_group_fails_on_purpose if nested.neither with input.b as true
test_not_body if nested.no_pair with input.xs as [-1, 20]
test_not_body_fails_on_purpose if nested.no_pair with input.xs as [-1, 5]
test_deep if nested.deep with input as {"a": true, "c": true, "d": true}
test_deep_fails_on_purpose if nested.deep with input as {"a": true, "c": true}
test_set_calls if {
	nested.union == {1, 2}
	nested.common == {2}
}

# Test bodies take the operators too.
test_in_a_test if {
	chains.in_range(0) and chains.in_range(10)
	chains.in_range(-1) or chains.in_range(1)
}
