package uri_test

import rego.v1

test_parse_full if {
	uri.parse("https://user:pw@example.com:8080/a/b?x=1&y=2#frag") == {
		"fragment": "frag", "hostname": "example.com", "path": "/a/b", "port": "8080",
		"raw_path": "/a/b", "raw_query": "x=1&y=2", "scheme": "https",
	}
}

test_parse_relative if {
	uri.parse("not a uri") == {"path": "not a uri", "raw_path": "not a uri"}
	uri.parse("/rel/path?q=a%20b#f%20g") == {"fragment": "f g", "path": "/rel/path", "raw_path": "/rel/path", "raw_query": "q=a%20b"}
}

test_parse_opaque if uri.parse("mailto:joe@example.com") == {"scheme": "mailto"}

test_parse_ipv6_and_escapes if {
	uri.parse("http://[::1]:80/x") == {"hostname": "::1", "path": "/x", "port": "80", "raw_path": "/x", "scheme": "http"}
	uri.parse("http://u@h/%7Ex") == {"hostname": "h", "path": "/~x", "raw_path": "/%7Ex", "scheme": "http"}
	uri.parse("HTTP://H.com") == {"hostname": "H.com", "scheme": "http"}
}

test_is_valid if {
	uri.is_valid("https://example.com")
	uri.is_valid("not a uri")
	not uri.is_valid("%zz")
	not uri.is_valid(":nope")
	not uri.is_valid("http://h:port/")
}

test_parse_bad_escape_is_an_error if uri.parse("%zz")

test_parse_missing_scheme_is_an_error if uri.parse(":nope")
