package lib.test_utils

# A template chosen at run time: only its `deny` is read, not every rule beside it.
violations(name, asset) := v if {
	v := data.templates[name].deny with input as asset
}
