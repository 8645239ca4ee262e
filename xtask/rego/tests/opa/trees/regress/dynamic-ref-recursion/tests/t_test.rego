package tests

test_denied if data.templates.b.check("a") == 1

test_allowed if count(data.lib.test_utils.violations("a", {"x": 2})) == 0

test_wrong if count(data.lib.test_utils.violations("a", {"x": 2})) == 1
