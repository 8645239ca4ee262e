package p

test_keys if annotation_keys == ["a", "d"]

test_pairs if count(pairs) == 8

test_paths if paths == relation_form

test_images if images == {"i"}

test_words_errors_on_a_boolean if words

walks_input if {
	some _, v in walk(input)
	v == 7
}

test_walk_of_input if walks_input with input as {"x": [7]}

test_count_rule if count([1 | walk(doc)]) == 8
