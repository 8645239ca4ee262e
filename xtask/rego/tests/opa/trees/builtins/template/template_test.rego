package template_test

import rego.v1

render(t, v) := strings.render_template(t, v)

test_field if render("hi {{.name}}", {"name": "x"}) == "hi x"

test_missing_and_null_read_undefined if {
	render("{{.missing}}", {"name": "x"}) == "<undefined>"
	render("{{.z}}|{{printf \"%v\" .z}}", {"z": null}) == "<undefined>|<nil>"
}

test_range_with_vars if {
	render("{{range $i, $v := .l}}{{$i}}={{$v}},{{end}}", {"l": ["a", "b"]}) == "0=a,1=b,"
	render("{{range $k, $v := .o}}{{$k}}={{$v}};{{end}}", {"o": {"b": 2, "a": 1}}) == "a=1;b=2;"
}

test_range_dot_and_else if {
	render("{{range .l}}<{{.}}>{{else}}empty{{end}}", {"l": []}) == "empty"
	render("{{range .l}}<{{.}}>{{end}}", {"l": [1, "x"]}) == "<1><x>"
}

test_if_else if {
	render("{{if .a}}yes{{else}}no{{end}}", {"a": false}) == "no"
	render("{{if .a}}yes{{else if .b}}b{{else}}no{{end}}", {"a": false, "b": "x"}) == "b"
}

test_truthiness if {
	t := "{{if .l}}y{{else}}n{{end}}{{if .o}}y{{else}}n{{end}}{{if .s}}y{{else}}n{{end}}{{if .z}}y{{else}}n{{end}}{{if .zero}}y{{else}}n{{end}}"
	render(t, {"l": [], "o": {}, "s": "", "z": null, "zero": 0}) == "nnnny"
}

test_with if {
	render("{{with .a}}A={{.}}{{else}}none{{end}}", {"a": "x"}) == "A=x"
	render("{{with .a}}A={{.}}{{else}}none{{end}}", {}) == "none"
}

test_trim_markers if render("{{- .a -}}  \n  {{ .b }}", {"a": "x", "b": "y"}) == "xy"

test_printing_values if {
	out := render("{{.a.b}} {{.f}} {{.o}} {{.l}} {{.t}}", {"a": {"b": 1}, "f": 10000000, "o": {"k": 1}, "l": [1, "x"], "t": true})
	out == "1 10000000 map[k:1] [1 x] true"
	render("{{.l}} {{.o}} {{.e}}", {"l": [1, [2, "x"], {"k": null}], "o": {"b": [1], "a": true}, "e": {}}) == "[1 [2 x] map[k:<nil>]] map[a:true b:[1]] map[]"
}

test_functions if {
	render("{{len .l}} {{index .l 1}} {{index .o \"k\"}}", {"l": [1, 2], "o": {"k": "v"}}) == "2 2 v"
	render("{{and .a .b}} {{or .a .b}} {{not .a}}", {"a": true, "b": false}) == "false true false"
	render("{{ print .a .b }}|{{ println .a }}", {"a": "x", "b": 2}) == "x2|x\n"
	render("{{if eq .s \"x\"}}same{{end}}", {"s": "x"}) == "same"
}

test_pipes_and_printf if {
	render("{{.a | printf \"%q\"}} {{printf \"%d-%s\" .n .a}}", {"a": "x", "n": 3}) == "\"x\" %!d(json.Number=3)-x"
}

test_variables_and_comments if {
	render("{{$x := .a}}{{$x}}{{$x = \"b\"}}{{$x}}", {"a": "x"}) == "xb"
	render("{{/* comment */}}ok", {}) == "ok"
	render("{{ \"lit\" }} {{ 42 }} {{ true }}", {}) == "lit 42 true"
}

test_plain_text if render("x", {"a": 1}) == "x"

test_unclosed_action_is_an_error if render("{{ .a ", {})

test_bad_character_is_an_error if render("{{.a}", {})

test_unknown_function_is_an_error if render("{{nosuch .a}}", {})

test_number_vs_int_comparison_is_an_error if render("{{if eq .n 1}}one{{end}}", {"n": 2})

test_field_of_null_is_an_error if render("{{.a.b.c}}", {"a": {"b": null}})

test_field_of_number_is_an_error if render("{{.a.b.c}}", {"a": 1})

test_index_out_of_range_is_an_error if render("{{index .l 5}}", {"l": [1]})

test_set_variables_are_an_error if render("{{.s}}", {"s": {"x", "y"}})
