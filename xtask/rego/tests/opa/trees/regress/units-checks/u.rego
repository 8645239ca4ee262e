package u

bytes(s) := units.parse_bytes(s)

amount(s) := units.parse(s)
