package p

# OPA's type checker knows a literal's keys: each of these is `undefined ref`.
a := [1, 2][2]

b if {
	x := {"a": {"b": 1}}
	x.a.c
}

c if {
	s := "abc"
	s[0]
}
