package p

g0.c1 contains sprintf("%s", [-1])
