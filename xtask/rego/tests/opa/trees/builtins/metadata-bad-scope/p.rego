# METADATA
# scope: rule
package p

import rego.v1

# METADATA
# scope: subpackages
y := 1
