# OPA v1.20 ignores an undefined `with` value in one form (fuzzer seed 3207): a partial-object
# rule whose key is written as a collection, with a body that is the single literal `true`.
package wkeys

o3[{}] := 7 if { true with input.n as input.c[2] }

o6[[1]] := 7 if { true with input.n as input.c[2] }

o7[{"a": input.c[0]}] := 7 if { true with input.n as input.c[2] with data.q as input.zz }

nested.a[set()] := 7 if { true with input.n as input.c[2] }

# Undefined as everywhere else: a string key, a second literal, another expression, a set rule.
o5["a"] := 7 if { true with input.n as input.c[2] }

a1[{}] := 7 if { true with input.n as input.c[2]; true }

a2[{}] := 7 if { 1 == 1 with input.n as input.c[2] }

s1 contains {} if { true with input.n as input.c[2] }

c1 := 7 if { true with input.n as input.c[2] }
