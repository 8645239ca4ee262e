package m_test

import data.m

test_marshal if m.marshal({"a": 1}, {"indent": " "}) == "{\n \"a\": 1\n}"

# Options through input: OPA's type checker would refuse the literal forms before evaluation.
test_unknown_key_errors_on_purpose if m.marshal([], input.o) with input.o as {"indent": "  ", "sort_keys": true}

test_prefix_kind_errors_on_purpose if m.marshal([], input.o) with input.o as {"prefix": 1}

test_pretty_kind_errors_on_purpose if m.marshal([], input.o) with input.o as {"pretty": "yes"}

test_options_kind_errors_on_purpose if m.marshal([], input.o) with input.o as "pretty"

# A set, as OPA answers (regorus gave an array).
test_expand_is_a_set if {
	m.expand("10.0.0.0/31") == {"10.0.0.0", "10.0.0.1"}
	is_set(m.expand("10.0.0.0/32"))
}

test_mask_errors_on_purpose if m.expand("192.168.1.1/33")

test_address_errors_on_purpose if m.expand("300.1.1.1/24")

test_kind_errors_on_purpose if m.expand(input.n) with input.n as 7
