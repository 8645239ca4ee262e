package p

# A `some` declaration, an argument or an assignment named like a rule of the package declares a
# new local; elsewhere the name is the rule.

expected := 3

obj := {"a": 1, "b": 2}

key_value contains k if {
	some k, expected in obj
	expected == 1
}

value_only := [expected | some expected in [7, 8]]

wildcard_key := [expected | some _, expected in obj]

function(expected) := expected + 1

assigned := y if {
	expected := 10
	y := expected
}

uses_rule := expected * 2

every_rule if every expected in [1] { expected == 1 }

nested := [v | some v in [expected]]
