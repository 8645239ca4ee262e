//! The `crypto.x509.*` builtins: `parse_rsa_private_key` (a PEM private key as the JWK OPA
//! returns), `parse_certificates` (certificates as Go's `x509.Certificate`, see `certs.rs`) and
//! `parse_and_verify_certificates(_with_options)` (see `verify.rs`).

use anyhow::Result;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use regorus::{Engine, Value};
use rsa::traits::{PrivateKeyParts, PublicKeyParts};
use rsa::BigUint;
use serde_json::{json, Value as Json};

use super::certs::{self, Cert};
use super::der::{go_base64, pem_decode};
use super::jwt::pem_blocks;
use super::keys;
use super::verify::{verify_chain, Options};
use super::{add, from_json, object, string};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "crypto.x509.parse_certificates", 1, |a| {
        let certs = certs_from_string(string(a, 0)?)?;
        Ok(Value::from(
            certs.iter().map(|c| c.to_value(true)).collect::<Vec<_>>(),
        ))
    })?;
    add(
        engine,
        "crypto.x509.parse_and_verify_certificates",
        1,
        |a| verified(string(a, 0)?, None, true),
    )?;
    add(
        engine,
        "crypto.x509.parse_and_verify_certificates_with_options",
        2,
        |a| {
            let input = string(a, 0)?;
            let opts = object(a, 1)?;
            verified(input, Some(opts), false)
        },
    )?;
    add(engine, "crypto.x509.parse_certificate_request", 1, |a| {
        let input = string(a, 0)?;
        let mut bytes = if input.starts_with("-----BEGIN CERTIFICATE REQUEST-----") {
            input.as_bytes().to_vec()
        } else {
            go_base64(input)?
        };
        if let Some((ty, der, _)) = pem_decode(&bytes) {
            if ty != "CERTIFICATE REQUEST" {
                anyhow::bail!("invalid PEM-encoded certificate signing request");
            }
            bytes = der;
        }
        certs::parse_csr(&bytes)
    })?;
    add(engine, "crypto.parse_private_keys", 1, |a| {
        let input = string(a, 0)?;
        if input.is_empty() {
            return Ok(Value::Null);
        }
        let keys = private_keys(input)?;
        Ok(Value::from(
            keys.into_iter().map(|k| k.value).collect::<Vec<_>>(),
        ))
    })?;
    add(engine, "crypto.x509.parse_keypair", 2, |a| {
        keypair(string(a, 0)?, string(a, 1)?)
    })?;
    add(engine, "crypto.x509.parse_rsa_private_key", 1, |a| {
        let pem = string(a, 0)?;
        if pem.is_empty() {
            anyhow::bail!("input PEM data was empty");
        }
        // Not PEM: base64 of it, as Go's decoder reads it (padded; line breaks skipped), or an
        // error (OPA).
        if !pem.starts_with("-----BEGIN") {
            let flat: String = pem.chars().filter(|c| !matches!(c, '\r' | '\n')).collect();
            if let Err(e) = STANDARD.decode(&flat) {
                let at = match e {
                    base64::DecodeError::InvalidByte(i, _)
                    | base64::DecodeError::InvalidLastSymbol(i, _) => i,
                    base64::DecodeError::InvalidLength(n) => n - n % 4,
                    base64::DecodeError::InvalidPadding => flat.find('=').unwrap_or(flat.len()),
                };
                anyhow::bail!("illegal base64 data at input byte {at}");
            }
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

/// OPA's `getX509CertsFromString`: PEM text, or base64 of PEM text or of DER certificates.
fn certs_from_string(input: &str) -> Result<Vec<Cert>> {
    if input.starts_with("-----BEGIN") {
        return certs_from_pem(input.as_bytes());
    }
    let bytes = go_base64(input)?;
    if bytes.starts_with(b"-----BEGIN") {
        return certs_from_pem(&bytes);
    }
    certs::parse_all(&bytes)
}

/// Every `CERTIFICATE` block, up to the first text that is no PEM block; another block type is
/// an error.
fn certs_from_pem(mut text: &[u8]) -> Result<Vec<Cert>> {
    let mut der = Vec::new();
    while !text.is_empty() {
        let Some((ty, bytes, rest)) = pem_decode(text) else {
            break;
        };
        if ty != "CERTIFICATE" {
            anyhow::bail!("PEM block type is '{ty}', expected CERTIFICATE");
        }
        der.extend(bytes);
        text = rest;
    }
    certs::parse_all(&der)
}

/// `[true, chain]` (leaf first) when the certificates parse and verify, else `[false, []]`; bad
/// options are an error, as in OPA (checked only once the certificates parse).
fn verified(input: &str, opts: Option<&Value>, uri_strings: bool) -> Result<Value> {
    let fail = || Value::from(vec![Value::from(false), Value::new_array()]);
    let Ok(certs) = certs_from_string(input) else {
        return Ok(fail());
    };
    let opts = match opts {
        Some(o) => verify_options(o)?,
        None => Options::default(),
    };
    Ok(match verify_chain(&certs, &opts) {
        Ok(chain) => Value::from(vec![
            Value::from(true),
            Value::from(
                chain
                    .iter()
                    .map(|c| c.to_value(uri_strings))
                    .collect::<Vec<_>>(),
            ),
        ]),
        Err(_) => fail(),
    })
}

/// The extended key usages OPA's options name, as Go's `x509.ExtKeyUsage` numbers.
const KEY_USAGES: &[(&str, i64)] = &[
    ("KeyUsageAny", 0),
    ("KeyUsageServerAuth", 1),
    ("KeyUsageClientAuth", 2),
    ("KeyUsageCodeSigning", 3),
    ("KeyUsageEmailProtection", 4),
    ("KeyUsageIPSECEndSystem", 5),
    ("KeyUsageIPSECTunnel", 6),
    ("KeyUsageIPSECUser", 7),
    ("KeyUsageTimeStamping", 8),
    ("KeyUsageOCSPSigning", 9),
    ("KeyUsageMicrosoftServerGatedCrypto", 10),
    ("KeyUsageNetscapeServerGatedCrypto", 11),
    ("KeyUsageMicrosoftCommercialCodeSigning", 12),
    ("KeyUsageMicrosoftKernelCodeSigning", 13),
];

/// OPA's `extractVerifyOpts`, with its error words.
fn verify_options(o: &Value) -> Result<Options> {
    let mut opts = Options::default();
    let Ok(map) = o.as_object() else {
        return Ok(opts);
    };
    for (k, v) in map.iter() {
        let Value::String(k) = k else { continue };
        match k.as_ref() {
            "DNSName" => match v {
                Value::String(s) => opts.dns_name = s.trim_matches('"').to_string(),
                _ => anyhow::bail!("'DNSName' should be a string"),
            },
            "CurrentTime" => match v {
                Value::Number(_) => {
                    let ns = v.as_i64().map_err(|_| {
                        anyhow::anyhow!("'CurrentTime' should be a valid int64 number")
                    })?;
                    opts.current_time_ns = Some(i128::from(ns));
                }
                _ => anyhow::bail!("'CurrentTime' should be a number"),
            },
            "MaxConstraintComparisons" => match v {
                Value::Number(_) => {
                    v.as_i64().map_err(|_| {
                        anyhow::anyhow!("'MaxConstraintComparisons' should be a valid number")
                    })?;
                }
                _ => anyhow::bail!("'MaxConstraintComparisons' should be a number"),
            },
            "KeyUsages" => {
                let items: Vec<&Value> = match v {
                    Value::Array(a) => a.iter().collect(),
                    Value::Set(s) => s.iter().collect(),
                    _ => anyhow::bail!("'KeyUsages' should be an Array or Set"),
                };
                let mut invalid = Vec::new();
                for item in items {
                    let Value::String(u) = item else { continue };
                    let u = u.trim_matches('"');
                    match KEY_USAGES.iter().find(|(n, _)| *n == u) {
                        Some((_, n)) => opts.key_usages.push(*n),
                        None => invalid.push(u.to_string()),
                    }
                }
                if !invalid.is_empty() {
                    anyhow::bail!(
                        "invalid entries for 'KeyUsages' found: [{}]",
                        invalid.join(" ")
                    );
                }
            }
            _ => anyhow::bail!("invalid key option"),
        }
    }
    Ok(opts)
}

/// OPA's `getPrivateKeysFromPEMData`: the input (or its base64) as PEM blocks; RSA, PKCS#8 and
/// EC private key blocks must parse, other blocks are skipped.
fn private_keys(input: &str) -> Result<Vec<keys::PrivateKey>> {
    let decoded = go_base64(input).ok();
    let mut bs: &[u8] = decoded.as_deref().unwrap_or(input.as_bytes());
    let mut out = Vec::new();
    while let Some((ty, der, rest)) = pem_decode(bs) {
        bs = rest;
        match ty.as_str() {
            "RSA PRIVATE KEY" => out.push(keys::pkcs1(&der)?),
            "PRIVATE KEY" => out.push(keys::pkcs8(&der)?),
            "EC PRIVATE KEY" => out.push(keys::sec1(&der)?),
            _ => {}
        }
    }
    Ok(out)
}

/// OPA's `getTLSx509KeyPairFromString` and Go's `tls.X509KeyPair`: Go's `tls.Certificate`.
fn keypair(cert: &str, key: &str) -> Result<Value> {
    const BEGIN: &str = "-----BEGIN ";
    let cert_bytes = if cert.starts_with(BEGIN) {
        cert.as_bytes().to_vec()
    } else {
        go_base64(cert)?
    };
    let key_bytes = if key.starts_with(BEGIN) {
        key.as_bytes().to_vec()
    } else {
        go_base64(key)?
    };
    // Bytes that are not PEM are taken as one DER certificate / PKCS#8 key.
    let mut ders = Vec::new();
    if cert_bytes.starts_with(BEGIN.as_bytes()) {
        let mut rest = cert_bytes.as_slice();
        while let Some((ty, der, r)) = pem_decode(rest) {
            if ty == "CERTIFICATE" {
                ders.push(der);
            }
            rest = r;
        }
    } else {
        ders.push(cert_bytes);
    }
    let Some(first) = ders.first() else {
        anyhow::bail!("tls: failed to find any PEM data in certificate input");
    };
    // The first `PRIVATE KEY` or `... PRIVATE KEY` block; Go tries every key format on it.
    let key_der = if key_bytes.starts_with(b"-----BEGIN") {
        let mut rest = key_bytes.as_slice();
        loop {
            let Some((ty, der, r)) = pem_decode(rest) else {
                anyhow::bail!("tls: failed to find any PEM data in key input");
            };
            if ty == "PRIVATE KEY" || ty.ends_with(" PRIVATE KEY") {
                break der;
            }
            rest = r;
        }
    } else {
        key_bytes
    };
    let leaf = certs::parse_one(first)?;
    // Go's tls.parsePrivateKey: PKCS#1, then PKCS#8, then SEC 1.
    let private = keys::pkcs1(&key_der)
        .or_else(|_| keys::pkcs8(&key_der))
        .or_else(|_| keys::sec1(&key_der))
        .map_err(|_| anyhow::anyhow!("tls: failed to parse private key"))?;
    let public = match &leaf.public_key {
        certs::PublicKey::Rsa { n, .. } => n.clone(),
        certs::PublicKey::Ecdsa { point, .. } => point.clone(),
        certs::PublicKey::Ed25519(k) => k.clone(),
        _ => anyhow::bail!("tls: unknown public key algorithm"),
    };
    if public != private.public {
        anyhow::bail!("tls: private key does not match public key");
    }
    let mut m = std::collections::BTreeMap::new();
    let b64 = |d: &Vec<u8>| Value::from(base64::engine::general_purpose::STANDARD.encode(d));
    m.insert(
        Value::from("Certificate"),
        Value::from(ders.iter().map(b64).collect::<Vec<_>>()),
    );
    m.insert(Value::from("PrivateKey"), private.value);
    m.insert(Value::from("Leaf"), leaf.to_value(false));
    for k in [
        "SupportedSignatureAlgorithms",
        "OCSPStaple",
        "SignedCertificateTimestamps",
    ] {
        m.insert(Value::from(k), Value::Null);
    }
    Ok(Value::from(m))
}
