package p

test_t1 if not t1

test_t2 if not t2(1)

test_t3 if not t3
