# Which build files a change touches: functions whose arguments OPA's rule index compares with
# constants, so a call with another value never enters their bodies.
package review

import rego.v1

is_build_file(path) if path == "Dockerfile"

is_build_file(path) if {
	path == "Makefile"
	not startswith(path, ".")
}

is_build_file(path) if endswith(path, ".mk")

language(ext) := "go" if ext == "go"

language(ext) := "rust" if {
	ext == "rs"
	true
}

language(ext) := "other" if {
	not ext in {"go", "rs"}
}

build_files contains path if {
	some change in input.changes
	path := change.path
	is_build_file(path)
}
