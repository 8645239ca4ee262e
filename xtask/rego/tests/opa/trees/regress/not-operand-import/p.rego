package p

# An imported name is a reference into `data`: OPA moves it out of a `not` as it does a rule of
# the package, so an undefined one makes `not t(r)` undefined, not true.

import data.q.r
import data.q.r as renamed
import data.q.v

t(_) := true

test_imported_undefined if {
	a := 1
	not t(r)
}

test_renamed_undefined if {
	a := 1
	not t(renamed)
}

test_imported_with if {
	a := 1
	not t(r) with input.m as 1
}

test_imported_defined if {
	a := 1
	not t(v)
}

test_imported_compared if {
	a := 1
	not r == true
}
