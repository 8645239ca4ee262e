package net_test

import rego.v1

test_intersects if {
	net.cidr_intersects("10.0.0.0/8", "10.1.0.0/16")
	net.cidr_intersects("10.1.0.0/16", "10.0.0.0/8")
	not net.cidr_intersects("10.0.0.0/8", "11.1.0.0/16")
	not net.cidr_intersects("10.0.0.0/8", "::1/128")
	net.cidr_intersects("fd00::/8", "fd00:1::/32")
	net.cidr_intersects("10.0.0.5/8", "10.255.0.0/16")
}

test_intersects_ip_is_an_error if net.cidr_intersects("10.0.0.0/8", "10.0.0.1")

test_intersects_bad_prefix_is_an_error if net.cidr_intersects("10.0.0.0/33", "10.0.0.0/8")

test_merge_adjacent if net.cidr_merge(["192.0.128.0/24", "192.0.129.0/24"]) == {"192.0.128.0/23"}

test_merge_ips if net.cidr_merge(["192.168.1.1", "192.168.1.0"]) == {"192.168.1.0/24"}

test_merge_single_ip_keeps_classful_mask if {
	net.cidr_merge(["10.0.0.1"]) == {"10.0.0.1/8"}
	net.cidr_merge(["172.16.3.4"]) == {"172.16.3.4/16"}
	net.cidr_merge(["224.0.0.1"]) == {"224.0.0.1/24"}
}

test_merge_mixed if {
	net.cidr_merge({"2001:db8::/33", "2001:db8:8000::/33", "1.2.3.4/32"}) == {"1.2.3.4/32", "2001:db8::/32"}
}

test_merge_chain if {
	net.cidr_merge(["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]) == {"10.0.0.0/15", "10.2.0.0/16"}
	net.cidr_merge(["10.0.0.0/9", "10.128.0.0/9", "11.0.0.0/8"]) == {"10.0.0.0/7"}
	net.cidr_merge(["10.0.0.0/8", "10.1.0.0/16", "10.5.0.0/16"]) == {"10.0.0.0/8"}
}

test_merge_not_adjacent if net.cidr_merge(["1.2.3.0/24", "1.2.4.0/24"]) == {"1.2.3.0/24", "1.2.4.0/24"}

test_merge_masks_host_bits if net.cidr_merge(["10.0.0.5/8"]) == {"10.0.0.0/8"}

test_merge_everything if {
	net.cidr_merge(["0.0.0.0/0", "10.0.0.0/8"]) == {"0.0.0.0/0"}
	net.cidr_merge(["::/1", "8000::/1"]) == {"::/0"}
	net.cidr_merge(["::/0", "10.0.0.0/8"]) == {"::/0"}
}

test_merge_empty if net.cidr_merge([]) == set()

test_merge_bad_is_an_error if net.cidr_merge(["10.0.0.0/8", "bad"])

test_merge_bare_ipv6_is_an_error if net.cidr_merge(["2001:db8::1"])

test_contains_matches_strings if {
	net.cidr_contains_matches("1.1.1.0/24", "1.1.1.128") == {["1.1.1.0/24", "1.1.1.128"]}
	net.cidr_contains_matches("1.1.0.0/16", "1.1.0.0/24") == {["1.1.0.0/16", "1.1.0.0/24"]}
}

test_contains_matches_arrays if {
	net.cidr_contains_matches(["1.1.1.0/24", "1.1.2.0/24"], "1.1.1.128") == {[0, "1.1.1.128"]}
	r := net.cidr_contains_matches([["1.1.0.0/16", "foo"], "1.1.2.0/24"], ["1.1.1.128", ["1.1.254.1", "bar"]])
	r == {[0, 0], [0, 1]}
}

test_contains_matches_objects_and_sets if {
	r := net.cidr_contains_matches({"x": "1.1.0.0/16", "y": ["1.1.2.0/24"]}, {"1.1.2.3", "2.2.2.2"})
	r == {["x", "1.1.2.3"], ["y", "1.1.2.3"]}
	s := net.cidr_contains_matches({"x": "1.1.0.0/16"}, {"1.1.2.3", ["1.1.1.1"]})
	s == {["x", "1.1.2.3"], ["x", ["1.1.1.1"]]}
}

test_contains_matches_families if {
	net.cidr_contains_matches("::/0", "1.1.0.0") == set()
	net.cidr_contains_matches("::ffff:0:0/96", "1.1.0.0") == {["::ffff:0:0/96", "1.1.0.0"]}
}

test_contains_matches_empty_array_is_an_error if net.cidr_contains_matches(["1.1.0.0/16"], [[]])

test_contains_matches_bad_cidr_is_an_error if net.cidr_contains_matches(["bad"], ["1.1.1.1"])

test_contains_matches_bad_ip_is_an_error if net.cidr_contains_matches(["1.1.0.0/16"], ["bad"])

test_contains_mapped_ipv4 if {
	net.cidr_contains("::ffff:0:0/96", "1.2.3.4")
	net.cidr_contains("10.0.0.0/8", "10.1.0.0/16")
	not net.cidr_contains("::/0", "1.2.3.4")
}
