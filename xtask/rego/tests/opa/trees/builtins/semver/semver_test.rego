package semver_test

import rego.v1

test_is_valid if {
	semver.is_valid("1.2.3")
	semver.is_valid("v1.2.3")
	semver.is_valid("01.2.3")
	semver.is_valid("1.2.3-01")
	semver.is_valid("1.2.3-rc.1+build.5")
	not semver.is_valid("V1.2.3")
	not semver.is_valid("vv1.2.3")
	not semver.is_valid("1.2")
	not semver.is_valid(" 1.2.3")
	not semver.is_valid(1)
}

test_compare if {
	semver.compare("1.2.3", "1.2.4") == -1
	semver.compare("v1.2.3", "1.2.3") == 0
	semver.compare("1.2.3-alpha", "1.2.3") == -1
	semver.compare("1.2.3+build", "1.2.3") == 0
	semver.compare("1.2.3-alpha.1", "1.2.3-alpha.beta") == -1
	semver.compare("1.0.0-rc.1", "1.0.0-rc.10") == -1
	semver.compare("1.10.0", "1.9.0") == 1
	semver.compare("1.0.0-alpha", "1.0.0-alpha.1") == -1
}

test_compare_invalid_is_an_error if semver.compare("x", "1.2.3")
