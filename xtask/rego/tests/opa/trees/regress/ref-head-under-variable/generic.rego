package perms

# A document reached through a variable ...
grants[role].actions contains action if {
	some role, actions in input.roles
	some action in actions
}

limits[team] := 10 if some team in input.teams
