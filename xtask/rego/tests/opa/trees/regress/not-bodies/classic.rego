package classic

# Without the import, OPA moves `input.a + input.b` out of the negation: undefined fails the body.
sum_differs if not input.a + input.b == input.c

# A negated `=` binds nothing: it waits for the literal that binds `a`.
later := a if {
	not a = f(1)
	a = f(2)
}

f(x) := x

plain := a if {
	not a = 1
	a = 2
}
