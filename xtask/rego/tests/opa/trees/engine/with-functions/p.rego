package p

f(x) := input.z if x

# Only a default: the engine used to leave it out of its function table, so `with` missed it.
default only_default(_) := "d"

default a.b.c(_) := "d"

uses_count := count([1, 2, 3])

now := time.now_ns()

# Calls by the short name: the usual target of a mock from a test package.
allow if f(input.x) == 7

nested.g(x) := x

via_ref_head if nested.g(input.x) == 7
