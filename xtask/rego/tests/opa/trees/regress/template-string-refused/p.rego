package p

# What OPA's parser refuses inside a template string's expression.

ok := $"{1 + 1}"

bad := $"{x := 1}"
