# OPA's parser keeps the last value of a key written twice in an object literal; the earlier
# value is never evaluated, so an undefined one leaves the object defined.
package keys

undefined_first := {"k": input.zz, "k": 3}

undefined_last := {"k": 3, "k": input.zz}

both_defined := {"k": input.a, "k": 1}

raw_and_quoted := {"k": input.zz, `k`: 2, "j": {1: input.zz,
	1: 4}}

in_comprehension := [x | x := {"k": input.zz, "k": 3}]

in_body if {
	o := {"k": input.zz, "k": 3}
	o.k == 3
}
