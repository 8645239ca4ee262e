package p

# Rules of the package that the negated calls in b.rego read, from another file.

r := input.nope

f(x) := true if x == 1
