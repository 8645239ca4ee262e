package m

# `k, v in c`: a set's keys are its elements.
names := {n | some n in input.names}

listed if "ann", "ann" in names

mismatched if "ann", "bob" in names

checks := [
	("a", 1 in {"a": 1}),
	("a", 2 in {"a": 1}),
	(1, "y" in ["x", "y"]),
	("x", "x" in {"x"}),
	("x", "y" in {"x", "y"}),
]
