package p

n if not sum([1, 2]) = "3"
