package p_test

import data.p

test_ok if {
	true
}
