# Calls on which the engine used to panic (exit 101 and a backtrace for the whole run). Each now
# answers as OPA does, or is a one-line builtin error where OPA also errors.
package panics_test

test_count_empty_needle if strings.count("abc", "") == 4

test_count_empty_both if strings.count("", "") == 1

test_subset_empty_array if object.subset([1, 2], [])

test_subset_nested_empty_array if object.subset({"a": [1]}, {"a": []})

# A number past float64's range used to panic when the report printed it.
test_huge_shift if bits.lsh(1, 100000) > 0

test_huge_units if units.parse("1e400") > 0

test_count_after_panic_siblings_still_run if count([1, 2]) == 2
