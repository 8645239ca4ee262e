package q

s7 contains sprintf("%x", ["Hello"])
