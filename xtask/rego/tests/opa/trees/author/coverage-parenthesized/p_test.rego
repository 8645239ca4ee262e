package p_test

import data.p

test_next if p.next == 2 with input.a as 1

test_sets if {
	p.both == {1, 2}
	p.common == {2}
}

test_nested if p.nested == 5 with input.a as 2

test_label if p.label == "(-x-)" with input.s as "x"

test_grade_high if p.grade == "high" with input.score as 90

test_grade_low if p.grade == "low" with input.score as 1

test_scaled if {
	p.scaled(2) == 20
	p.scaled(-3) == 3
}

test_tags if p.tags == {"A", "B"} with input.tags as ["a", "b", ""]

test_limits if p.limits == {"x": 2} with input.limits as {"x": 1, "y": -1}

test_window if p.window == 2 with input.items as [1, 2, 3]

test_flags if p.flags == {"a", "b"} with input.on as true

test_ratio if p.ratio == 2 with input as {"num": 4, "den": 2}
