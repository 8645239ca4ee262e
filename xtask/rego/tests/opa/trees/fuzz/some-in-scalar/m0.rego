package p

s contains 1 if {
	some _ in input.n
}
