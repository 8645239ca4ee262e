package p

f(x) := data.p.a if x > 0

a if f(1)
