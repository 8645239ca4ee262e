package q

g0.c8 contains "2.5" if {
	array.slice([], 10, -1.25) in set()
}
