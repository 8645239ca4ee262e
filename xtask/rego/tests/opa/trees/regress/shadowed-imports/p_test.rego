package p_test

import data.p

test_assigned if p.assigned(["a"]) == {"tasks": ["a"]}

test_argument if p.argument(1) == {"tasks": 1}

test_in_head if p.in_head(["a"]) == {"tasks": ["a"]}

test_comprehension if p.comprehension(["a"]) == ["a"]

test_key_value if p.key_value({"k": "v"}) == [["k", "v"]]

test_some_declared if p.some_declared == {0, 1}

test_every_var if p.every_var

test_outside if p.outside == [[1], "imported"]

test_alias_local if p.alias_local == 5

test_object_pattern if p.object_pattern == 3

test_silent_wrong_value if data.q.listed(["a"]) == {"tasks": ["a"]}
