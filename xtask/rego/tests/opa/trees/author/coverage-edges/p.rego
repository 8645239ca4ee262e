# Shapes where coverage is easy to get wrong: heads of bodies that never hold, OPA's rule index,
# else chains, multi-line values and comprehensions, every, defaults.
package p

import rego.v1

never if {
	input.x
	input.y == 2
}

sometimes(a) if {
	a.x
	a.y == 2
}

indexed if {
	input.kind == "rare"
	input.x
}

default level := "low"

level := "high" if {
	input.x
	input.y > 10
}

grade(n) := "a" if {
	n > 90
} else := "b" if {
	n > 80
} else := "c"

names := [name |
	some item in input.items
	name := item.name
]

all_small if {
	every item in input.items {
		item.size < 10
	}
}

big := {
	"a": 1,
	"b": [
		2,
		3,
	],
}
