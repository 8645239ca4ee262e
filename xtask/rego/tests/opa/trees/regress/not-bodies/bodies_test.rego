package bodies_test

import data.bodies
import data.classic

test_undefined_operand if bodies.sum_differs
test_undefined_operand_defined_sum if not bodies.sum_differs with input as {"a": 1, "b": 2, "c": 3}
test_in_comprehension if bodies.kinds == ["x", "y"]
test_in_every if bodies.all_unchecked with input.vs as [1, 2]
test_enumeration if bodies.no_b with input.letters as ["a", "c"]
test_enumeration_fails_on_purpose if bodies.no_b with input.letters as ["a", "b"]
test_own_declarations if bodies.keeps_outer(2)
test_nested if bodies.twice_negated with input.flag as true
test_nested_fails_on_purpose if bodies.twice_negated
test_with_inside if bodies.replaced with input.n as 3

test_classic_undefined_operand_fails_on_purpose if classic.sum_differs
test_classic_defined if classic.sum_differs with input as {"a": 1, "b": 2, "c": 4}
test_negated_unification_waits if classic.later == 2
test_negated_unification_plain if classic.plain == 2
