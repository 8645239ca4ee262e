package main

# In Rego v1 `deny[msg] if` makes an object (`deny[msg] = true`), not a set: it conflicts with the
# partial set `deny` above, and OPA refuses the tree.
deny[msg] if {
	msg := "from an object"
}
