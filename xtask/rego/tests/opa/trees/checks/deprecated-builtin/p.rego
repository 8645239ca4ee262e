package p

allow if {
	any([true, false])
}
