package lib

# A `with` value that evaluates rules (through a function, an alias, `data.`) which the
# mocked rules read as well: the value is evaluated outside the `with`, and the rules it
# evaluated are still defined under it.

kind := "K"

kinds := {kind, "other"}

matching := [a | some a in input.atts; a.kind in kinds]

summary := [{"vulnerabilities": v} | some a in matching; v := object.get(a, "vulns", {})]

fixture := [{"kind": kind}]
