package wkeys_test

import data.wkeys

test_collection_keys_ignore_an_undefined_with_value if {
	wkeys.o3 == {{}: 7} with input as {"c": [1]}
	wkeys.o6 == {[1]: 7} with input as {"c": [1]}
	wkeys.o7 == {{"a": 1}: 7} with input as {"c": [1]}
	wkeys.nested == {"a": {set(): 7}} with input as {"c": [1]}
}

test_other_forms_are_undefined if {
	wkeys.o5 == {} with input as {"c": [1]}
	wkeys.a1 == {} with input as {"c": [1]}
	wkeys.a2 == {} with input as {"c": [1]}
	wkeys.s1 == set() with input as {"c": [1]}
	not wkeys.c1 with input as {"c": [1]}
}

test_defined_values_as_before if {
	wkeys.o3 == {{}: 7} with input as {"c": [1, 2, 3]}
	wkeys.o5 == {"a": 7} with input as {"c": [1, 2, 3]}
}
