# OPA's rule index (and the compiler before it) check references into input and base data
# before any literal of a body runs: a body they rule out raises no error from an earlier one.
package idx

bad(x) := to_number(x)

whole if {
	0 < bad("b")
	input.zz
}

nested if {
	0 < bad("b")
	count(input.zz) == 1
}

assigned if {
	0 < bad("b")
	x := input.zz
}

scalar if {
	0 < bad("b")
	input.s == "y"
}

member if {
	0 < bad("b")
	input.s in ["y", "z"]
}

head := input.zz if {
	0 < bad("b")
}

bodiless := [bad("b"), input.zz]

base_data if {
	0 < bad("b")
	data.cfg.missing
}

negated if {
	0 < bad("b")
	not startswith(input.zz, "a")
}

every_domain if {
	0 < bad("b")
	every x in input.zz { x }
}

# Evaluated in turn: the value matches, the reference is a local, a `with`, an object.
matches if {
	0 < bad("b")
	input.s == "x"
}

object_value if {
	0 < bad("b")
	input.zz == {}
}

with_literal if {
	0 < bad("b")
	input.zz with input.q as 1
}
