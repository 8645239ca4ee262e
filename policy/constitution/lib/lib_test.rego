package lib_test

import data.lib
import rego.v1

test_segments if lib.segments("apps/web/x.yaml") == ["apps", "web", "x.yaml"]

test_traversal_dotdot if lib.has_traversal("apps/../etc/passwd")

test_traversal_absolute if lib.has_traversal("/etc/passwd")

test_traversal_backslash if lib.has_traversal("apps\\..\\x")

test_no_traversal_for_dots_in_names if not lib.has_traversal("apps/..hidden/a..b.yaml")

test_under_any if lib.under_any("apps/web/x.yaml", ["charts/", "apps/"])

test_not_under_any if not lib.under_any("src/main.rs", ["charts/", "apps/"])

test_is_yaml if {
	lib.is_yaml("a/b.yaml")
	lib.is_yaml("a/b.yml")
	not lib.is_yaml("a/b.yaml.txt")
}

test_violation_shape if lib.violation("x.y", "m") == {"rule": "x.y", "message": "m"}
