package c

# Two values for one key of an object made by a rule or a comprehension: OPA's
# `eval_conflict_error: object keys must be unique`.
owners[team] := name if {
	some name, team in input.people
}

by_team := {team: name | some name, team in input.people}

limits.web := 1

limits[team] := 2 if some team in input.teams
