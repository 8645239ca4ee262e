package templates.b

# A function under `data.templates` that reads `data.templates[name].deny`: not recursive in
# OPA, whose dependency graph narrows a ref by the names after its variable index.
check(name) := count(data.lib.test_utils.violations(name, {"x": 1}))
