package p

import rego.v1

# METADATA
# title: [unclosed
y := 1
