package p

# Keywords as the first part of a rule's name or a reference: OPA reads `not.foo` as the name
# `not` followed by `.foo`, in a rule head and at the start of a literal.

base := 10

not.foo := 1

foo.not := 2

true.limit := base + 5

default if.f(_) := 0

if.f(x) := x * base if x > 1

in.names contains "a"

in.names contains "b" if input.b

foo.as contains "c"

else.v := 1 if {
	input.x == 1
} else := 2

null.deep.one := "a"

test_heads if {
	not.foo == 1
	foo.not == 2
	data.p.not.foo == 1
}

test_moved_rule_sees_package_rules if {
	true.limit == 15
}

test_function if {
	if.f(3) == 30
	if.f(1) == 0
}

test_partial_sets if {
	in.names == {"a"}
	in.names == {"a", "b"} with input.b as true
	foo.as == {"c"}
}

test_else if {
	else.v == 2
	else.v == 1 with input.x as 1
}

test_deep if null.deep == {"one": "a"}

test_fails if not.foo == 2
