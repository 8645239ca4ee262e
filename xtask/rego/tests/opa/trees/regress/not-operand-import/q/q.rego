package q

r if false

v := 1
