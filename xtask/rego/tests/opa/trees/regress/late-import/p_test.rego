package p_test

limit := 3

# OPA takes imports anywhere after `package`, for the whole module.
import data.lib.util as u

test_alias_declared_below_a_rule if {
	u.has_field({"a": 1}, "a")
	count(fixture) == limit
}

import data.fixtures.items as fixture

test_the_second_late_import if fixture[0] == "x"

test_a_failing_one if not u.has_field({"a": 1}, "a")
