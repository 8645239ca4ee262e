package negops_lib

r := input.zz
g(x) if x == 1
o[k] := 1 if { some k in input.ks }
