# Operands read through rules: ref heads, imports, defaults, partial objects.
package negops_c

import data.negops_lib as lib

f(x) if x == 1
a.b := input.zz
a.c[k] := 1 if { some k in input.ks }
s contains x if { some x in input.xs }
default dr := 1
dr := input.zz

t1 if { y := 1; not f(a.b) }
t2 if { y := 1; not f(lib.r) }
t3 if { y := 1; not f(a.c.q) }
t6 if { y := 1; not lib.g(input.zz) }
t7 if { y := 1; not f(lib.o.q) }
t8 if { y := 1; not f(dr) }
t9 if { y := 1; not f(data.negops_lib.r) }
t10 if { some y in input.xs; not f(a.c[y]) }
t11 if { y := 1; not f(lib.r.x) }
