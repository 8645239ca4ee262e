package p

# Two ref-head rules with variable keys, and one with a constant key: OPA accepts these together.
m[k] := 1 if some k in ["a", "b"]

m[k] := 2 if k := "c"

n.fixed := 3
