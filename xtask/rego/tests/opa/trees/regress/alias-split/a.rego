package lib

is_admin(u) if u.role == "admin"
