package p

test_after_iteration if after_iteration == [0, 1]

test_in_body if in_body == {0, 1}

test_some_outer if some_outer == {1, 2}

test_some_in_outer if some_in_outer == {1, 2, 3}

test_key_value_outer if key_value_outer == {0, 1, 2}

test_assigned_outer if assigned_outer == 3

test_colon_eq_outer if colon_eq_outer == [2]

test_object_outer if count(object_outer) == 3

test_not_inside if not_inside == ["b"]
