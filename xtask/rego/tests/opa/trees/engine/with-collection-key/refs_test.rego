package wrefs_test

import data.wrefs

test_a_head_reading_a_reference_ignores_an_undefined_with_value if {
	wrefs.c4 == {} with input as {"c": {}, "k": "kk"}
	wrefs.s4 == {{}} with input as {"c": {}, "k": "kk"}
	wrefs.o3 == {"kk": 7} with input as {"c": {}, "k": "kk"}
	wrefs.o4 == {"a": {}} with input as {"c": {}, "k": "kk"}
}

test_other_heads_are_undefined if {
	not wrefs.c5 with input as {"c": {}, "k": "kk"}
	wrefs.s6 == set() with input as {"c": {}, "k": "kk"}
	wrefs.s7 == set() with input as {"c": {}, "k": "kk"}
	not wrefs.d4 with input as {"c": {}, "k": "kk"}
	wrefs.o6 == {} with input as {"c": {}, "k": "kk"}
}
