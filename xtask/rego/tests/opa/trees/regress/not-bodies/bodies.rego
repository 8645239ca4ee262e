package bodies

import future.keywords.not

# With not-bodies, `not E` negates E whole: an undefined operand makes it true.
sum_differs if not input.a + input.b == input.c

kinds := [k | some k in ["x", "y"]; not check(k, input.missing)]

check(_, _) := true

all_unchecked if {
	every v in input.vs {
		not check(v, input.missing)
	}
}

# Written-out bodies: enumeration, declarations of their own, nesting.
no_b if not {
	some x in input.letters
	x == "b"
}

keeps_outer(a) if {
	not {
		a := 1
		a == 3
	}
	a == 2
}

twice_negated if {
	not {
		not {
			input.flag
		}
	}
}

replaced if {
	not q with input.n as 1
}

q if count([1, 2, 3]) == input.n
