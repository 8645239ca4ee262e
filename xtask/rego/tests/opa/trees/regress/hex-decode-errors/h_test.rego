package h_test

import data.h

test_decode if h.text("6162") == "ab"
test_invalid_byte_errors_on_purpose if h.text("6g")
test_odd_length_errors_on_purpose if h.text("616")
