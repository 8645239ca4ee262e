package p

# Output arguments of builtins only our extensions provide, written across lines, with a
# trailing comma, comments, composite outputs and under `not`.
merged contains cidr if {
	net.cidr_merge(
		["10.0.0.0/24", "10.0.1.0/24"], # two halves
		cidrs, # the merged set
	)
	some cidr in cidrs
}

newer if semver.compare("2.0.0", "1.0.0", 1)

older if {
	not semver.compare("2.0.0", "1.0.0", -1)
	semver.is_valid("2.0.0",true,)
}

claims := [header, payload] if {
	io.jwt.decode("eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.s-j4haezxh6wrOeRmpuRS-Rw8jJk0bExcSPOJv4OfXE", [header, payload, _])
}

matches(pattern, s) if glob.match(pattern, ["."], s, true)

checked(doc) := result if json.match_schema(doc, {"type": "object", "required": ["a"]}, [result, _])

hosts := {h |
	some u in ["https://a.example/x", "https://b.example"]
	uri.parse(u, parsed)
	h := parsed.hostname
}
