package paths_test

import data.paths
import rego.v1

proposal(tier, files) := {"proposal": {"tier": tier, "changes": [{"path": p, "content": ""} | some p in files]}}

rules(vs) := {v.rule | some v in vs}

test_allowed_paths_pass if {
	vs := paths.deny with input as proposal("standard", ["apps/web/deploy.yaml", "docs/readme.md"])
	count(vs) == 0
}

test_outside_allowed_folder_denied if {
	vs := paths.deny with input as proposal("standard", ["src/main.rs"])
	rules(vs) == {"paths.outside_allowed_folders"}
}

test_message_names_the_path if {
	vs := paths.deny with input as proposal("standard", ["src/main.rs"])
	some v in vs
	v.message == "src/main.rs is outside the allowed folders"
}

test_traversal_denied if {
	vs := paths.deny with input as proposal("standard", ["apps/../../etc/passwd"])
	"paths.no_traversal" in rules(vs)
}

test_absolute_path_denied if {
	vs := paths.deny with input as proposal("standard", ["/etc/shadow"])
	"paths.no_traversal" in rules(vs)
}

test_too_deep_denied if {
	vs := paths.deny with input as proposal("standard", ["apps/a/b/c/d/e/f/g/h.yaml"])
	rules(vs) == {"paths.max_depth"}
}

test_depth_at_limit_allowed if {
	vs := paths.deny with input as proposal("standard", ["apps/a/b/c/d/e/f/g.yaml"])
	count(vs) == 0
}

test_depth_limit_from_sibling_file if paths.max_depth == 8

test_too_deep_function if paths.too_deep("a/b/c", 2)

test_protected_needs_elevated if {
	vs := paths.deny with input as proposal("standard", ["policy/constitution/lib/lib.rego"])
	rules(vs) == {"paths.protected"}
}

test_protected_allowed_when_elevated if {
	vs := paths.deny with input as proposal("elevated", ["policy/constitution/lib/lib.rego"])
	count(vs) == 0
}

test_codeowners_protected if {
	vs := paths.deny with input as proposal("standard", [".github/CODEOWNERS"])
	"paths.protected" in rules(vs)
}

test_data_override if {
	vs := paths.deny with input as proposal("standard", ["src/main.rs"])
		with data.paths.config.allowed_prefixes as ["src/"]
	count(vs) == 0
}
