//! `io.jwt.*`: decode, verify (HS/RS/PS/ES 256/384/512, EdDSA) and sign JSON Web Tokens as OPA
//! does.
//! Keys for verification are a PEM certificate, a PEM public key, or a JWK / JWK set (JSON).

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use regorus::{Engine, Value};
use serde_json::{Map, Value as Json};

use super::crypto::hex;
use super::{add, from_json, object, string, to_json};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "io.jwt.decode", 1, decode_builtin)?;
    add(engine, "io.jwt.decode_verify", 2, decode_verify)?;
    add(engine, "io.jwt.encode_sign", 3, encode_sign)?;
    add(engine, "io.jwt.encode_sign_raw", 3, encode_sign_raw)?;
    for alg in ALGS {
        add(engine, alg.builtin, 2, alg.verify_builtin)?;
    }
    Ok(())
}

struct Alg {
    name: &'static str,
    builtin: &'static str,
    verify_builtin: super::Body,
}

macro_rules! algs {
    ($($name:literal => $builtin:literal),* $(,)?) => {
        [$(Alg {
            name: $name,
            builtin: $builtin,
            verify_builtin: |args| {
                let token = Token::parse(string(args, 0)?)?;
                let key = string(args, 1)?;
                Ok(Value::from(verify($name, &token, key)?))
            },
        }),*]
    };
}

const ALGS: [Alg; 13] = algs![
    "HS256" => "io.jwt.verify_hs256", "HS384" => "io.jwt.verify_hs384",
    "HS512" => "io.jwt.verify_hs512", "RS256" => "io.jwt.verify_rs256",
    "RS384" => "io.jwt.verify_rs384", "RS512" => "io.jwt.verify_rs512",
    "PS256" => "io.jwt.verify_ps256", "PS384" => "io.jwt.verify_ps384",
    "PS512" => "io.jwt.verify_ps512", "ES256" => "io.jwt.verify_es256",
    "ES384" => "io.jwt.verify_es384", "ES512" => "io.jwt.verify_es512",
    "EdDSA" => "io.jwt.verify_eddsa",
];

/// A compact JWS split into its parts.
struct Token {
    header: Map<String, Json>,
    payload: Vec<u8>,
    signature: Vec<u8>,
    /// `header.payload` as written: what the signature covers.
    signed: String,
}

fn b64url(s: &str) -> Result<Vec<u8>> {
    go_b64url(s).map_err(|e| anyhow!("JWT is not base64url-encoded: {e}"))
}

/// OPA's `base64url.decode` (Go's `base64.URLEncoding`, padding added where it is left out):
/// bits after the last full byte are ignored; errors in Go's words.
fn go_b64url(s: &str) -> Result<Vec<u8>> {
    use base64::engine::{general_purpose::GeneralPurpose, DecodePaddingMode};
    const GO: GeneralPurpose = GeneralPurpose::new(
        &base64::alphabet::URL_SAFE,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::Indifferent),
    );
    if !s.ends_with('=') && s.len() % 4 == 1 {
        bail!("illegal base64url string: {s}");
    }
    GO.decode(s).map_err(|e| {
        let at = match e {
            base64::DecodeError::InvalidByte(i, _)
            | base64::DecodeError::InvalidLastSymbol(i, _) => i,
            base64::DecodeError::InvalidLength(n) => n,
            base64::DecodeError::InvalidPadding => s.find('=').unwrap_or(s.len()),
        };
        anyhow!("illegal base64 data at input byte {at}")
    })
}

impl Token {
    fn parse(jwt: &str) -> Result<Token> {
        if !jwt.contains('.') {
            bail!("encoded JWT had no period separators");
        }
        let parts: Vec<&str> = jwt.split('.').collect();
        if parts.len() != 3 {
            bail!("encoded JWT must have 3 sections, found {}", parts.len());
        }
        let part = |i: usize, what: &str| {
            go_b64url(parts[i]).map_err(|e| anyhow!("JWT {what} had invalid encoding: {e}"))
        };
        let header: Json = serde_json::from_slice(&part(0, "header")?)
            .map_err(|_| anyhow!("JWT header had invalid encoding"))?;
        let Json::Object(header) = header else {
            bail!("JWT header had invalid encoding");
        };
        if header.contains_key("enc") {
            bail!("JWT is a JWE object, which is not supported");
        }
        Ok(Token {
            header,
            payload: part(1, "payload")?,
            signature: part(2, "signature")?,
            signed: format!("{}.{}", parts[0], parts[1]),
        })
    }

    fn payload_object(&self) -> Result<Map<String, Json>> {
        match serde_json::from_slice(&self.payload) {
            Ok(Json::Object(m)) => Ok(m),
            _ => bail!("JWT payload had invalid encoding"),
        }
    }

    fn alg(&self) -> Option<&str> {
        self.header.get("alg").and_then(Json::as_str)
    }
}

fn decode_builtin(args: &[Value]) -> Result<Value> {
    let mut token = Token::parse(string(args, 0)?)?;
    // A nested token (`cty: JWT`, exactly) is decoded down to its innermost payload, as OPA
    // does, without the quotes jwt.io writes around it.
    while token.header.get("cty").and_then(Json::as_str) == Some("JWT") {
        let inner = String::from_utf8(token.payload.clone())
            .map_err(|_| anyhow!("JWT payload had invalid encoding"))?;
        token = Token::parse(inner.trim_matches(['"', '\'']))?;
    }
    let payload = token.payload_object()?;
    Ok(from_json(Json::Array(vec![
        Json::Object(token.header),
        Json::Object(payload),
        Json::String(hex(&token.signature)),
    ])))
}

/// Public keys from a PEM certificate, PEM public key, or JWK / JWK set.
enum PublicKey {
    Rsa(rsa::RsaPublicKey),
    P256(p256::PublicKey),
    P384(p384::PublicKey),
    P521(Vec<u8>),
    Ed25519([u8; 32]),
}

pub(crate) fn pem_blocks(text: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("-----BEGIN ") {
        let after = &rest[start + 11..];
        let Some(label_end) = after.find("-----") else {
            break;
        };
        let label = after[..label_end].to_string();
        let body_start = &after[label_end + 5..];
        let end_marker = format!("-----END {label}-----");
        let Some(end) = body_start.find(&end_marker) else {
            break;
        };
        let b64: String = body_start[..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        if let Ok(der) = STANDARD.decode(b64) {
            out.push((label, der));
        }
        rest = &body_start[end + end_marker.len()..];
    }
    out
}

/// One DER TLV: (tag, content, rest).
fn der_tlv(b: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, b) = b.split_first()?;
    let (&l0, mut b) = b.split_first()?;
    let len = if l0 < 0x80 {
        l0 as usize
    } else {
        let n = (l0 & 0x7f) as usize;
        if n == 0 || n > 4 || b.len() < n {
            return None;
        }
        let len = b[..n].iter().fold(0usize, |a, &x| (a << 8) | x as usize);
        b = &b[n..];
        len
    };
    if b.len() < len {
        return None;
    }
    Some((tag, &b[..len], &b[len..]))
}

/// The SubjectPublicKeyInfo (as DER, tag and length included) of an X.509 certificate.
fn cert_spki(der: &[u8]) -> Option<Vec<u8>> {
    let (_, cert, _) = der_tlv(der)?;
    let (_, tbs, _) = der_tlv(cert)?;
    let mut rest = tbs;
    let mut fields = Vec::new();
    while !rest.is_empty() {
        let start = rest;
        let (tag, _, r) = der_tlv(rest)?;
        fields.push((tag, &start[..start.len() - r.len()]));
        rest = r;
    }
    // [0] version is optional; then serial, signature, issuer, validity, subject, spki.
    let skip = usize::from(fields.first()?.0 == 0xa0);
    Some(fields.get(skip + 5)?.1.to_vec())
}

/// The fixed DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410), before the 32 key bytes.
const ED25519_SPKI: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

fn spki_key(der: &[u8]) -> Option<PublicKey> {
    use p256::pkcs8::DecodePublicKey;
    if let Some(k) = der.strip_prefix(&ED25519_SPKI[..]) {
        return k.try_into().ok().map(PublicKey::Ed25519);
    }
    if let Ok(k) = rsa::RsaPublicKey::from_public_key_der(der) {
        return Some(PublicKey::Rsa(k));
    }
    if let Ok(k) = p256::PublicKey::from_public_key_der(der) {
        return Some(PublicKey::P256(k));
    }
    if let Ok(k) = p384::PublicKey::from_public_key_der(der) {
        return Some(PublicKey::P384(k));
    }
    if let Ok(k) = p521::PublicKey::from_public_key_der(der) {
        return Some(PublicKey::P521(k.to_sec1_bytes().to_vec()));
    }
    None
}

fn jwk_key(jwk: &Map<String, Json>) -> Option<PublicKey> {
    let field = |k: &str| {
        jwk.get(k)
            .and_then(Json::as_str)
            .and_then(|s| b64url(s).ok())
    };
    match jwk.get("kty").and_then(Json::as_str)? {
        "RSA" => {
            let n = rsa::BigUint::from_bytes_be(&field("n")?);
            let e = rsa::BigUint::from_bytes_be(&field("e")?);
            rsa::RsaPublicKey::new(n, e).ok().map(PublicKey::Rsa)
        }
        "EC" => {
            let mut sec1 = vec![4u8];
            sec1.extend(field("x")?);
            sec1.extend(field("y")?);
            match jwk.get("crv").and_then(Json::as_str)? {
                "P-256" => p256::PublicKey::from_sec1_bytes(&sec1)
                    .ok()
                    .map(PublicKey::P256),
                "P-384" => p384::PublicKey::from_sec1_bytes(&sec1)
                    .ok()
                    .map(PublicKey::P384),
                "P-521" => Some(PublicKey::P521(sec1)),
                _ => None,
            }
        }
        "OKP" if jwk.get("crv").and_then(Json::as_str) == Some("Ed25519") => {
            field("x")?.try_into().ok().map(PublicKey::Ed25519)
        }
        _ => None,
    }
}

/// Every key in `text`; an error when nothing in it is a key.
fn public_keys(text: &str) -> Result<Vec<PublicKey>> {
    if text.trim_start().starts_with("-----BEGIN") {
        // As Go's `pem.Decode`: the first block, and nothing after its END line.
        let (label, der) = pem_blocks(text)
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("failed to extract a Key from the PEM certificate"))?;
        let end = format!("-----END {label}-----");
        let after = text.find(&end).map_or("", |i| &text[i + end.len()..]);
        let rest = after.split_once('\n').map_or("", |(_, r)| r);
        if !rest.is_empty() {
            bail!("extra data after a PEM certificate block");
        }
        let key = match label.as_str() {
            "CERTIFICATE" => cert_spki(&der).as_deref().and_then(spki_key),
            "PUBLIC KEY" => spki_key(&der),
            _ => bail!("failed to extract a Key from the PEM certificate"),
        };
        return match key {
            Some(k) => Ok(vec![k]),
            None if label == "CERTIFICATE" => bail!("failed to parse a PEM certificate"),
            None => bail!("failed to parse a PEM public key"),
        };
    }
    let json: Json =
        serde_json::from_str(text).map_err(|_| anyhow!("failed to parse a JWK key (set)"))?;
    let jwks: Vec<&Map<String, Json>> = match &json {
        Json::Object(o) if o.contains_key("keys") => o["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Json::as_object)
            .collect(),
        Json::Object(o) => vec![o],
        _ => bail!("failed to parse a JWK key (set)"),
    };
    let keys: Vec<PublicKey> = jwks.into_iter().filter_map(jwk_key).collect();
    if keys.is_empty() {
        bail!("failed to parse a JWK key (set)");
    }
    Ok(keys)
}

fn hmac_ok<M: Mac + hmac::digest::KeyInit>(secret: &[u8], msg: &[u8], sig: &[u8]) -> bool {
    match <M as Mac>::new_from_slice(secret) {
        Ok(mut m) => {
            m.update(msg);
            m.verify_slice(sig).is_ok()
        }
        Err(_) => false,
    }
}

fn rsa_ok(key: &rsa::RsaPublicKey, alg: &str, msg: &[u8], sig: &[u8]) -> bool {
    use sha2::{Digest, Sha256, Sha384, Sha512};
    let (hashed, pss) = match alg {
        "RS256" | "PS256" => (Sha256::digest(msg).to_vec(), alg.starts_with('P')),
        "RS384" | "PS384" => (Sha384::digest(msg).to_vec(), alg.starts_with('P')),
        _ => (Sha512::digest(msg).to_vec(), alg.starts_with('P')),
    };
    let r = match (alg, pss) {
        ("RS256", _) => key.verify(rsa::Pkcs1v15Sign::new::<Sha256>(), &hashed, sig),
        ("RS384", _) => key.verify(rsa::Pkcs1v15Sign::new::<Sha384>(), &hashed, sig),
        ("RS512", _) => key.verify(rsa::Pkcs1v15Sign::new::<Sha512>(), &hashed, sig),
        ("PS256", _) => key.verify(rsa::Pss::new::<Sha256>(), &hashed, sig),
        ("PS384", _) => key.verify(rsa::Pss::new::<Sha384>(), &hashed, sig),
        _ => key.verify(rsa::Pss::new::<Sha512>(), &hashed, sig),
    };
    r.is_ok()
}

fn ec_ok(key: &PublicKey, alg: &str, msg: &[u8], sig: &[u8]) -> bool {
    use p256::ecdsa::signature::Verifier;
    match (key, alg) {
        (PublicKey::P256(k), "ES256") => p256::ecdsa::Signature::from_slice(sig)
            .is_ok_and(|s| p256::ecdsa::VerifyingKey::from(k).verify(msg, &s).is_ok()),
        (PublicKey::P384(k), "ES384") => p384::ecdsa::Signature::from_slice(sig)
            .is_ok_and(|s| p384::ecdsa::VerifyingKey::from(k).verify(msg, &s).is_ok()),
        (PublicKey::P521(k), "ES512") => {
            let (Ok(s), Ok(vk)) = (
                p521::ecdsa::Signature::from_slice(sig),
                p521::ecdsa::VerifyingKey::from_sec1_bytes(k),
            ) else {
                return false;
            };
            vk.verify(msg, &s).is_ok()
        }
        _ => false,
    }
}

fn ed25519_ok(key: &[u8; 32], msg: &[u8], sig: &[u8]) -> bool {
    let (Ok(vk), Ok(sig)) = (
        ed25519_dalek::VerifyingKey::from_bytes(key),
        ed25519_dalek::Signature::from_slice(sig),
    ) else {
        return false;
    };
    vk.verify_strict(msg, &sig).is_ok()
}

/// Whether `token` carries a valid `alg` signature under `key` (a secret for HS*).
fn verify(alg: &str, token: &Token, key: &str) -> Result<bool> {
    let msg = token.signed.as_bytes();
    let sig = &token.signature;
    Ok(match alg {
        "HS256" => hmac_ok::<Hmac<sha2::Sha256>>(key.as_bytes(), msg, sig),
        "HS384" => hmac_ok::<Hmac<sha2::Sha384>>(key.as_bytes(), msg, sig),
        "HS512" => hmac_ok::<Hmac<sha2::Sha512>>(key.as_bytes(), msg, sig),
        _ => public_keys(key)?.iter().any(|k| match k {
            PublicKey::Ed25519(k) if alg == "EdDSA" => ed25519_ok(k, msg, sig),
            PublicKey::Rsa(r) if alg.starts_with('R') || alg.starts_with('P') => {
                rsa_ok(r, alg, msg, sig)
            }
            k if alg.starts_with('E') => ec_ok(k, alg, msg, sig),
            _ => false,
        }),
    })
}

fn now_ns() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as f64)
        .unwrap_or(0.0)
}

/// OPA's checks of a JOSE header (`parseTokenHeader`, `valid`): `alg`, `kid`, `typ` and `cty`
/// are strings and `crit` a non-empty list (else an error); a parameter named in `crit` that
/// OPA does not know makes the token invalid (`false`).
fn header_valid(header: &Map<String, Json>) -> Result<bool> {
    let mut crit: Vec<&str> = Vec::new();
    let mut unknown: Vec<&str> = Vec::new();
    for (k, v) in header {
        match (k.as_str(), v) {
            ("alg" | "kid" | "typ" | "cty", Json::String(_)) => {}
            ("alg" | "kid" | "typ" | "cty", _) => bail!("{k}: must be a string"),
            ("crit", Json::Array(items)) => {
                // Go's loop drops its error: an element that is not a string is skipped.
                crit = items.iter().filter_map(Json::as_str).collect();
                if crit.is_empty() {
                    bail!("crit: must be a nonempty list");
                }
            }
            ("crit", _) => bail!("crit: must be a list"),
            (other, _) => unknown.push(other),
        }
    }
    Ok(!unknown.iter().any(|u| crit.contains(u)))
}

/// `[valid, header, payload]`; `[false, {}, {}]` when the token does not satisfy `constraints`.
fn decode_verify(args: &[Value]) -> Result<Value> {
    let jwt = string(args, 0)?;
    let constraints = to_json(object(args, 1)?)?;
    let c = constraints.as_object().cloned().unwrap_or_default();
    let mut secret = None;
    let mut cert = None;
    let (mut want_alg, mut iss, mut aud, mut time) = (None, None, None, None);
    for (k, v) in &c {
        match (k.as_str(), v) {
            ("cert", Json::String(s)) => cert = Some(s.clone()),
            ("secret", Json::String(s)) => secret = Some(s.clone()),
            ("alg", Json::String(s)) => want_alg = Some(s.clone()),
            ("iss", Json::String(s)) => iss = Some(s.clone()),
            ("aud", Json::String(s)) => aud = Some(s.clone()),
            ("time", Json::Number(n)) => time = n.as_f64(),
            ("cert" | "secret" | "alg" | "iss" | "aud" | "time", _) => {
                bail!("invalid value for constraint {k:?}")
            }
            _ => bail!("unknown token validation constraint: {k}"),
        }
    }
    if cert.is_some() && secret.is_some() {
        bail!("duplicate key constraints");
    }
    let invalid = || {
        from_json(Json::Array(vec![
            Json::Bool(false),
            Json::Object(Map::new()),
            Json::Object(Map::new()),
        ]))
    };
    let mut token = Token::parse(jwt)?;
    // Each token of a nested one (`cty: JWT`, any case) is checked and verified in turn.
    loop {
        if !header_valid(&token.header)? {
            return Ok(invalid());
        }
        let Some(alg) = token.alg().map(str::to_string) else {
            return Ok(invalid());
        };
        if want_alg.as_ref().is_some_and(|a| *a != alg) {
            return Ok(invalid());
        }
        let ok = if alg.starts_with("HS") {
            match &secret {
                Some(s) => verify(&alg, &token, s)?,
                None => false,
            }
        } else if ALGS.iter().any(|a| a.name == alg) {
            match &cert {
                Some(k) => verify(&alg, &token, k)?,
                None => false,
            }
        } else {
            false
        };
        if !ok {
            return Ok(invalid());
        }
        let nested = token
            .header
            .get("cty")
            .and_then(Json::as_str)
            .is_some_and(|c| c.eq_ignore_ascii_case("jwt"));
        if !nested {
            break;
        }
        let inner = String::from_utf8(token.payload.clone())
            .map_err(|_| anyhow!("JWT payload had invalid encoding"))?;
        token = Token::parse(&inner)?;
    }
    let payload = token.payload_object()?;
    let t = time.unwrap_or_else(now_ns);
    // OPA checks `iss` and `aud` first; a claim that is not a number is an error.
    let claim = |k: &str| -> Result<Option<f64>> {
        match payload.get(k) {
            None => Ok(None),
            Some(Json::Number(n)) => Ok(n.as_f64()),
            Some(_) => bail!("{k} value must be a number"),
        }
    };
    if let Some(iss) = &iss {
        if payload.get("iss").and_then(Json::as_str) != Some(iss.as_str()) {
            return Ok(invalid());
        }
    }
    let aud_ok = match (payload.get("aud"), &aud) {
        (None, None) => true,
        (Some(_), None) | (None, Some(_)) => false,
        (Some(Json::String(s)), Some(a)) => s == a,
        (Some(Json::Array(l)), Some(a)) => l.iter().any(|x| x.as_str() == Some(a.as_str())),
        _ => false,
    };
    if !aud_ok {
        return Ok(invalid());
    }
    if claim("exp")?.is_some_and(|exp| t >= exp * 1e9) {
        return Ok(invalid());
    }
    if claim("nbf")?.is_some_and(|nbf| t < nbf * 1e9) {
        return Ok(invalid());
    }
    Ok(from_json(Json::Array(vec![
        Json::Bool(true),
        Json::Object(token.header),
        Json::Object(payload),
    ])))
}

fn sign(alg: &str, jwk: &Map<String, Json>, msg: &[u8]) -> Result<Vec<u8>> {
    let field = |k: &str| {
        jwk.get(k)
            .and_then(Json::as_str)
            .ok_or_else(|| anyhow!("JWK is missing {k:?}"))
            .and_then(b64url)
    };
    fn mac<M: Mac + hmac::digest::KeyInit>(key: &[u8], msg: &[u8]) -> Result<Vec<u8>> {
        let mut m = <M as Mac>::new_from_slice(key).map_err(|_| anyhow!("invalid key"))?;
        m.update(msg);
        Ok(m.finalize().into_bytes().to_vec())
    }
    use sha2::{Digest, Sha256, Sha384, Sha512};
    match alg {
        "HS256" => mac::<Hmac<Sha256>>(&field("k")?, msg),
        "HS384" => mac::<Hmac<Sha384>>(&field("k")?, msg),
        "HS512" => mac::<Hmac<Sha512>>(&field("k")?, msg),
        "RS256" | "RS384" | "RS512" | "PS256" | "PS384" | "PS512" => {
            let big = |k: &str| field(k).map(|b| rsa::BigUint::from_bytes_be(&b));
            let key = rsa::RsaPrivateKey::from_components(
                big("n")?,
                big("e")?,
                big("d")?,
                vec![big("p")?, big("q")?],
            )
            .context("invalid RSA JWK")?;
            let mut rng = rand_core::OsRng;
            let r = match alg {
                "RS256" => key.sign(rsa::Pkcs1v15Sign::new::<Sha256>(), &Sha256::digest(msg)),
                "RS384" => key.sign(rsa::Pkcs1v15Sign::new::<Sha384>(), &Sha384::digest(msg)),
                "RS512" => key.sign(rsa::Pkcs1v15Sign::new::<Sha512>(), &Sha512::digest(msg)),
                // PSS salts are random, as in Go; the salt is as long as the digest.
                "PS256" => {
                    key.sign_with_rng(&mut rng, rsa::Pss::new::<Sha256>(), &Sha256::digest(msg))
                }
                "PS384" => {
                    key.sign_with_rng(&mut rng, rsa::Pss::new::<Sha384>(), &Sha384::digest(msg))
                }
                _ => key.sign_with_rng(&mut rng, rsa::Pss::new::<Sha512>(), &Sha512::digest(msg)),
            };
            r.map_err(|e| anyhow!("{e}"))
        }
        "ES256" => {
            use p256::ecdsa::signature::Signer;
            let k = p256::ecdsa::SigningKey::from_slice(&field("d")?)
                .map_err(|_| anyhow!("invalid EC JWK"))?;
            let s: p256::ecdsa::Signature = k.sign(msg);
            Ok(s.to_bytes().to_vec())
        }
        "ES384" => {
            use p384::ecdsa::signature::Signer;
            let k = p384::ecdsa::SigningKey::from_slice(&field("d")?)
                .map_err(|_| anyhow!("invalid EC JWK"))?;
            let s: p384::ecdsa::Signature = k.sign(msg);
            Ok(s.to_bytes().to_vec())
        }
        "ES512" => {
            use p521::ecdsa::signature::RandomizedSigner;
            let k = p521::ecdsa::SigningKey::from_slice(&field("d")?)
                .map_err(|_| anyhow!("invalid EC JWK"))?;
            let s: p521::ecdsa::Signature = k
                .try_sign_with_rng(&mut rand_core::OsRng, msg)
                .map_err(|e| anyhow!("{e}"))?;
            Ok(s.to_bytes().to_vec())
        }
        "EdDSA" => {
            use ed25519_dalek::Signer;
            let d: [u8; 32] = field("d")?
                .try_into()
                .map_err(|_| anyhow!("invalid OKP JWK"))?;
            let k = ed25519_dalek::SigningKey::from_bytes(&d);
            Ok(k.sign(msg).to_bytes().to_vec())
        }
        other => bail!("unsupported signature algorithm: {other}"),
    }
}

fn encode(headers: &str, payload: &str, key: &str) -> Result<Value> {
    // In OPA's order and words: the key, the header's `alg`, then a JWT's payload.
    let jwk: Json = serde_json::from_str(key).map_err(|e| anyhow!("invalid JWK: {e}"))?;
    let Some(jwk) = jwk.as_object() else {
        bail!("header and key must be JSON objects");
    };
    let no_alg = || anyhow!("missing or invalid 'alg' header: jwsbb: header \"alg\" not found");
    let h: Map<String, Json> = match serde_json::from_str(headers) {
        Ok(Json::Object(h)) => h,
        Ok(_) => return Err(no_alg()),
        Err(_) if headers.trim().is_empty() => {
            bail!("missing or invalid 'alg' header: cannot parse JSON: cannot parse empty string")
        }
        Err(_) if headers.trim_start().starts_with('{') => {
            bail!("missing or invalid 'alg' header: cannot parse JSON")
        }
        Err(_) => return Err(no_alg()),
    };
    let alg = h.get("alg").and_then(Json::as_str).ok_or_else(no_alg)?;
    if !ALGS.iter().any(|a| a.name == alg) {
        bail!("unknown JWS algorithm: {alg}");
    }
    let typ = h.get("typ").and_then(Json::as_str);
    if typ.is_none_or(|t| t == "JWT") && serde_json::from_str::<Json>(payload).is_err() {
        bail!("type is JWT but payload is not JSON");
    }
    let signed = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(headers),
        URL_SAFE_NO_PAD.encode(payload)
    );
    let sig = sign(alg, jwk, signed.as_bytes())?;
    Ok(Value::from(format!(
        "{signed}.{}",
        URL_SAFE_NO_PAD.encode(sig)
    )))
}

fn encode_sign_raw(args: &[Value]) -> Result<Value> {
    encode(string(args, 0)?, string(args, 1)?, string(args, 2)?)
}

fn encode_sign(args: &[Value]) -> Result<Value> {
    let h = serde_json::to_string(&to_json(object(args, 0)?)?)?;
    let p = serde_json::to_string(&to_json(object(args, 1)?)?)?;
    let k = serde_json::to_string(&to_json(object(args, 2)?)?)?;
    encode(&h, &p, &k)
}
