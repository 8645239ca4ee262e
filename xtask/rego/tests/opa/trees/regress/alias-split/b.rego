package lib

names contains n if {
	some u in input.users
	n := u.name
}
