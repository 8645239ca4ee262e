//! `crypto.x509.parse_rsa_private_key`: a PEM private key (PKCS#1, PKCS#8 or SEC1; PEM text or
//! its base64) as the JWK OPA returns.

use anyhow::Result;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use regorus::Engine;
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::BigUint;
use serde_json::{json, Value as Json};

use super::jwt::pem_blocks;
use super::{add, from_json, string};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "crypto.x509.parse_rsa_private_key", 1, |a| {
        let pem = string(a, 0)?;
        if pem.is_empty() {
            anyhow::bail!("input PEM data was empty");
        }
        // Text that holds no PEM block comes back as null; a block that does not parse is an
        // error, as in OPA.
        match parse_private_key(pem) {
            Some(jwk) => Ok(from_json(jwk)),
            None if has_pem_block(pem) => anyhow::bail!("asn1: syntax error: cannot parse the key"),
            None => Ok(from_json(Json::Null)),
        }
    })
}

fn b64(n: &BigUint) -> String {
    URL_SAFE_NO_PAD.encode(n.to_bytes_be())
}

fn rsa_jwk(k: &rsa::RsaPrivateKey) -> Option<Json> {
    let [p, q] = k.primes() else { return None };
    let one = BigUint::from(1u8);
    let dp = k.d() % (p - &one);
    let dq = k.d() % (q - &one);
    let qi = q.modpow(&(p - BigUint::from(2u8)), p);
    Some(json!({
        "kty": "RSA", "n": b64(k.n()), "e": b64(k.e()), "d": b64(k.d()),
        "p": b64(p), "q": b64(q), "dp": b64(&dp), "dq": b64(&dq), "qi": b64(&qi),
    }))
}

fn ec_jwk(crv: &str, point: &[u8], d: &[u8]) -> Option<Json> {
    // An uncompressed SEC1 point: 0x04 || x || y.
    let xy = point.strip_prefix(&[4u8][..])?;
    let (x, y) = xy.split_at(xy.len() / 2);
    Some(json!({
        "kty": "EC", "crv": crv, "x": URL_SAFE_NO_PAD.encode(x),
        "y": URL_SAFE_NO_PAD.encode(y), "d": URL_SAFE_NO_PAD.encode(d),
    }))
}

fn pem_text(input: &str) -> Option<String> {
    if input.trim_start().starts_with("-----BEGIN") {
        Some(input.to_string())
    } else {
        String::from_utf8(STANDARD.decode(input.trim()).ok()?).ok()
    }
}

/// Whether the input holds a private key block (which then must parse).
fn has_pem_block(input: &str) -> bool {
    pem_text(input).is_some_and(|t| {
        pem_blocks(&t).first().is_some_and(|(label, _)| {
            matches!(
                label.as_str(),
                "RSA PRIVATE KEY" | "PRIVATE KEY" | "EC PRIVATE KEY"
            )
        })
    })
}

fn parse_private_key(input: &str) -> Option<Json> {
    use p256::elliptic_curve::sec1::ToEncodedPoint;
    use p256::pkcs8::DecodePrivateKey;
    use rsa::pkcs1::DecodeRsaPrivateKey;
    let text = pem_text(input)?;
    let (label, der) = pem_blocks(&text).into_iter().next()?;
    let ec = |der: &[u8]| -> Option<Json> {
        if let Ok(k) =
            p256::SecretKey::from_pkcs8_der(der).or_else(|_| p256::SecretKey::from_sec1_der(der))
        {
            let p = k.public_key().to_encoded_point(false);
            return ec_jwk("P-256", p.as_bytes(), &k.to_bytes());
        }
        if let Ok(k) =
            p384::SecretKey::from_pkcs8_der(der).or_else(|_| p384::SecretKey::from_sec1_der(der))
        {
            let p = k.public_key().to_encoded_point(false);
            return ec_jwk("P-384", p.as_bytes(), &k.to_bytes());
        }
        if let Ok(k) =
            p521::SecretKey::from_pkcs8_der(der).or_else(|_| p521::SecretKey::from_sec1_der(der))
        {
            let p = k.public_key().to_encoded_point(false);
            return ec_jwk("P-521", p.as_bytes(), &k.to_bytes());
        }
        None
    };
    match label.as_str() {
        "RSA PRIVATE KEY" => rsa_jwk(&rsa::RsaPrivateKey::from_pkcs1_der(&der).ok()?),
        "EC PRIVATE KEY" => ec(&der),
        "PRIVATE KEY" => match rsa::RsaPrivateKey::from_pkcs8_der(&der) {
            Ok(k) => rsa_jwk(&k),
            Err(_) => ec(&der),
        },
        _ => None,
    }
}
