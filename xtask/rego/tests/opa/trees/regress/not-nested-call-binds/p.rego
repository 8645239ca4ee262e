package p

# Inside a call nested in a negated expression, a reference binds its indices: OPA moves the
# call into a literal of its own inside the negation (`not count(input.m[_]) == 1`).

g(x) := x

test_s4 if { some x; a := 1; not g(input.m[x]) == 1 }
test_s5 if { a := 1; not count(input.m[_]) == 1 }
test_s6 if { a := 1; not g(input.m[_] == 1) }
test_s7 if { a := {"k": 1}; not [x | x := input.m[_]] == [] }
test_s8 if { some x; not g(input.m[x]) == 1; x == 1 }
