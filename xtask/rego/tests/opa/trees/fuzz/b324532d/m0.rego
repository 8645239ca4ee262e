package p

s4 contains 1.5e2 if {
	not count(data.d.zz)
}
