package p

# Negated calls whose operands may be undefined, in bodies with other variables (iteration,
# assignments, function arguments, names of rules as locals). OPA evaluates a negated call's
# nested references and calls before the `not`: an undefined one fails the body.

f(x) := true if x == 1

g(x) := x if x > 5

t(x) := true if x == true

xs := [1, 2, 3]

zs := []

r := input.nope

undefined_input if not f(input.x)

local_field if {
	y := {}
	not f(y.z)
}

undefined_call if not f(g(1))

some_index if {
	some i
	xs[i]
	not f(zs[i])
}

index_bound_after if {
	some i
	not f(zs[i])
	xs[i]
}

some_in_value if {
	some x in xs
	not f(zs[x])
}

argument_field(a) if not f(a.b)

comparison_operand if {
	x := 1
	not t(x == 2)
}

defined_call if {
	x := 7
	not f(g(x))
}

bound_later if {
	not f(y.z)
	y = {"z": 2}
}

argument_named_like_a_rule(r) if not f(r)

local_named_like_a_rule if {
	r := 2
	not f(r)
}

some_named_like_a_rule if {
	some r in [2]
	not f(r)
}
