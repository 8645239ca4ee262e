package id_test

import data.id

test_braces if id.parsed("{00000000-0000-4000-8000-000000000000}") == {"variant": "RFC4122", "version": 4}
test_parentheses if id.parsed("(00000000-0000-4000-8000-000000000000)").version == 4
test_any_outer_bytes if id.parsed("<6bea8ef2-d3d3-3cd1-84e0-9bab06a52ece>").version == 3
test_short_middle_undefined if not id.parsed("(00000000-0000-4000-8000-00000000000)")
test_no_dash_in_middle_undefined if not id.parsed("(00000000-0000-4000-8000x000000000000)")
test_wrong_on_purpose if id.parsed("(00000000-0000-4000-8000-000000000000)").version == 3
