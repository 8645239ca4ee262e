# The same exception where the head reads a reference (fuzzer seed 500468).
package wrefs

c4 := input.c if { true with input.zz as data.d.b }

s4 contains input.c if { true with input.zz as data.d.b }

o3[input.k] := 7 if { true with input.zz as data.d.b }

o4["a"] := input.c if { true with input.zz as data.d.b }

# Undefined: scalars and collections written in the head, a function, a second literal.
c5 := {} if { true with input.zz as data.d.b }

s6 contains [1] if { true with input.zz as data.d.b }

s7 contains x if { x := 1; true with input.zz as data.d.b }

f(_) := 7 if { true with input.zz as data.d.b }

d4 := f(1)

o6[input.k] := 7 if { true with input.zz as data.d.b; true }
