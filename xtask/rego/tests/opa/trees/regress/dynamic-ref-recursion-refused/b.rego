package templates.b

# `data.templates[_].deny` includes this package's own `deny`, which reads `r`: recursive.
r := count(data.templates[_].deny)

deny contains "b" if r > 5
