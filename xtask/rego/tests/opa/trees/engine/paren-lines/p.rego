# A body line that starts with `(` is a new literal, not a call of the previous line's term.
package p

a if {
	x := input.x
	(x == 2)
}

b := 1 if {
	input.x
	(1 == 1)
}

c := [1 | input.x
	(1 == 1)]

d if {
	x := input.x # a comment
	(x == 2)
}
