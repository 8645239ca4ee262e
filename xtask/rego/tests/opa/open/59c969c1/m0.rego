package p

s2 contains json.marshal((2.5 - 12345678901234567890))
