package p

# The body holds but the head's value is undefined: OPA takes the `else`.
f(x) := data.d.b if {
	x
} else := 1

r := f(true)
