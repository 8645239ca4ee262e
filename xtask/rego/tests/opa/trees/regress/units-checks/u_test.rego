package u_test

import data.u

test_bytes if u.bytes("1.5KiB") == 1536
test_amount if u.amount("250m") == 0.25
test_no_amount_errors_on_purpose if u.bytes("GiB")
test_exponent_too_large_errors_on_purpose if u.bytes("10e10000000EiB")
test_amount_exponent_too_large_errors_on_purpose if u.amount("1e1234567")
test_unknown_unit_errors_on_purpose if u.amount("10kb")
test_spaces_error_on_purpose if u.bytes("1 KB")
