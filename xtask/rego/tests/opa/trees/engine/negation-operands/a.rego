# `not f(x)` with an operand that may be undefined, in bodies with other variables: forms tried
# for the one held-out case where OPA said true and we said false (none of them differs).
package negops_a

f(x) if x == 1
f(x) if x == 2
g(x) := 1 if x > 5
g(x) := 2 if x < 0
default h(_) := false
h(x) if x == "a"
k(x) := y if { y := x + 1 } else := 0
m(x, y) if x == y
r := input.zz
comp := [x | some x in input.zz]

t1 if { y := 1; not f(input.zz) }
t2 if { some y in [1]; not f(input.zz) }
t3 if { y := 1; not g(data.zz) }
t4 if { y := 1; not h(r) }
t5 if { y := 1; not k(input.zz) }
t6 if { y := 1; not m(y, input.zz) }
t7 if { y := 1; not m(input.zz, y) }
t8 := [y | some y in [1, 2]; not f(input.zz)]
t9 if { y := 1; not f(input.zz) with input.a as 1 }
t10 if { y := 1; every z in [1] { z == 1; not f(input.zz) } }
t12 if { y := 1; not f(comp[0]) }
t15 if { some y in [1]; not m(y, r) }
t16 if { y := 1; not f(input.zz.a) }
t17 if { y := 1; x := input.zz; not f(x) }
t18 if { y := 1; not f(data.negops_a.r) }
t19 if { y := 1; not m(y, data.negops_a.r) }
t20 if { y := 1; not f(y + input.zz) }
t22 if { y := 1; not f(input.zz) == true }
t23 if { y := 1; not k(input.zz) == 0 }
t24 if { y := 1; not g(input.zz) == 1 }
t25 := {y | some y in [1]; not f(input.zz)}
t26 if { y := 1; not data.negops_a.f(input.zz) }
t27 if { y := 1; not f(input[y]) }
t28 if { y := "zz"; not f(input[y]) }
t29 if { some y; [1][y]; not f(input.zz[y]) }
t30 if { y := 1; not f(r) }
t31 if { y := 1; not f(comp[y]) }
t32 if { y := 0; not f([1][y + 3]) }
t33 if { y := 1; not f(object.get({}, "a", input.zz)) }
t34 if { y := 1; not f(input.zz) ; y == 1}
t35 if { not f(input.zz); y := 1 }
