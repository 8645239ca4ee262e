package p

r if {
	not semver.is_valid("1.0.0", ok)
}
