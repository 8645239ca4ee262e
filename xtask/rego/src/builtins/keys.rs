//! Private keys as Go holds them and `encoding/json` writes them (`*rsa.PrivateKey`,
//! `*ecdsa.PrivateKey`, `ed25519.PrivateKey`): what `crypto.parse_private_keys` and
//! `crypto.x509.parse_keypair` return.

use std::collections::BTreeMap;

use anyhow::{anyhow, bail, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use regorus::Value;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::BigUint;

/// A parsed private key and the SubjectPublicKeyInfo-level public key bytes it matches.
pub struct PrivateKey {
    pub value: Value,
    /// The public key, to compare with a certificate's: RSA modulus, EC point, Ed25519 bytes.
    pub public: Vec<u8>,
}

fn obj(fields: Vec<(&str, Value)>) -> Value {
    Value::from(
        fields
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn big(n: &BigUint) -> Value {
    Value::from_numeric_string(&n.to_string()).unwrap_or(Value::Null)
}

fn big_bytes(b: &[u8]) -> Value {
    big(&BigUint::from_bytes_be(b))
}

fn rsa_value(k: &rsa::RsaPrivateKey) -> Result<PrivateKey> {
    let primes = k.primes();
    let [p, q] = primes else {
        bail!("x509: multi-prime RSA keys are not supported");
    };
    let one = BigUint::from(1u8);
    let dp = k.d() % (p - &one);
    let dq = k.d() % (q - &one);
    let qinv = q.modpow(&(p - BigUint::from(2u8)), p);
    let e = k.e().to_string().parse::<i64>().unwrap_or(0);
    Ok(PrivateKey {
        value: obj(vec![
            ("N", big(k.n())),
            ("E", Value::from(e)),
            ("D", big(k.d())),
            ("Primes", Value::from(vec![big(p), big(q)])),
            (
                "Precomputed",
                obj(vec![
                    ("Dp", big(&dp)),
                    ("Dq", big(&dq)),
                    ("Qinv", big(&qinv)),
                    ("CRTValues", Value::new_array()),
                ]),
            ),
        ]),
        public: k.n().to_bytes_be(),
    })
}

fn ec_value(point: &[u8], d: &[u8]) -> PrivateKey {
    let xy = &point[1..];
    let (x, y) = xy.split_at(xy.len() / 2);
    PrivateKey {
        value: obj(vec![
            ("Curve", Value::new_object()),
            ("X", big_bytes(x)),
            ("Y", big_bytes(y)),
            ("D", big_bytes(d)),
        ]),
        public: point.to_vec(),
    }
}

fn ec_sec1(der: &[u8]) -> Option<PrivateKey> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    if let Ok(k) = p256::SecretKey::from_sec1_der(der) {
        return Some(ec_value(
            k.public_key().to_encoded_point(false).as_bytes(),
            &k.to_bytes(),
        ));
    }
    if let Ok(k) = p384::SecretKey::from_sec1_der(der) {
        return Some(ec_value(
            k.public_key().to_encoded_point(false).as_bytes(),
            &k.to_bytes(),
        ));
    }
    if let Ok(k) = p521::SecretKey::from_sec1_der(der) {
        return Some(ec_value(
            k.public_key().to_encoded_point(false).as_bytes(),
            &k.to_bytes(),
        ));
    }
    None
}

/// `x509.ParsePKCS1PrivateKey`.
pub fn pkcs1(der: &[u8]) -> Result<PrivateKey> {
    use rsa::pkcs1::DecodeRsaPrivateKey;
    let k = rsa::RsaPrivateKey::from_pkcs1_der(der)
        .map_err(|_| anyhow!("x509: failed to parse private key (use ParsePKCS8PrivateKey instead for this key format)"))?;
    rsa_value(&k)
}

/// `x509.ParseECPrivateKey`.
pub fn sec1(der: &[u8]) -> Result<PrivateKey> {
    ec_sec1(der).ok_or_else(|| anyhow!("x509: failed to parse EC private key"))
}

/// `x509.ParsePKCS8PrivateKey` (RSA, ECDSA on P-256/384/521, Ed25519, X25519).
pub fn pkcs8(der: &[u8]) -> Result<PrivateKey> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    use p256::pkcs8::DecodePrivateKey;
    if let Ok(k) = rsa::RsaPrivateKey::from_pkcs8_der(der) {
        return rsa_value(&k);
    }
    if let Ok(k) = p256::SecretKey::from_pkcs8_der(der) {
        return Ok(ec_value(
            k.public_key().to_encoded_point(false).as_bytes(),
            &k.to_bytes(),
        ));
    }
    if let Ok(k) = p384::SecretKey::from_pkcs8_der(der) {
        return Ok(ec_value(
            k.public_key().to_encoded_point(false).as_bytes(),
            &k.to_bytes(),
        ));
    }
    if let Ok(k) = p521::SecretKey::from_pkcs8_der(der) {
        return Ok(ec_value(
            k.public_key().to_encoded_point(false).as_bytes(),
            &k.to_bytes(),
        ));
    }
    // X25519 (Go's `*ecdh.PrivateKey`, only unexported fields): `{}`.
    if pkcs8_seed(der, &[0x2b, 0x65, 0x6e]).is_some() {
        return Ok(PrivateKey {
            value: Value::new_object(),
            public: Vec::new(),
        });
    }
    if let Some(seed) = pkcs8_seed(der, &[0x2b, 0x65, 0x70]) {
        let sk = ed25519_dalek::SigningKey::from_bytes(&seed);
        let public = sk.verifying_key().to_bytes();
        let mut full = seed.to_vec();
        full.extend_from_slice(&public);
        return Ok(PrivateKey {
            value: Value::from(STANDARD.encode(full)),
            public: public.to_vec(),
        });
    }
    bail!("x509: failed to parse private key")
}

/// The 32-byte private key of an RFC 8410 PKCS#8 key (Ed25519, X25519) whose algorithm OID
/// has this content: an OCTET STRING inside the key OCTET STRING.
fn pkcs8_seed(der: &[u8], oid: &[u8]) -> Option<[u8; 32]> {
    use super::der::{Der, INTEGER, OCTET_STRING, OID, SEQUENCE};
    let mut d = Der(Der(der).read(SEQUENCE)?.body);
    d.read(INTEGER)?;
    let alg = Der(d.read(SEQUENCE)?.body).read(OID)?;
    if alg.body != oid {
        return None;
    }
    let inner = d.read(OCTET_STRING)?;
    let seed = Der(inner.body).read(OCTET_STRING)?;
    seed.body.try_into().ok()
}
