package p

import data.lib

f(x) := x + 1

ok if {
	concat(",", ["a", "b"], s)
	s == "a,b"
	f(1, two)
	two == 2
	walk({"a": 1}, [path, value])
	path == ["a"]
	value == 1
	lib.yes(1)
	split("a.b", ".", parts)
	count(parts) == 2
}
