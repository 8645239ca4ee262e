package p

r if {
	semver.is_valid("1.0.0", ok, extra)
}
