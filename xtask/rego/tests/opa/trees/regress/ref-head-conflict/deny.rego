package main

deny contains msg if {
	msg := "from a set"
}
