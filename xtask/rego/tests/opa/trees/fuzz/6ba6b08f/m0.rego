package q

s10 contains set() if {
	not "a" in data.d.s
}
