package p

r1 := {} if {
	x1 := data.d.b
	(x1 == x1) in []
}
