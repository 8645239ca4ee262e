package u

parts(s) := uri.parse(s)

valid(s) := uri.is_valid(s)
