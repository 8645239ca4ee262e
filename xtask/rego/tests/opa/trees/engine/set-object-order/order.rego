# OPA orders types null < boolean < number < string < array < object < set; regorus's own
# order puts sets before objects. Each rule shows that order in one place.
package order

mixed := {set(), {}, {1}, {"a": 1}}

less := {} < set()

less_eq := set() <= {}

nested := [[{}] < [set()], {"k": {}} < {"k": set()}, {set()} > {{}}]

compare_refs := [input.o < input.s, input.s >= input.o] if {
	true
}

sorted := sort([set(), {}, {1}, {"a": 1}])

sorted_set := sort(mixed)

smallest := min(mixed)

largest := max([set(), {}])

iterated := [x | some x in mixed]

iterated_literal := [x | some x in {set(), {}}]

marshalled := json.marshal({set(), {}})

printed := sprintf("%v", [{set(), {}}])

plain := sort([3, 1, 2])
