package p_test

# A builtin of no arguments as the replacement of a `with`.

runtime := opa.runtime()

test_builtin_by_itself if is_object(runtime) with opa.runtime as opa.runtime

test_another_builtin if is_object(time.now_ns()) with time.now_ns as opa.runtime

test_replaced_by_a_value if runtime == {"env": {}} with opa.runtime as {"env": {}}
