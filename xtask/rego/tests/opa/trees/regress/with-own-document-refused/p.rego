package scanner

# A `with` on the package's own document (or on `data`, or on the rule itself) makes the rule
# depend on itself: OPA refuses the whole tree at compile time (`rego_recursion_error`), so
# the other test, fine on its own, never runs.

x := 1

test_own_package if x == 1 with data.scanner as {}

test_fine if x == 1
