package p
test_f if { f(1) }
test_g if { g(1) == 1; g(-1) == 2 }
test_c_same if { c == 1 with input as {"a": 1, "b": 1} }
test_c_conflict if { c with input as {"a": 1, "b": 2} }
test_c_one if { c == 2 with input as {"b": 2} }
test_deny if { deny == {"a", "b"} with input as {"a": 1, "b": 1} }
test_q if { q with input as {"b": 1} }
test_q_none if { not q with input as {"c": 1} }
test_h_same if { h(2) == 1 }
test_bare_head if { valid_name("test.rego"); valid_name("x_test.rego"); not valid_name("x.rego") }
test_bare_pair if [pair("a", 1), pair("b", 2)] == [true, 3]
