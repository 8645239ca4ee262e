package p

s1 contains "a,b,c"

r3 := [concat(input.n, [])] if {
	data.p.s1 > {}
}
