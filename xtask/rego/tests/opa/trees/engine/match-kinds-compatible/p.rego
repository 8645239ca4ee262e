package p

# Comparisons OPA's type check lets through: same kinds, unknown kinds, or not `==`/`=`.
a if count([1, 2]) == 2.0

b if {
	x := "a"
	x != 1
}

c if input.x == 1

d if [1] != [1, 2]

e if {} == {}

f if null == null

g if {
	x := [1]
	x == [1]
}

h if {
	y = 3
	y == 3
}

i if equal(count("ab"), 2)

j if {
	xs := {1}
	xs == {1}
}
