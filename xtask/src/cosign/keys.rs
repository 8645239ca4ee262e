//! Cosign's key files: an ECDSA P-256 PKCS#8 key sealed with scrypt + nacl/secretbox in a JSON
//! document, PEM-armoured as `ENCRYPTED SIGSTORE PRIVATE KEY` (cosign 2.x) or
//! `ENCRYPTED COSIGN PRIVATE KEY` (cosign 1.x); the public key as SPKI `PUBLIC KEY` PEM.

use anyhow::{anyhow, bail, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use crypto_secretbox::aead::{Aead, KeyInit};
use crypto_secretbox::XSalsa20Poly1305;
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use p256::{PublicKey, SecretKey};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

pub const LABEL_V2: &str = "ENCRYPTED SIGSTORE PRIVATE KEY";
pub const LABEL_V1: &str = "ENCRYPTED COSIGN PRIVATE KEY";

/// cosign 2.x's parameters: N = 2^16, r = 8, p = 1, 32-byte salt, 32-byte key.
const SCRYPT_LOG_N: u8 = 16;
const SCRYPT_R: u32 = 8;
const SCRYPT_P: u32 = 1;
/// The scrypt N values cosign has written: 2^16 (2.x) and 2^15 (1.x). Anything else is refused
/// by name: a key file is outside input, and N, r, p size scrypt's memory (r = 2^20 asked for
/// 8 TiB and aborted the process).
const ACCEPTED_N: [u64; 2] = [1 << 15, 1 << 16];
/// A key file (PEM) over this is refused before it is read whole; cosign's are about 650 bytes.
pub const MAX_KEY_FILE: u64 = 64 << 10;
/// Decoded-field bounds: cosign's salt is 32 bytes; a sealed P-256 PKCS#8 key about 150.
const MAX_SALT: usize = 64;
const MAX_CIPHERTEXT: usize = 4096;

#[derive(Serialize, Deserialize)]
struct Sealed {
    kdf: Kdf,
    cipher: Cipher,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
struct Kdf {
    name: String,
    params: KdfParams,
    salt: String,
}

#[derive(Serialize, Deserialize)]
struct KdfParams {
    #[serde(rename = "N")]
    n: u64,
    r: u32,
    p: u32,
}

#[derive(Serialize, Deserialize)]
struct Cipher {
    name: String,
    nonce: String,
}

/// Why a private key could not be opened: the two cases a user must tell apart.
#[derive(Debug)]
pub enum OpenError {
    WrongPassword,
    Invalid(String),
}

pub fn generate() -> SecretKey {
    SecretKey::random(&mut OsRng)
}

/// Seals `key` with `password` in cosign 2.x's format.
pub fn seal(key: &SecretKey, password: &[u8]) -> Result<String> {
    let der = key
        .to_pkcs8_der()
        .map_err(|e| anyhow!("encode private key: {e}"))?;
    let mut salt = [0u8; 32];
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut salt);
    OsRng.fill_bytes(&mut nonce);
    let box_key = derive(password, &salt, SCRYPT_LOG_N, SCRYPT_R, SCRYPT_P)?;
    let ciphertext = XSalsa20Poly1305::new((&*box_key).into())
        .encrypt((&nonce).into(), der.as_bytes())
        .map_err(|_| anyhow!("encrypt private key"))?;
    let sealed = Sealed {
        kdf: Kdf {
            name: "scrypt".into(),
            params: KdfParams {
                n: 1 << SCRYPT_LOG_N,
                r: SCRYPT_R,
                p: SCRYPT_P,
            },
            salt: B64.encode(salt),
        },
        cipher: Cipher {
            name: "nacl/secretbox".into(),
            nonce: B64.encode(nonce),
        },
        ciphertext: B64.encode(ciphertext),
    };
    Ok(pem(LABEL_V2, &serde_json::to_vec(&sealed)?))
}

/// Opens a cosign private key (either label) with `password`.
pub fn open(pem_text: &str, password: &[u8]) -> std::result::Result<SecretKey, OpenError> {
    let invalid = |m: &str| OpenError::Invalid(m.to_string());
    if pem_text.len() as u64 > MAX_KEY_FILE {
        return Err(invalid("over the 64 KiB a key file may be"));
    }
    let (label, body) = unpem(pem_text).ok_or_else(|| invalid("not a PEM file"))?;
    if label != LABEL_V2 && label != LABEL_V1 {
        return Err(OpenError::Invalid(format!(
            "PEM label is {label:?}, expected {LABEL_V2:?} or {LABEL_V1:?}"
        )));
    }
    let sealed: Sealed = serde_json::from_slice(&body)
        .map_err(|e| OpenError::Invalid(format!("sealed key is not cosign's JSON: {e}")))?;
    if sealed.kdf.name != "scrypt" {
        return Err(OpenError::Invalid(format!(
            "kdf {:?} is refused (cosign writes \"scrypt\")",
            sealed.kdf.name
        )));
    }
    if sealed.cipher.name != "nacl/secretbox" {
        return Err(OpenError::Invalid(format!(
            "cipher {:?} is refused (cosign writes \"nacl/secretbox\")",
            sealed.cipher.name
        )));
    }
    let KdfParams { n, r, p } = sealed.kdf.params;
    if !ACCEPTED_N.contains(&n) {
        return Err(OpenError::Invalid(format!(
            "scrypt N = {n} is refused (cosign writes 32768 or 65536)"
        )));
    }
    if r != SCRYPT_R {
        return Err(OpenError::Invalid(format!(
            "scrypt r = {r} is refused (cosign writes r = 8)"
        )));
    }
    if p != SCRYPT_P {
        return Err(OpenError::Invalid(format!(
            "scrypt p = {p} is refused (cosign writes p = 1)"
        )));
    }
    let salt = decode_bounded(&sealed.kdf.salt, MAX_SALT, "salt")?;
    if salt.is_empty() {
        return Err(invalid("empty salt"));
    }
    let nonce: [u8; 24] = decode_bounded(&sealed.cipher.nonce, 24, "nonce")?
        .try_into()
        .map_err(|_| invalid("nonce is not 24 bytes"))?;
    let ciphertext = decode_bounded(&sealed.ciphertext, MAX_CIPHERTEXT, "ciphertext")?;
    let box_key = derive(password, &salt, n.trailing_zeros() as u8, r, p)
        .map_err(|e| OpenError::Invalid(e.to_string()))?;
    let der = Zeroizing::new(
        XSalsa20Poly1305::new((&*box_key).into())
            .decrypt((&nonce).into(), ciphertext.as_slice())
            .map_err(|_| OpenError::WrongPassword)?,
    );
    SecretKey::from_pkcs8_der(&der)
        .or_else(|_| SecretKey::from_sec1_der(&der))
        .map_err(|_| invalid("the decrypted key is not an ECDSA P-256 key"))
}

/// Base64 of at most `max` decoded bytes, checked on the text's length before decoding.
fn decode_bounded(text: &str, max: usize, what: &str) -> std::result::Result<Vec<u8>, OpenError> {
    if text.len() > max.div_ceil(3) * 4 {
        return Err(OpenError::Invalid(format!("{what} is over {max} bytes")));
    }
    B64.decode(text)
        .map_err(|_| OpenError::Invalid(format!("{what} is not base64")))
}

fn derive(password: &[u8], salt: &[u8], log_n: u8, r: u32, p: u32) -> Result<Zeroizing<[u8; 32]>> {
    let params =
        scrypt::Params::new(log_n, r, p, 32).map_err(|_| anyhow!("invalid scrypt parameters"))?;
    let mut out = Zeroizing::new([0u8; 32]);
    scrypt::scrypt(password, salt, &params, &mut *out).map_err(|_| anyhow!("scrypt"))?;
    Ok(out)
}

pub fn public_pem(key: &PublicKey) -> Result<String> {
    key.to_public_key_pem(LineEnding::LF)
        .map_err(|e| anyhow!("encode public key: {e}"))
}

/// Reads a `PUBLIC KEY` PEM. A private key is refused by name, so it is never shipped as public.
pub fn parse_public(pem_text: &str, file: &str) -> Result<PublicKey> {
    if pem_text.len() as u64 > MAX_KEY_FILE {
        bail!("{file}: over the 64 KiB a key file may be");
    }
    let Some((label, _)) = unpem(pem_text) else {
        bail!("{file}: not a PEM public key");
    };
    if label.contains("PRIVATE KEY") {
        bail!("{file}: this is a private key ({label}); give the public key (cosign.pub)");
    }
    if label != "PUBLIC KEY" {
        bail!("{file}: PEM label is {label:?}, expected \"PUBLIC KEY\"");
    }
    PublicKey::from_public_key_pem(pem_text.trim())
        .map_err(|_| anyhow!("{file}: not an ECDSA P-256 public key"))
}

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = B64.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// The label and decoded body of the first PEM block (CRLF tolerated).
fn unpem(text: &str) -> Option<(String, Vec<u8>)> {
    let start = text.find("-----BEGIN ")?;
    let rest = &text[start + 11..];
    let label_end = rest.find("-----")?;
    let label = rest[..label_end].to_string();
    let body_start = label_end + 5;
    let end_marker = format!("-----END {label}-----");
    let body_end = rest.find(&end_marker)?;
    let b64: String = rest[body_start..body_end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    Some((label, B64.decode(b64).ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    const VECTOR_KEY: &str =
        include_str!("../../../tests/fixtures/cosign/cosign2-empty-password.key");
    const VECTOR_PUB: &str =
        include_str!("../../../tests/fixtures/cosign/cosign2-empty-password.pub");

    #[test]
    fn opens_the_cosign_generated_vector() {
        let key = open(VECTOR_KEY, b"").expect("empty password opens it");
        assert_eq!(public_pem(&key.public_key()).unwrap(), VECTOR_PUB);
        assert!(matches!(
            open(VECTOR_KEY, b"x"),
            Err(OpenError::WrongPassword)
        ));
    }

    #[test]
    fn seal_open_round_trip_with_cosign_parameters() {
        let key = generate();
        let sealed = seal(&key, b"pw").unwrap();
        assert!(sealed.starts_with("-----BEGIN ENCRYPTED SIGSTORE PRIVATE KEY-----\n"));
        let (_, body) = unpem(&sealed).unwrap();
        let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(
            json["kdf"]["params"],
            serde_json::json!({"N": 65536, "r": 8, "p": 1})
        );
        assert_eq!(
            B64.decode(json["kdf"]["salt"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
        assert_eq!(json["cipher"]["name"], "nacl/secretbox");
        assert_eq!(open(&sealed, b"pw").unwrap(), key);
        assert!(matches!(
            open(&sealed, b"wrong"),
            Err(OpenError::WrongPassword)
        ));
        // cosign 1.x's label over the same JSON is read too.
        let v1 = sealed.replace(LABEL_V2, LABEL_V1);
        assert_eq!(open(&v1, b"pw").unwrap(), key);
    }

    #[test]
    fn public_key_parsing_refuses_private_keys() {
        let err = parse_public(VECTOR_KEY, "k").unwrap_err().to_string();
        assert!(err.contains("this is a private key"), "{err}");
        assert!(parse_public(VECTOR_PUB, "p").is_ok());
        assert!(parse_public("hello", "x").is_err());
    }

    /// The vector's JSON with `edit` applied, PEM-armoured again.
    fn edited(edit: impl Fn(&mut serde_json::Value)) -> String {
        let (label, body) = unpem(VECTOR_KEY).unwrap();
        let mut json: serde_json::Value = serde_json::from_slice(&body).unwrap();
        edit(&mut json);
        pem(&label, &serde_json::to_vec(&json).unwrap())
    }

    #[test]
    fn hostile_parameters_are_refused_by_name_before_any_work() {
        let started = std::time::Instant::now();
        let big = B64.encode(vec![0u8; 5000]);
        let cases: Vec<(String, &str)> = vec![
            (
                edited(|j| j["kdf"]["params"]["r"] = 1_048_576.into()),
                "scrypt r = 1048576 is refused",
            ),
            (
                edited(|j| j["kdf"]["params"]["N"] = (1u64 << 20).into()),
                "scrypt N = 1048576 is refused",
            ),
            (
                edited(|j| j["kdf"]["params"]["N"] = u64::MAX.into()),
                "is refused",
            ),
            (
                edited(|j| j["kdf"]["params"]["p"] = 16.into()),
                "scrypt p = 16 is refused",
            ),
            (
                edited(|j| j["kdf"]["name"] = "argon2id".into()),
                "kdf \"argon2id\" is refused",
            ),
            (
                edited(|j| j["cipher"]["name"] = "aes-gcm".into()),
                "cipher \"aes-gcm\" is refused",
            ),
            (
                edited(|j| j["kdf"]["salt"] = big.clone().into()),
                "salt is over 64 bytes",
            ),
            (edited(|j| j["kdf"]["salt"] = "".into()), "empty salt"),
            (
                edited(|j| j["cipher"]["nonce"] = big.clone().into()),
                "nonce is over 24 bytes",
            ),
            (
                edited(|j| j["cipher"]["nonce"] = "AAAA".into()),
                "nonce is not 24 bytes",
            ),
            (
                edited(|j| j["ciphertext"] = big.clone().into()),
                "ciphertext is over 4096 bytes",
            ),
            (
                edited(|j| j["kdf"]["params"]["r"] = (-1).into()),
                "not cosign's JSON",
            ),
            ("x".repeat(70_000), "over the 64 KiB"),
        ];
        for (text, want) in cases {
            match open(&text, b"") {
                Err(OpenError::Invalid(why)) => assert!(why.contains(want), "{want}: {why}"),
                other => panic!("{want}: {:?}", other.map(|_| ())),
            }
        }
        // cosign 1.x's N = 32768 is accepted (it then fails only on the password here).
        let v1 = edited(|j| j["kdf"]["params"]["N"] = 32768.into());
        assert!(matches!(open(&v1, b""), Err(OpenError::WrongPassword)));
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }
}
