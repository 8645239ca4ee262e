package p

# A template has one value: a wildcard in its expression is refused (a comprehension inside it
# may bind its own).
xs := [1, 2]

listed := $"{[x | x := xs[_]]}"

first := $"{xs[_]}"

test_listed if listed == "[1, 2]"
