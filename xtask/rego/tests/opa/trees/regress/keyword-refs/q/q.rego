package q.not.r

import data.p

x := 42

test_other_package if {
	p.not.foo == 1
	data.p.some_missing_rule == 1
}

test_package_path if data.q.not.r.x == 42
