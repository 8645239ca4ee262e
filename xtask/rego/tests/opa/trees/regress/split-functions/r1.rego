package r

# A rule defined here whose default, and a rule reading it, are in another file.

level := "high" if input.x == 1
