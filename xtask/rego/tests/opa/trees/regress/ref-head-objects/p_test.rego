package p

test_objects if m == {"a": 1, "b": 1, "c": 2}

test_constant if n.fixed == 3
