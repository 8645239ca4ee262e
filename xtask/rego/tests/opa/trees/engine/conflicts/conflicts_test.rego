package conflicts_test

import data.conflicts

test_complete_rules if conflicts.r == 1 with input.two as true

test_complete_rules_agreeing if conflicts.r == 1 with input.two as false

test_object_key if conflicts.o.a == 1 with input.two as true

test_ref_head if conflicts.a.b.c == 1 with input.two as true

test_function if conflicts.f(true) == 1

test_function_agreeing if conflicts.f(false) == 1

test_same_value if conflicts.same == 1
