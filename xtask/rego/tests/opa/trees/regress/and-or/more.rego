package more

import future.keywords.and
import future.keywords.or

f(x) := true if x == 1

neg if {
	not f(input.x) and true
}

member if "a" in input.xs or "b" in input.xs

obj := {k: v | some k, v in input.o; v > 1 or k == "z"}

g(x) := "small" if x < 10 and x > 0
	else := "big" if x >= 10 or x == -1

nested if {
	count([y | some y in input.xs; y == "a" or y == "c"]) == 2 and true
}

multi contains x if {
	some x in input.nums
	x == 1 or x == 3
}

outer if {
	lim := 2
	{ some n in input.nums; n > lim } and { some m in input.nums; m < lim }
}

ev if {
	every n in input.nums {
		n > 0 and n < 10 with input.ignored as 1
	}
}

# Without not-bodies OPA moves input.x out of the negation, in an operand too.
test_neg_undefined_fails_on_purpose if neg
test_neg_defined if neg with input.x as 2
test_member if member with input.xs as ["b"]
test_obj if obj == {"a": 2, "z": 0} with input.o as {"a": 2, "b": 1, "z": 0}
test_g if {
	g(5) == "small"
	g(20) == "big"
	g(-1) == "big"
}
test_g_undefined_fails_on_purpose if g(0)
test_nested if nested with input.xs as ["a", "b", "c"]
test_multi if multi == {1, 3} with input.nums as [1, 2, 3]
test_outer if outer with input.nums as [1, 2, 3]
test_ev if ev with input.nums as [1, 2, 3]
