package p_test

test_new_literals if {
	data.p == {"a": true, "b": 1, "c": [1], "d": true} with input as {"x": 2}
}

test_still_literals if {
	data.p == {"c": []} with input as {"x": false}
}
