package keys_test

import data.keys

test_the_last_value_wins if {
	keys.undefined_first == {"k": 3}
	keys.both_defined == {"k": 1} with input.a as 7
	keys.raw_and_quoted == {"k": 2, "j": {1: 4}}
	keys.in_comprehension == [{"k": 3}]
	keys.in_body
}

test_an_undefined_last_value_is_undefined if {
	not keys.undefined_last
}
