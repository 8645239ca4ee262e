package p

n if equal(upper(input.s), 1)
