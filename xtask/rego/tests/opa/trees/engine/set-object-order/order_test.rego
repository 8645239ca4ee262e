package order_test

import data.order

test_operators if {
	order.less == true
	order.less_eq == false
	order.nested == [true, true, true]
}

test_operators_on_references if {
	order.compare_refs == [true, true] with input as {"o": {"a": 1}, "s": {1}}
}

test_sort_min_max if {
	order.sorted == [{}, {"a": 1}, set(), {1}]
	order.sorted_set == [{}, {"a": 1}, set(), {1}]
	order.smallest == {}
	order.largest == set()
	order.plain == [1, 2, 3]
}

test_iteration if {
	order.iterated == [{}, {"a": 1}, set(), {1}]
	order.iterated_literal == [{}, set()]
}

test_rendering if {
	order.marshalled == "[{},[]]"
	order.printed == "{{}, set()}"
}
