# Shared fixtures of the proposal tests.
package proposal_test

import rego.v1

change(path, content) := {"path": path, "content": content}

prop(tier, cs) := {"proposal": {"tier": tier, "changes": cs}}

rules(vs) := {v.rule | some v in vs}
