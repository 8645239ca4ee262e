package p

r5 := {} if {
	some _ in input.n
	(object.keys({}) == set())
}
