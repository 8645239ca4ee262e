package misc_test

import rego.v1

test_flatten if {
	array.flatten([1, [2, [3, [4]]], []]) == [1, 2, [3, [4]]]
	array.flatten([]) == []
}

test_find_all_string_submatch_n if {
	regex.find_all_string_submatch_n("a(x*)b", "-ab-axxb-", -1) == [["ab", ""], ["axxb", "xx"]]
	regex.find_all_string_submatch_n("a(x*)b", "-ab-axxb-", 1) == [["ab", ""]]
	regex.find_all_string_submatch_n("a(x*)b", "-ab-axxb-", 0) == []
	regex.find_all_string_submatch_n("a(x)?(b)", "ab", -1) == [["ab", "", "b"]]
}

test_find_all_bad_pattern_is_an_error if regex.find_all_string_submatch_n("(", "x", -1)

test_split_n if {
	strings.split_n("a,b,c,d", ",", 2) == ["a", "b"]
	strings.split_n("a,b,c,d", ",", 10) == ["a", "b", "c", "d"]
	strings.split_n("a,b,c,d", ",", -2) == ["c", "d"]
	strings.split_n("a,b,c,d", ",", 0) == []
	strings.split_n("", ",", 1) == [""]
	strings.split_n("héllo", "", 2) == ["h", "é"]
}

test_split_n_float_is_an_error if strings.split_n("a,b", ",", data.half)
