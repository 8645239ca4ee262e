package p

s1 contains sprintf("%d", [[]])
