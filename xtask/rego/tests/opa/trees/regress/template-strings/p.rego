package p

# Template strings: each `{expr}` is written as OPA prints a term (a string unquoted), an
# undefined one as `<undefined>`; `\{` is a literal brace.

name := "world"

greeting := $"hello, {name}!"

braces := $"\{name} is {name}"

values := $"{1} {2.5} {true} {null} {[1, "a"]} {{"k": [1]}} {{3, 1, 2}} {set()}"

missing := $"[{input.nope}] [{data.p.nope}]"

computed := $"{count([1, 2, 3]) * 2} {upper(name)} {[x | some x in [3, 1]]}"

lines := $`first {name}
second \{name} "quoted"
third`

nested := $"<{$"({name})"}>"

labels := {$"k{i}": $"v{x}" | some i, x in ["a", "b"]}

test_greeting if greeting == "hello, world!"

test_braces if braces == "{name} is world"

test_values if values == `1 2.5 true null [1, "a"] {"k": [1]} {1, 2, 3} set()`

test_missing if missing == "[<undefined>] [<undefined>]"

test_computed if computed == `6 WORLD [3, 1]`

test_lines if lines == "first world\nsecond {name} \"quoted\"\nthird"

test_nested if nested == "<(world)>"

test_labels if labels == {"k0": "va", "k1": "vb"}

test_with if {
	s := $"{input.user} / {input.role}" with input as {"user": "ann"}
	s == "ann / <undefined>"
}

test_with_inside if {
	$"{input.user with input.user as "bob"}" == "bob"
}

test_membership if {
	id := 2
	$"user_{id}" in {"user_1", "user_2"}
}

test_every if {
	every i, x in ["a", "b"] {
		["<a>", "<b>"][i] == $"<{x}>"
	}
}

# A line after a multi-line template keeps its number (the failure is reported on it).
test_line_after if {
	$"{name}\n" == $`{name}
`
}

test_line_after_fails if {
	$"{name}" == $`{name}
`
}

# A template among a function's arguments is a literal of its body, where the body binds its
# variables.
tagged($"{kind}:{input.id}") := kind if some kind in ["a", "b"]

plain($"x-{1}")

test_template_argument if tagged("b:7") == "b" with input.id as 7

test_template_argument_no_match if {
	not tagged("c:7") with input.id as 7
}

test_template_argument_bare if plain("x-1")

# A default value may be a template of constants only.
default fallback := $"none-{1}"

test_default if fallback == "none-1"
