package p

a if b

b if a
