package negops_test

test_forms_a if {
	data.negops_a == {"comp": [], "t25": set(), "t8": []} with input as {}
	data.negops_a == {"comp": [], "t25": set(), "t8": []} with input as {"xs": [1, 2]}
	data.negops_a == {"comp": [], "r": 5, "t1": true, "t10": true, "t15": true, "t17": true, "t18": true, "t19": true, "t2": true, "t20": true, "t23": true, "t25": {1}, "t26": true, "t28": true, "t30": true, "t33": true, "t34": true, "t35": true, "t4": true, "t6": true, "t7": true, "t8": [1, 2], "t9": true} with input as {"a": 1, "zz": 5}
}

test_forms_b if {
	data.negops_b == {"t12": false, "t13": 2, "t8": true} with input as {}
	data.negops_b == {"t12": false, "t13": 2, "t8": true} with input as {"xs": [1, 2]}
	data.negops_b == {"t1": true, "t11": true, "t12": true, "t13": 1, "t29": true, "t3": true, "t4": true, "t5": true, "t6": true, "t7": true, "t8": true} with input as {"a": 1, "zz": 5}
}

test_forms_c if {
	data.negops_c == {"a": {"c": {}}, "dr": 1, "s": set()} with input as {}
	data.negops_c == {"a": {"c": {"a": 1}}, "dr": 1, "s": {1, 2}} with input as {"xs": [1, 2], "ks": ["a"]}
	data.negops_c == {"a": {"b": 3, "c": {"a": 1}}, "dr": 3, "s": {1, 2}, "t1": true, "t2": true, "t6": true, "t8": true, "t9": true} with input as {"zz": 3, "xs": [1, 2], "ks": ["a"]}
}
