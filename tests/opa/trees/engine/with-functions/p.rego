package p

f(x) := input.z if x

# Only a default: the engine used to leave it out of its function table, so `with` missed it.
default only_default(_) := "d"

default a.b.c(_) := "d"

uses_count := count([1, 2, 3])

now := time.now_ns()
