package p

test_a if a == 2

test_b if b

test_c if c == {"a", "b"}

test_d if d == 1 with input.k as "a"

test_d_missing if not d with input.k as "z"

test_e if not e

test_f if not f([1, 2])
