package top

import data.lib

admins contains u.name if {
	some u in input.users
	lib.is_admin(u)
}
