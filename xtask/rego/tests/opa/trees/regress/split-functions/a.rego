package p

# The same function in several files of one package: every body counts, as in OPA.

norm(components) := [c | some c in components; c != ""]

# Called here, defined in b.rego and c.rego only.
uses_before := count(helper([1, 2]))

default kind(_) := "other"
