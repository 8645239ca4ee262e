package p

r if {
	x := semver.compare("1.0.0", "2.0.0", y)
}
