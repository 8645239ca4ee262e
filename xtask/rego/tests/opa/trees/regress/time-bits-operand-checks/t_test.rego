package t_test

import data.t

test_date if t.day(0) == [1970, 1, 1]
test_date_too_big_errors_on_purpose if t.day(1e30)
test_fraction_errors_on_purpose if t.day(1.5)
test_shift if t.shifted(1, 3) == 8
test_negative_shift_errors_on_purpose if t.shifted(1, -1)
