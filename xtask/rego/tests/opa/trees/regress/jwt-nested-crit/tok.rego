package tok

key := {"kty": "oct", "k": "c2VjcmV0"}

inner := io.jwt.encode_sign({"alg": "HS256", "typ": "JWT"}, {"iss": "opa"}, key)

nesting := json.marshal({"alg": "HS256", "typ": "JOSE", "cty": "JWT"})

# A token whose payload is a token: as is (verified), and quoted as jwt.io writes it (decoded).
nested := io.jwt.encode_sign_raw(nesting, inner, json.marshal(key))

nested_quoted := io.jwt.encode_sign_raw(nesting, json.marshal(inner), json.marshal(key))

# A critical header parameter OPA does not know makes the token invalid.
crit := io.jwt.encode_sign({"alg": "HS256", "crit": ["junk"], "junk": 1}, {"iss": "opa"}, key)

bad_exp := io.jwt.encode_sign({"alg": "HS256"}, {"exp": "soon"}, key)
