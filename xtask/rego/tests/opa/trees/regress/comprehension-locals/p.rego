package p

# `some` after a literal that iterates (regorus declared it again on each pass), and the
# variables a comprehension declares, which hide the rule's variables of those names.

cmds := [["apt", "update"], ["x", "apt", "y", "update"]]

xs := [1, 2, 3]

objs := [{"n": "ab"}, {"n": "b"}]

after_iteration := [idx |
	parts := cmds[idx]
	some i, j
	i != j
	parts[i] == "apt"
	parts[j] == "update"
	i < j
]

in_body contains idx if {
	parts := cmds[idx]
	some i
	parts[i] == "apt"
}

some_outer contains i if {
	some i
	xs[i] > 1
	c := [j | some i; xs[i] = j]
	count(c) > 0
}

some_in_outer contains x if {
	some x in xs
	c := [y | some x in xs; y := x * 2]
	count(c) == 3
}

key_value_outer contains k if {
	some k
	xs[k]
	s := [v | some k, v in xs]
	count(s) == 3
}

assigned_outer := n if {
	i := 1
	s := [v | some i; v := xs[i]]
	n := count(s)
}

colon_eq_outer := y if {
	x := 1
	y := [x | x := 2]
}

object_outer := y if {
	x := 1
	y := {k: v | some k, v in xs; x < 5}
}

not_inside := y if {
	x := objs[0]
	y := [x.n | some x in objs; not startswith(x.n, "a")]
}
