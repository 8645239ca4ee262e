package p

n if {
	limit := "ten"
	input.n > 1
	limit == 10
}
