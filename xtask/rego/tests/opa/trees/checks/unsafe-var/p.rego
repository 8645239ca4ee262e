package p

allow if {
	input.x == 1
	not_bound == 2
}
