package lib

f(x) := x + 1

g := f(1)

k := 5

h := [f(i) | some i in [k]]
