package top_test

import data.top

test_admins if top.admins == {"a"} with input as {"users": [{"name": "a", "role": "admin"}, {"name": "b"}]}
test_fails_on_purpose if top.admins == {"b"} with input as {"users": [{"name": "a", "role": "admin"}]}
test_errors_on_purpose if to_number("x") == 1
