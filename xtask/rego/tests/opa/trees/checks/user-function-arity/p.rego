package p

f(x) := x

y := f(1, 2, 3)
