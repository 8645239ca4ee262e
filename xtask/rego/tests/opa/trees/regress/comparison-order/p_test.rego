package p

test_left_undefined if count(left_undefined) == 0 with input.cfg as null

test_left_defined_errors if count(left_defined) == 0 with input.cfg as null

test_left_defined_ok if count(left_defined) == 0 with input.cfg as {}

test_not_equal if not not_equal_left_undefined

test_less_errors if less_left_defined

test_object_left if object_left
