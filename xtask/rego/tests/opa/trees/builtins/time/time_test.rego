package time_test

import rego.v1

test_go_durations if {
	time.parse_duration_ns("1h30m") == 5400000000000
	time.parse_duration_ns("1.5s") == 1500000000
	time.parse_duration_ns("-3us") == -3000
	time.parse_duration_ns("1µs") == 1000
	time.parse_duration_ns("0") == 0
	time.parse_duration_ns("2562047h") == 9223369200000000000
}

test_opa_units if {
	time.parse_duration_ns("1d") == 86400000000000
	time.parse_duration_ns("1w") == 604800000000000
	time.parse_duration_ns("1d2h") == 93600000000000
	time.parse_duration_ns("1.5d") == 129600000000000
	time.parse_duration_ns("1y") == 31536000000000000
}

test_empty_is_an_error if time.parse_duration_ns("")

test_bad_unit_is_an_error if time.parse_duration_ns("1h-2m")

test_overflow_is_an_error if time.parse_duration_ns("2562048h")
