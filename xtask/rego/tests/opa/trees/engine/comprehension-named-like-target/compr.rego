# `x := [x | ..]`: OPA declares `x` after the right side of `:=`, so the comprehension has its
# own `x` (ours called it unsafe).
package compr
f(c) := c + 1
b := x if { x := [x | some c in [1,2]; x = f(c)] }
c := x if { x := {x | some c in [1,2]; x = c * 2}; count(x) > 0 }
d := [x, y] if { cs := [1]; x := [x | some c in cs; x = c]; y := {k: v | some k in cs; v := k} }
e := x if { x := [x | some x in [3]] }
g := x if { x := {x: 1 | some c in [1]; x = c} }
h := [x | x := [x | some c in [5]; x = c]]
