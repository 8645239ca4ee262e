package tok_test

import data.tok

test_decode_nested_quoted if io.jwt.decode(tok.nested_quoted)[1] == {"iss": "opa"}
test_verify_nested if io.jwt.decode_verify(tok.nested, {"secret": "secret"}) == [true, {"alg": "HS256", "typ": "JWT"}, {"iss": "opa"}]
test_verify_nested_wrong_secret if io.jwt.decode_verify(tok.nested, {"secret": "other"}) == [false, {}, {}]
test_crit_unknown_is_invalid if io.jwt.decode_verify(tok.crit, {"secret": "secret"}) == [false, {}, {}]
test_exp_not_a_number_errors_on_purpose if io.jwt.decode_verify(tok.bad_exp, {"secret": "secret"})
test_payload_not_json_errors_on_purpose if io.jwt.encode_sign_raw(`{"alg":"HS256"}`, "not json", json.marshal(tok.key))
test_payload_not_json_other_type if io.jwt.encode_sign_raw(`{"alg":"HS256","typ":"text"}`, "not json", json.marshal(tok.key))
test_unknown_alg_errors_on_purpose if io.jwt.encode_sign_raw(`{"alg":"dummy"}`, "{}", json.marshal(tok.key))
test_two_sections_errors_on_purpose if io.jwt.decode("a.b")
