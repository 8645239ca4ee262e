# Helpers every rule file of the package uses.
package proposal

import rego.v1

violation(id, message) := {"rule": id, "message": message}

changes := object.get(object.get(input, "proposal", {}), "changes", [])

default tier := "standard"

tier := input.proposal.tier

paths := [c.path | some c in changes]
