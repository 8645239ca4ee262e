package idx_test

import data.idx

inp := {"s": "x"}

test_ruled_out_by_the_index if {
	not idx.whole with input as inp
	not idx.nested with input as inp
	not idx.assigned with input as inp
	not idx.scalar with input as inp
	not idx.member with input as inp
	not idx.head with input as inp
	not idx.bodiless with input as inp
	not idx.base_data with input as inp
	not idx.negated with input as inp
	not idx.every_domain with input as inp
}

test_matches_is_evaluated if {
	idx.matches with input as inp
}

test_object_value_is_evaluated if {
	idx.object_value with input as inp
}

test_with_literal_is_evaluated if {
	idx.with_literal with input as inp
}
