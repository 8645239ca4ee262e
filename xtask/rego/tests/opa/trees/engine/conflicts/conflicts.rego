# Conflicts OPA raises at evaluation (`eval_conflict_error`), and the rules beside them that agree.
package conflicts

r := 1

r := 2 if input.two

o["a"] := 1

o["a"] := 2 if input.two

a.b.c := 1

a.b.c := 2 if input.two

f(x) := 1

f(x) := 2 if x

same := 1

same := 1 if true
