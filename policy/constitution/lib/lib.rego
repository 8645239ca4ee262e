# Helpers shared by every package of the constitution.
package lib

import rego.v1

# The path split into its segments.
segments(path) := split(path, "/")

# A path that could leave the repository: `..` segments, absolute paths, backslashes.
has_traversal(path) if {
	some seg in segments(path)
	seg == ".."
}

has_traversal(path) if startswith(path, "/")

has_traversal(path) if contains(path, "\\")

# The path starts with one of the prefixes.
under_any(path, prefixes) if {
	some prefix in prefixes
	startswith(path, prefix)
}

is_yaml(path) if regex.match(`\.ya?ml$`, path)

# The one shape every package reports a finding in.
violation(id, message) := {"rule": id, "message": message}
