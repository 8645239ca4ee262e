package p

# A `# METADATA` line inside a raw string is text, not an annotation (OPA reads comments only).
policy := `package q

# METADATA
# title: foo
# scope: nowhere
allow := true
`

# METADATA
# title: r
r := rego.metadata.rule().title
