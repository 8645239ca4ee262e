package p

# OPA v1.20 ignores an undefined `with` value only where the body is the lone literal `true`
# and the value of that body reads a reference. An `else` body goes by its own value; a call
# in any `with` value is a literal of its own in OPA, so the body is undefined there.

i1 := input.c if { false } else := input.c if { true with input.zz as input.zz }
i2 := input.c if { false } else if { true with input.zz as input.zz }
i3 := 1 if { false } else := input.c if { true with input.zz as input.zz }
i4 := input.c if { true with input.zz as input.zz } else := 2 if { true with input.zz as input.zz }
n1 := input.c if { true with input.zz as 1 + input.zz }
n2 := input.c if { true with input.zz as [count([1]), input.zz] }
n3 := input.c if { true with input.zz as [count(input.zz)] }
n4 := input.c if { true with input.zz as input.zz with input.y as count([1]) }
n5 := input.c if { true with input.y as count([1]) with input.zz as input.zz }
n6 := input.c if { true with input.zz as {"a": input.zz} }
n7 := input.c if { true with input.zz as input.zz[count([1])] }
i5 := input.c if { false } else := 2 if { true with input.zz as input.zz }

test_i1 if i1 == 3 with input.c as 3
test_i2 if i2 == 3 with input.c as 3
test_i3 if i3 == 3 with input.c as 3
test_i4 if i4 == 3 with input.c as 3
test_n1 if n1 == 3 with input.c as 3
test_n2 if n2 == 3 with input.c as 3
test_n3 if n3 == 3 with input.c as 3
test_n4 if n4 == 3 with input.c as 3
test_n5 if n5 == 3 with input.c as 3
test_n6 if n6 == 3 with input.c as 3
test_n7 if n7 == 3 with input.c as 3
test_i5 if i5 == 2 with input.c as 3
