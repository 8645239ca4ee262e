package edges_test

import rego.v1

# METADATA
# title: separated by a blank line

test_blank_line_between_block_and_rule if rego.metadata.rule().title == "separated by a blank line"

# METADATA
# title: far
# METADATA
# title: near
test_two_blocks_closest_first if {
	rego.metadata.rule().title == "far"
	[a, b] := rego.metadata.chain()
	a.annotations.title == "near"
	b.annotations.title == "far"
}

# METADATA
# title: 1
# description: true
# nosuch: ignored
test_scalars_become_strings_and_unknown_keys_go if {
	rego.metadata.rule() == {"scope": "rule", "title": "1", "description": "true"}
}

# METADATA
# title: t
#   continued
test_folded_title if rego.metadata.rule().title == "t continued"

#METADATA
# title: no space
test_no_space_is_a_block_too if rego.metadata.rule().title == "no space"

# METADATA
# title: with else
x := [rego.metadata.rule(), count(rego.metadata.chain())] if false
else := [rego.metadata.rule(), count(rego.metadata.chain())]

# METADATA
# title: main
y := [rego.metadata.rule(), count(rego.metadata.chain())] if true
else := 1

test_else_branch_has_no_annotations if x == [{}, 1]

test_main_branch_keeps_them if y == [{"scope": "rule", "title": "main"}, 1]
