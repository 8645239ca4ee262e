package jwt_test

import rego.v1

f := data.fixtures

t := f.tokens

test_decode_hs256 if {
	[h, p, sig] := io.jwt.decode(t.HS256)
	h == {"alg": "HS256", "typ": "JWT"}
	p == f.claims
	count(sig) == 64
}

test_decode_nested_cty_jwt if {
	[h, p, _] := io.jwt.decode(t.nested)
	h.alg == "HS256"
	p.sub == "alice"
}

test_decode_es512 if {
	[h, _, sig] := io.jwt.decode(t.ES512)
	h.alg == "ES512"
	count(sig) == 264
}

test_decode_garbage_errors if io.jwt.decode("not-a-jwt")

test_decode_bad_base64_errors if io.jwt.decode("a.b.c")

test_verify_hs if {
	io.jwt.verify_hs256(t.HS256, f.secret)
	io.jwt.verify_hs384(t.HS384, f.secret)
	io.jwt.verify_hs512(t.HS512, f.secret)
}

test_verify_hs_wrong_secret if not io.jwt.verify_hs256(t.HS256, "nope")

test_verify_hs_tampered if not io.jwt.verify_hs256(t.tampered, f.secret)

test_verify_hs_wrong_size if not io.jwt.verify_hs384(t.HS256, f.secret)

test_verify_rs_pem if {
	io.jwt.verify_rs256(t.RS256, f.rsa_pub)
	io.jwt.verify_rs384(t.RS384, f.rsa_pub)
	io.jwt.verify_rs512(t.RS512, f.rsa_pub)
}

test_verify_rs_cert if io.jwt.verify_rs256(t.RS256, f.rsa_cert)

test_verify_rs_jwk if {
	io.jwt.verify_rs256(t.RS256, f.rsa_jwk)
	io.jwt.verify_rs256(t.RS256, f.rsa_jwks)
}

test_verify_rs_other_key if not io.jwt.verify_rs256(t.RS256, f.other_rsa_pub)

test_verify_rs_wrong_alg if not io.jwt.verify_rs256(t.RS384, f.rsa_pub)

test_verify_ps if {
	io.jwt.verify_ps256(t.PS256, f.rsa_pub)
	io.jwt.verify_ps384(t.PS384, f.rsa_cert)
	io.jwt.verify_ps512(t.PS512, f.rsa_pub)
}

test_verify_ps_not_rs if not io.jwt.verify_rs256(t.PS256, f.rsa_pub)

test_verify_es if {
	io.jwt.verify_es256(t.ES256, f.ec256_pub)
	io.jwt.verify_es256(t.ES256, f.ec256_cert)
	io.jwt.verify_es256(t.ES256, f.ec256_jwk)
	io.jwt.verify_es384(t.ES384, f.ec384_pub)
	io.jwt.verify_es512(t.ES512, f.ec512_cert)
}

test_verify_es_wrong_curve if not io.jwt.verify_es256(t.ES256, f.ec384_pub)

test_verify_bad_key_errors if io.jwt.verify_rs256(t.RS256, "not a key")

test_decode_verify_hs if {
	[valid, h, p] := io.jwt.decode_verify(t.HS256, {"secret": f.secret, "iss": "xtask", "aud": "cluster"})
	valid
	h.alg == "HS256"
	p.sub == "alice"
}

test_decode_verify_rs_cert if {
	[valid, _, _] := io.jwt.decode_verify(t.RS256, {"cert": f.rsa_cert, "aud": "cluster", "alg": "RS256"})
	valid
}

test_decode_verify_es if {
	[valid, _, _] := io.jwt.decode_verify(t.ES384, {"cert": f.ec384_pub, "aud": "cluster"})
	valid
}

test_decode_verify_wrong_alg if {
	io.jwt.decode_verify(t.RS256, {"cert": f.rsa_cert, "aud": "cluster", "alg": "RS512"}) == [false, {}, {}]
}

test_decode_verify_wrong_secret if {
	io.jwt.decode_verify(t.HS256, {"secret": "x", "aud": "cluster"}) == [false, {}, {}]
}

test_decode_verify_expired if {
	io.jwt.decode_verify(t.expired, {"secret": f.secret, "aud": "cluster"}) == [false, {}, {}]
}

test_decode_verify_time_constraint if {
	c := {"secret": f.secret, "aud": "cluster"}
	[before, _, _] := io.jwt.decode_verify(t.HS256, object.union(c, {"time": 1500000000000000000}))
	[during, _, _] := io.jwt.decode_verify(t.HS256, object.union(c, {"time": 1700000000000000000}))
	[after, _, _] := io.jwt.decode_verify(t.HS256, object.union(c, {"time": 4102444800000000000}))
	[before, during, after] == [false, true, false]
}

test_decode_verify_not_yet if {
	io.jwt.decode_verify(t.not_yet, {"secret": f.secret, "aud": "cluster"}) == [false, {}, {}]
}

test_decode_verify_wrong_iss if {
	io.jwt.decode_verify(t.HS256, {"secret": f.secret, "aud": "cluster", "iss": "other"}) == [false, {}, {}]
}

test_decode_verify_aud_missing_from_constraints if {
	io.jwt.decode_verify(t.HS256, {"secret": f.secret}) == [false, {}, {}]
}

test_decode_verify_no_aud_anywhere if {
	[valid, _, _] := io.jwt.decode_verify(t.no_aud, {"secret": f.secret})
	valid
}

test_decode_verify_aud_list if {
	[valid, _, _] := io.jwt.decode_verify(t.aud_list, {"secret": f.secret, "aud": "cluster"})
	valid
}

test_decode_verify_float_exp if {
	[valid, _, _] := io.jwt.decode_verify(t.float_exp, {"secret": f.secret})
	valid
}

test_decode_verify_unknown_constraint_errors if io.jwt.decode_verify(t.HS256, {"secret": f.secret, "bogus": 1})

test_decode_verify_both_keys_errors if io.jwt.decode_verify(t.HS256, {"secret": f.secret, "cert": f.rsa_pub})

test_encode_sign_hs_roundtrip if {
	tok := io.jwt.encode_sign({"alg": "HS256", "typ": "JWT"}, {"sub": "bob", "n": 1}, f.oct_jwk)
	io.jwt.verify_hs256(tok, f.secret)
	[_, p, _] := io.jwt.decode(tok)
	p == {"sub": "bob", "n": 1}
}

test_encode_sign_raw_hs512 if {
	tok := io.jwt.encode_sign_raw(`{"alg":"HS512"}`, `{"a":"b"}`, json.marshal(f.oct_jwk))
	io.jwt.verify_hs512(tok, f.secret)
}

test_encode_sign_raw_exact if {
	tok := io.jwt.encode_sign_raw(`{"alg":"HS256","typ":"JWT"}`, `{"sub":"x"}`, json.marshal(f.oct_jwk))
	tok == "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ4In0.CkP4T5YpdUVQ7S37C-PttudJI6b0F4gRs_fybs0YEcg"
}

test_encode_sign_rs256 if {
	tok := io.jwt.encode_sign({"alg": "RS256"}, {"sub": "bob"}, f.rsa_private_jwk)
	io.jwt.verify_rs256(tok, f.rsa_pub)
}

test_encode_sign_exact if {
	tok := io.jwt.encode_sign({"typ": "JWT", "alg": "HS256"}, {"sub": "x", "a": [1]}, f.oct_jwk)
	tok == "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJhIjpbMV0sInN1YiI6IngifQ.pkR6117h9I00Sp8Z13g4Prgx7jQAbjFd7GGg7yVpO2A"
}

test_verify_eddsa if {
	io.jwt.verify_eddsa(t.EdDSA, f.ed_pub)
	io.jwt.verify_eddsa(t.EdDSA, f.ed_jwk)
	not io.jwt.verify_eddsa(t.EdDSA, f.rsa_pub)
	not io.jwt.verify_eddsa(t.ES256, f.ed_pub)
}

test_decode_verify_eddsa if {
	[valid, h, _] := io.jwt.decode_verify(t.EdDSA, {"cert": f.ed_pub, "aud": "cluster"})
	valid
	h.alg == "EdDSA"
}

test_encode_sign_eddsa_exact if {
	tok := io.jwt.encode_sign({"alg": "EdDSA"}, {"sub": "x"}, f.ed_private_jwk)
	io.jwt.verify_eddsa(tok, f.ed_pub)
	[_, p, _] := io.jwt.decode(tok)
	p == {"sub": "x"}
}

test_encode_sign_ps256 if {
	tok := io.jwt.encode_sign({"alg": "PS256"}, {"sub": "bob"}, f.rsa_private_jwk)
	io.jwt.verify_ps256(tok, f.rsa_pub)
	not io.jwt.verify_rs256(tok, f.rsa_pub)
}

test_encode_sign_es512 if {
	tok := io.jwt.encode_sign({"alg": "ES512"}, {"sub": "bob"}, f.ec512_private_jwk)
	io.jwt.verify_es512(tok, f.ec512_pub)
}
