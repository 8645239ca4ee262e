package p

g0.c5 contains indexof("b", "")
