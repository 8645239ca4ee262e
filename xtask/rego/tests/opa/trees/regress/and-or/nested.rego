package nested

import future.keywords

# With all of future.keywords, `not` takes bodies and groups too.
neither if not (input.a or input.b)

no_pair if {
	not {
		some x in input.xs
		x > 0 and x < 10
	}
}

deep if {
	input.a and { input.b or { input.c and input.d } }
}

# The set builtins `and` and `or` are still called by name where a term is expected.
union := or({1}, {2})

common := and({1, 2}, {2, 3})
