package k_test

import data.k

# Neither PEM nor base64: an error in OPA (it was null here).
test_not_base64_errors_on_purpose if k.key("invalid")
test_base64_of_no_key if is_null(k.key(base64.encode("no key here")))
test_empty_errors_on_purpose if k.key("")
