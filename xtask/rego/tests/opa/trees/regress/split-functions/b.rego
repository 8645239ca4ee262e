package p

norm(components) := [c | some c in components; c != ""]

helper(xs) := [x | some x in xs] if count(xs) > 1

kind(x) := "number" if is_number(x)

clash(x) := 1 if x
