package p

n := x if {
	x := count(5)
}
