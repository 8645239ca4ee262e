package proposal

import rego.v1

decision := {
	"allow": count(deny) == 0,
	"deny": deny,
	"size": label(count(changes)),
}
