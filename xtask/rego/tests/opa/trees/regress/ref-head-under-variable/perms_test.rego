package perms_test

import data.perms

roles := {"admin": ["read", "write"], "viewer": ["read"], "ops": ["read"]}

test_named_and_generic if perms.grants.admin.actions == {"read", "write", "audit"} with input.roles as roles
test_in_a_rule if perms.admin_actions == {"read", "write", "audit"} with input.roles as roles
test_one_level_up if perms.grants.viewer == {"actions": {"read", "export"}} with input as {"roles": roles, "exports": true}
test_string_index if perms.grants.ops.actions == {"read", "page"} with input as {"roles": roles, "oncall": true}
test_only_named_fails_on_purpose if perms.grants.admin.actions == {"audit"} with input.roles as roles
test_complete if perms.limits == {"infra": 50, "web": 10} with input.teams as ["web"]
test_complete_named if perms.limits.web == 10 with input.teams as ["web"]
