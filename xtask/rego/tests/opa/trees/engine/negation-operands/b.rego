# More forms: operands through function arguments, `else`, `default`, `with`, `some`, data.
package negops_b

f(x) if x == 1
f(x) if x == 2
m(x, y) if x == y
default d(_) := false
d(x) if x == 1
e(x) := true if { x == 1 } else := false
u1(a) if { not f(a.zz) }
u2(a) if { b := 1; not m(a.zz, b) }
u3(a, b) if { not m(a, b.zz) }

t1 if { y := input; not f(y.zz) }
t2 if u1({})
t3 if u1(input)
t4 if u2(input)
t5 if u3(1, input)
t6 if { y := 1; not d(input.zz) }
t7 if { y := 1; not e(input.zz) }
t8 if { y := 1; not f(input.zz) with input.zz as 3 }
t9 if { some i; input.xs[i]; not f(input.ys[i]) }
t10 if { some i, v in input.xs; not m(v, input.ys[i]) }
t11 if { y := 1; not m({"a": input.zz}, y) }
t12 if { y := 1; not f(input.zz) } else := false
t13 := x if { x := 1; not f(input.zz) } else := 2
t15 if { y := 1; not f(data.nope) }
t16 if { y := 1; not f(data.d.zz) }
t17 if { y := 1; not f(data.d[y]) }
t18 if { y := "k"; not f(data.d[y]) }
t19 if { y := 1; not f(input.zz) == false }
t20 if { y := 1; not e(input.zz) == false }
t21 if { y := 1; not e(input.zz) = false }
t22 if { y := 1; not d(input.zz) = false }
t23 if { y := 1; not d(input.zz) == false }
t24 if { y := 1; not f(input.zz) != true }
t26 if { y := 1; not true == f(input.zz) }
t29 if { y := true; not e(input.zz) = y }
