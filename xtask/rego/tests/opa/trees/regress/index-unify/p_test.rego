package p

test_service if is_service with input as {"kind": "Service"}

test_not_service if not is_service with input as {"kind": "Pod"}

test_name if name == "a" with input as {"kind": "Deployment", "metadata": {"name": "a"}}

test_no_name if not name with input as {"kind": "Pod", "metadata": {"name": "a"}}
