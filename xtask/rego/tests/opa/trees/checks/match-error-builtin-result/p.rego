package p

# count is a number; OPA writes == as = and its type check refuses number = string.
n if count(input.xs) == "many"
