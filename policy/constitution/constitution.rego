# The decision: a proposal is allowed when no package of the constitution denies it.
package constitution

import data.ci
import data.paths
import data.workloads
import rego.v1

violations := (paths.deny | ci.deny) | workloads.deny

default allow := false

allow if count(violations) == 0

decision := {"allow": allow, "violations": violations}
