package c_test

import data.c

test_one_owner_each if c.owners == {"web": "ann", "db": "bob"} with input.people as {"ann": "web", "bob": "db"}
test_two_owners_conflict_on_purpose if c.owners with input.people as {"ann": "web", "bob": "web"}
test_comprehension_conflict_on_purpose if c.by_team with input.people as {"ann": "web", "bob": "web"}
test_named_and_variable_key_conflict_on_purpose if c.limits with input.teams as ["web"]
test_no_conflict if c.limits == {"web": 1, "db": 2} with input.teams as ["db"]
