package p
# Rules with several bodies: each body is one more definition of the rule (OPA), so two
# bodies giving different values conflict.

f(x) := y if { y := x + 1 } { y := x + 2 }

g(x) := y if { x > 0; y := 1 } { x < 0; y := 2 }

c := y if { y := input.a } { y := input.b }

deny contains msg if {
	input.a == 1
	msg := "a"
} {
	input.b == 1
	msg := "b"
}

q if { input.a == 1 } { input.b == 1 }

h(x) := 1 if { x > 0 } { x > 1 }

# A function head alone is a definition whose value is `true`.
valid_name(name) if endswith(name, "_test.rego")
valid_name("test.rego")

pair("a", 1)
pair("b", 2) := 3
