package p

# Values in parentheses, and the set builtins `or`/`and` by name (which the engine writes as
# parenthesized `|`/`&`): the coverage probe must keep their closing parenthesis.
next := (input.a + 1)

both := or({1}, {2})

common := and({1, 2}, {2, 3})

nested := ((input.a * 2) + (input.a - 1))

label := concat("-", ["(", input.s, ")"])

unused := (input.a / 2)

# Parenthesized values in rules with bodies, `else`, functions and partial rules.
grade := ("high") if {
	input.score > 80
} else := ("mid") if {
	input.score > 40
} else := ("low")

scaled(x) := (x * 10) if {
	x > 0
}

scaled(x) := (0 - x) if {
	x <= 0
}

tags contains (upper(t)) if {
	some t in input.tags
	t != ""
}

limits[(name)] := (value + 1) if {
	some name, value in input.limits
	value >= 0
}

window := (count(input.items) - 1) if {
	count(input.items) > 0
}

flags := (or(
	{"a"},
	{"b"},
)) if {
	input.on
}

ratio := (input.num / input.den) if {
	input.den != 0
}

unused_too := (concat(",", input.tags)) if {
	count(input.tags) > 1
	input.never
}
