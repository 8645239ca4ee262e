package p

s1 contains 0.5 if {
	x1 := false
	x2 := x1
	some _, _ in {x2}
}
