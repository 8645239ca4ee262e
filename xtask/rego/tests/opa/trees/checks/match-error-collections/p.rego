package p

# An array never unifies with a set.
n if {
	input.ok
	[1, 2] == {1, 2}
}
