package perms_test

import data.perms

test_ops if "page" in perms.grants.ops.actions with input.roles as {"ops": ["read"]}
