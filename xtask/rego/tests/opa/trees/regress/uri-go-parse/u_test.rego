package u_test

import data.u

test_raw_path_as_go_keeps_it if u.parts("https://example.com/a%21b%28c%29") == {"scheme": "https", "hostname": "example.com", "path": "/a!b(c)", "raw_path": "/a!b(c)"}
test_raw_path_escaped_slash if u.parts("https://example.com/a%2Fb").raw_path == "/a%2Fb"
test_ipv6_port if u.parts("http://[::1]:8080/x") == {"scheme": "http", "hostname": "::1", "port": "8080", "path": "/x", "raw_path": "/x"}
test_empty_not_valid if not u.valid("")
test_userinfo_not_valid if not u.valid("http://a b@example.com/")
test_escaped_ascii_host_not_valid if not u.valid("http://exa%6dple.com/")
test_valid if u.valid("mailto:joe@example.com")
test_parse_error_on_purpose if u.parts("http://a<b@example.com/")
test_wrong_on_purpose if u.valid("")
