# METADATA
# title: The package
# authors:
# - Jane Doe <jane@example.com>
# - name: Bob
#   email: bob@x.org
# related_resources:
# - https://example.com
# - ref: https://example.org/doc
#   description: docs
# custom:
#   severity: high
#   list: [1, 2]
package org.p

import rego.v1

# METADATA
# title: Allow rule
# description: |
#   Multi
#   line
# entrypoint: true
allow if {
	rego.metadata.rule().title == "Allow rule"
}

# METADATA
# scope: document
# title: Deny doc
deny contains "x" if true

# METADATA
# title: deny rule 2
deny contains "y" if true

r := rego.metadata.rule()
c := rego.metadata.chain()
d := [rego.metadata.rule(), rego.metadata.chain()] if true

# METADATA
# title: two
# schemas:
# - input: {"type": "object"}
t := [rego.metadata.rule(), rego.metadata.chain()]

# METADATA
# title: f
f(x) := [x, rego.metadata.rule()]

g := f(1)

al := rego.metadata.rule() if allow2

# METADATA
# title: Allow rule
# description: |
#   Multi
#   line
# entrypoint: true
allow2 := [rego.metadata.rule(), rego.metadata.chain()]

# METADATA
# scope: document
# title: Deny2 doc
deny2 contains x if { x := [rego.metadata.rule(), rego.metadata.chain()] }

# METADATA
# title: deny2 rule
deny2 contains x if { x := [rego.metadata.rule(), rego.metadata.chain()] }

# METADATA
# title: h
# scope: rule
h.i.j := rego.metadata.chain()
