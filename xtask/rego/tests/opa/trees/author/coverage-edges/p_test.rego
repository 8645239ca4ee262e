package p_test

import rego.v1

test_never if not data.p.never with input as {"x": true, "y": 3}

test_sometimes if {
	data.p.sometimes({"x": true, "y": 2})
	not data.p.sometimes({"x": true, "y": 3})
}

test_not_indexed if not data.p.indexed with input as {"kind": "common", "x": true}

test_level_default if data.p.level == "low" with input as {"x": true, "y": 1}

test_grades if {
	data.p.grade(95) == "a"
	data.p.grade(85) == "b"
}

test_names if {
	data.p.names == ["a", "b"] with input as {"items": [{"name": "a", "size": 1}, {"name": "b", "size": 20}]}
}

test_all_small if {
	not data.p.all_small with input as {"items": [{"name": "a", "size": 1}, {"name": "b", "size": 20}]}
}
