package p

default q.r(_) := 1

q.r(x) := 2 if x == 2

default f(_) := 10

f(x) := 3 if x == 3

default deep.er.g(_, _) := "d"
