package lib

yes(x) if x == 1
