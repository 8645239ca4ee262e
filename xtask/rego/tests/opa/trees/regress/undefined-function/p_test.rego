package p_test

import data.p

test_nothing_denied if count(p.deny) == 0
