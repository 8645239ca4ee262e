package calls

import future.keywords.or

# Importing the keyword leaves the set builtin of that name callable where a term is expected.
union := or({1}, {2})

test_or_still_calls if {
	union == {1, 2}
	s := or({1}, {3})
	s == {1, 3} or false
}
