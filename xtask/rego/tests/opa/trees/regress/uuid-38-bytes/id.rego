package id

parsed(s) := uuid.parse(s)
