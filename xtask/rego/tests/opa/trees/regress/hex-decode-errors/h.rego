package h

text(s) := hex.decode(s)
