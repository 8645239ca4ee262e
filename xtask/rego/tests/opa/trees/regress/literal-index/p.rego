package p

# Keys a literal has, or keys not known before evaluation: no type error.
a := [1, 2][1]

b if {
	x := {"a": {"b": 1}}
	x.a.b == 1
}

c contains k if {
	x := {"a": 1, "b": 2}
	some k
	x[k]
}

d := x[input.k] if x := {"a": 1}

e := {1, 2}[3]

f(x) := x[5]
