package p

# An operand of a negated call that is a rule of the package, undefined, declared in another
# file: OPA evaluates it before the `not`, so the body fails.

t1 if {
	x := 1
	not f(r)
	x == 1
}

t2(y) if not f(r)

t3 if {
	some x in [1, 2]
	not f(r)
}
