#!/usr/bin/env python3
"""Dev-time generator of the JWT test fixtures (xtask/rego/tests/opa/trees/builtins/jwt/data.json): keys,
certificates and tokens made with Python's `cryptography`. Run once; the output is committed.

    target/opa-venv/bin/python xtask/rego/tests/opa/gen_jwt_fixtures.py
"""

import base64
import datetime
import hashlib
import hmac
import json
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa, utils
from cryptography.x509.oid import NameOID

OUT = os.path.join(os.path.dirname(__file__), "trees/builtins/jwt/data.json")
X509_OUT = os.path.join(os.path.dirname(__file__), "trees/builtins/x509/data.json")


def b64(b):
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


def uint(n, size=None):
    size = size or (n.bit_length() + 7) // 8
    return n.to_bytes(size, "big")


def segment(obj):
    return b64(json.dumps(obj, separators=(",", ":"), sort_keys=True).encode())


HASH = {"256": hashes.SHA256(), "384": hashes.SHA384(), "512": hashes.SHA512()}


def sign(alg, key, msg):
    bits = alg[2:]
    if alg.startswith("HS"):
        return hmac.new(key, msg, getattr(hashlib, "sha" + bits)).digest()
    if alg.startswith("RS"):
        return key.sign(msg, padding.PKCS1v15(), HASH[bits])
    if alg == "EdDSA":
        return key.sign(msg)
    if alg.startswith("PS"):
        return key.sign(msg, padding.PSS(padding.MGF1(HASH[bits]), padding.PSS.DIGEST_LENGTH), HASH[bits])
    r, s = utils.decode_dss_signature(key.sign(msg, ec.ECDSA(HASH[bits])))
    size = (key.curve.key_size + 7) // 8
    return uint(r, size) + uint(s, size)


def token(alg, key, claims, header=None):
    h = {"alg": alg, "typ": "JWT", **(header or {})}
    signed = segment(h) + "." + segment(claims)
    return signed + "." + b64(sign(alg, key, signed.encode()))


def cert_pem(key):
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "jwt test")])
    now = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)
    c = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=36500))
        .sign(key, hashes.SHA256())
    )
    return c.public_bytes(serialization.Encoding.PEM).decode()


def pub_pem(key):
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def main():
    claims = {"iss": "xtask", "aud": "cluster", "sub": "alice", "exp": 4102444800, "nbf": 1600000000}
    secret = b"s3cret-key"
    out = {"secret": secret.decode(), "claims": claims, "tokens": {}}
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_keys = {"256": ec.generate_private_key(ec.SECP256R1()), "384": ec.generate_private_key(ec.SECP384R1()),
               "512": ec.generate_private_key(ec.SECP521R1())}
    for bits in ("256", "384", "512"):
        out["tokens"]["HS" + bits] = token("HS" + bits, secret, claims)
        out["tokens"]["RS" + bits] = token("RS" + bits, rsa_key, claims)
        out["tokens"]["PS" + bits] = token("PS" + bits, rsa_key, claims)
        out["tokens"]["ES" + bits] = token("ES" + bits, ec_keys[bits], claims)
        out["ec" + bits + "_pub"] = pub_pem(ec_keys[bits])
        out["ec" + bits + "_cert"] = cert_pem(ec_keys[bits])
    ed = ed25519.Ed25519PrivateKey.generate()
    out["tokens"]["EdDSA"] = token("EdDSA", ed, claims)
    out["ed_pub"] = pub_pem(ed)
    raw = ed.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    out["ed_jwk"] = json.dumps({"kty": "OKP", "crv": "Ed25519", "x": b64(raw)})
    d = ed.private_bytes(serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption())
    out["ed_private_jwk"] = {"kty": "OKP", "crv": "Ed25519", "x": b64(raw), "d": b64(d)}
    out["rsa_pub"] = pub_pem(rsa_key)
    out["rsa_cert"] = cert_pem(rsa_key)
    out["other_rsa_pub"] = pub_pem(other_rsa)
    n = rsa_key.public_key().public_numbers()
    out["rsa_jwk"] = json.dumps({"kty": "RSA", "n": b64(uint(n.n)), "e": b64(uint(n.e))})
    out["rsa_jwks"] = json.dumps({"keys": [json.loads(out["rsa_jwk"])]})
    p = rsa_key.private_numbers()
    out["rsa_private_jwk"] = {"kty": "RSA", "n": b64(uint(n.n)), "e": b64(uint(n.e)), "d": b64(uint(p.d)),
                              "p": b64(uint(p.p)), "q": b64(uint(p.q))}
    e256 = ec_keys["256"].public_key().public_numbers()
    out["ec256_jwk"] = json.dumps({"kty": "EC", "crv": "P-256", "x": b64(uint(e256.x, 32)), "y": b64(uint(e256.y, 32))})
    out["oct_jwk"] = {"kty": "oct", "k": b64(secret)}
    e512 = ec_keys["512"].private_numbers()
    out["ec512_private_jwk"] = {"kty": "EC", "crv": "P-521", "x": b64(uint(e512.public_numbers.x, 66)),
                                "y": b64(uint(e512.public_numbers.y, 66)), "d": b64(uint(e512.private_value, 66))}
    out["tokens"]["expired"] = token("HS256", secret, {**claims, "exp": 1600000000})
    out["tokens"]["not_yet"] = token("HS256", secret, {**claims, "nbf": 4102444800})
    out["tokens"]["no_aud"] = token("HS256", secret, {"iss": "xtask"})
    out["tokens"]["aud_list"] = token("HS256", secret, {"aud": ["a", "cluster"]})
    out["tokens"]["float_exp"] = token("HS256", secret, {"exp": 4102444800.5})
    inner = out["tokens"]["HS256"]
    outer = segment({"alg": "HS256", "cty": "JWT"}) + "." + b64(inner.encode())
    out["tokens"]["nested"] = outer + "." + b64(sign("HS256", secret, outer.encode()))
    t = out["tokens"]["HS256"]
    i = t.rindex(".") + 1
    out["tokens"]["tampered"] = t[:i] + ("A" if t[i] != "A" else "B") + t[i + 1:]
    def priv(key, fmt):
        return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()

    small = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    keys = {
        "rsa_pkcs1": priv(small, serialization.PrivateFormat.TraditionalOpenSSL),
        "rsa_pkcs8": priv(small, serialization.PrivateFormat.PKCS8),
        "ec256_sec1": priv(ec_keys["256"], serialization.PrivateFormat.TraditionalOpenSSL),
        "ec384_pkcs8": priv(ec_keys["384"], serialization.PrivateFormat.PKCS8),
        "ec521_sec1": priv(ec_keys["512"], serialization.PrivateFormat.TraditionalOpenSSL),
    }
    keys["rsa_pkcs1_b64"] = base64.b64encode(keys["rsa_pkcs1"].encode()).decode()
    with open(X509_OUT, "w", encoding="utf-8") as f:
        json.dump({"keys": keys}, f, indent=1, sort_keys=True)
        f.write("\n")
    with open(OUT, "w", encoding="utf-8") as f:
        json.dump({"fixtures": out}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
