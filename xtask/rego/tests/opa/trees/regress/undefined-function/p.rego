package p

deny contains msg if {
	input.bad
	msg := no_such_function(input.name)
}
