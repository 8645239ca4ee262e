package p_test

test_ref_head_default if data.p.q.r(5) == 1

test_ref_head_match if data.p.q.r(2) == 2

test_plain_default if data.p.f(9) == 10

test_plain_match if data.p.f(3) == 3

test_deep_ref_head_two_args if data.p.deep.er.g(1, 2) == "d"

test_default_in_query if { some x in [1, 2]; data.p.q.r(x) == 2 }
