package p_test

import data.p

test_merged if p.merged == {"10.0.0.0/23"}

test_newer if p.newer

test_older if p.older

test_claims if p.claims == [{"alg": "HS256"}, {"sub": "x"}]

test_matches if {
	p.matches("*.a", "b.a")
	not p.matches("*.a", "b.c")
}

test_checked if {
	p.checked({"a": 1})
	not p.checked({"b": 1})
}

test_hosts if p.hosts == {"a.example", "b.example"}

test_mocked if {
	p.newer with semver.compare as 1
	not p.newer with semver.compare as 0
}
