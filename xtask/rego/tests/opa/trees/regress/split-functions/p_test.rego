package p_test

import data.p

test_identical_in_two_files if p.norm(["a", ""]) == ["a"]

test_called_before_definition if p.uses_before == 2

test_bodies_in_two_files if p.helper([1]) == []

test_default_in_a_third_file if [p.kind(1), p.kind("a"), p.kind(true)] == ["number", "string", "other"]

test_mocked if p.uses_before == 0 with p.helper as []

test_conflict_errors if p.clash(true)

test_default_in_a_later_file if data.r == {"level": "low", "copy": "low"}

test_default_in_a_later_file_under_with if data.r == {"level": "high", "copy": "high"} with input.x as 1
