package chains

import future.keywords.and
import future.keywords.or

# `and` binds tighter than `or`: this is `input.a or (input.b and input.c)`.
either if input.a or input.b and input.c

# Parentheses group; `not` binds tighter than both.
grouped if (input.a or input.b) and not input.c

# An operand that ends its line continues on the next one, and so does a line that starts with
# the operator.
spread if {
	input.a or
		input.b
	input.c
		or input.d
}

# Written-out operand bodies keep their variables: the same name in both operands and outside.
scoped if {
	n := -1
	{ n := 2; n > 1 } and { n := 3; n > 2 }
	n == -1
}

# An operand succeeds once, however many ways: one element per rule body.
once := [1 |
	{ some x in input.xs; x > 0 } or { some y in input.xs; y < 0 }
]

# The right operand runs only when the left did not decide: no error from to_number here.
guarded if {
	is_number(input.v) or to_number(input.v) > 0
}

# ... but it does run (and may fail with an error) when the left one fails.
unguarded if {
	false or to_number("x") > 0
}

# A `with` after the chain applies to both operands; in parentheses, to its operand only.
replaced if input.a and input.b with input as {"a": true, "b": true}

one_replaced if (input.a with input.a as true) and input.b

# In comprehensions, functions, `every`, `else` and under a default.
picked := [x | some x in input.xs; x < 0 or x > 10]

in_range(x) if x >= 0 and x <= 10

every_small if {
	every x in input.xs {
		x < 100 and x > -100
	}
}

default label := "none"

label := "both" if input.a and input.b
	else := "one" if input.a or input.b
