package p

r if {
	count([1, 2], "two")
}
