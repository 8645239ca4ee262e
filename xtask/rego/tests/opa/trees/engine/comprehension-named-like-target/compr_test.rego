package compr_test

import data.compr

test_a_comprehension_variable_named_like_its_target if {
	compr.b == [2, 3]
	compr.c == {2, 4}
	compr.d == [[1], {1: 1}]
	compr.e == [3]
	compr.g == {1: 1}
	compr.h == [[5]]
}
