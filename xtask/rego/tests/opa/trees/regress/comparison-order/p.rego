package p

# The calls of a comparison run left to right: an undefined left side stops the body before the
# right side can raise an error.

image_labels := [{"name": "a", "value": 1}]

parent := {"config": input.cfg}

parent_labels contains label if {
	labels := object.get(parent.config, ["config", "Labels"], [])
	some name, value in labels
	label := {"name": name, "value": value}
}

value(labels, name) := [l.value | some l in labels; l.name == name][0]

left_undefined contains name if {
	some name in ["b"]
	value(image_labels, name) == value(parent_labels, name)
}

left_defined contains name if {
	some name in ["a"]
	value(image_labels, name) == value(parent_labels, name)
}

not_equal_left_undefined if value(image_labels, "b") != to_number("x")

less_left_defined if value(image_labels, "a") < to_number("x")

# An object on the left (found by the fuzzer: the rewrite must not copy an object's text).
object_left if {"a": {}, "b": bits.or(1, 2)} != bits.or(1, 4)
