package p

x := 1

x contains 2 if true
