package p

# A declaration after a use of its name in the same body: OPA refuses the tree (`var expected
# referenced above`), even where the name is also a rule of the package.

expected := 3

obj := {"a": 1}

late_some := out if {
	out := {"e": expected}
	some expected
	obj[expected] == 1
}

late_assign(names) := out if {
	out := {"tasks": tasks}
	tasks := names
}

tasks := 1

test_late_some if late_some
