package rules["walk-no-path_test"]

import data.rules["walk-no-path"] as rule

test_reported if rule.report == {"walk"} with input.walk as true

test_not_reported if rule.report == set() with input.walk as false

test_fails if rule.report == {"x"} with input.walk as true
