package p

# A default value's template may hold no reference (OPA's parser refuses it).
default label := $"user-{input.user}"
