# `not E`: OPA moves the references and calls nested in E out of the negation, so an undefined
# one makes the body fail; a reference that is the whole of E, or a side of `=`/`==`, stays.
package neg

starts if not startswith(input.x, "a")

less if {
	not input.x < 1
}

count_of if {
	not count(input.x)
}

member if {
	not "a" in input.s
}

nested_call if {
	not startswith(concat(",", input.x), "a")
}

fn_arg if {
	not f(input.x)
}

f(x) if x == 1

g(x) := 1 if x > 5

call_of_call if {
	not h(g(1))
}

h(_) := true

call_eq if {
	not g(1) == 1
}

whole_call if {
	not g(1)
}

index if {
	not input.o[input.k]
}

base_only if {
	not input.missing[input.k]
}

eq_ref if {
	not input.x == 1
}

unify_ref if {
	not input.x = 1
}

eq_composite if {
	not [input.x] == [1]
}

obj if {
	not {"a": input.x}
}

ne if {
	not input.x != input.x
}

bare_ref if {
	not input.x
}

rule_arg if {
	not startswith(q, "a")
}

q := input.x

with_moves if {
	not startswith(input.x, "a") with input.x as "b"
}

with_other if {
	not startswith(input.x, "a") with input.y as "b"
}

in_else := 1 if {
	false
} else := 2 if {
	not startswith(input.x, "a")
}

in_compr := [1 | not startswith(input.x, "a")]

in_every if {
	every k in ["x"] {
		not startswith(input[k], "a")
	}
}

local if {
	y := []
	not startswith(y[1], "a")
}

defined if {
	not startswith(input.k, "a")
}
