//! X.509 certificates as OPA's `crypto.x509.parse_certificates` returns them: Go's
//! `crypto/x509` parser (its checks and its error words) and Go's `x509.Certificate` as
//! `encoding/json` writes it, field by field.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use anyhow::{anyhow, bail, Result};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use regorus::Value;

use super::der::{self, dotted, int_decimal, int_ok, oid_arcs, Der, Tlv};

/// A parsed certificate: Go's fields, plus what chain verification needs.
#[derive(Default)]
pub struct Cert {
    pub raw: Vec<u8>,
    pub tbs: Vec<u8>,
    pub spki: Vec<u8>,
    pub raw_subject: Vec<u8>,
    pub raw_issuer: Vec<u8>,
    pub signature: Vec<u8>,
    pub sig_alg: u8,
    pub pk_alg: u8,
    pub public_key: PublicKey,
    pub version: i64,
    pub serial: String,
    pub issuer: Name,
    pub subject: Name,
    pub not_before: GoTime,
    pub not_after: GoTime,
    pub key_usage: i64,
    pub extensions: Vec<Extension>,
    pub unhandled_critical: Vec<Vec<u64>>,
    pub ext_key_usage: Vec<i64>,
    pub unknown_ext_key_usage: Vec<Vec<u64>>,
    pub basic_constraints_valid: bool,
    pub is_ca: bool,
    pub max_path_len: i64,
    pub subject_key_id: Option<Vec<u8>>,
    pub authority_key_id: Option<Vec<u8>>,
    pub ocsp_server: Vec<String>,
    pub issuing_certificate_url: Vec<String>,
    pub dns_names: Vec<String>,
    pub email_addresses: Vec<String>,
    pub ip_addresses: Vec<Vec<u8>>,
    pub uris: Vec<String>,
    pub permitted_dns_critical: bool,
    pub permitted_dns: Vec<String>,
    pub excluded_dns: Vec<String>,
    pub permitted_ips: Vec<(Vec<u8>, Vec<u8>)>,
    pub excluded_ips: Vec<(Vec<u8>, Vec<u8>)>,
    pub permitted_emails: Vec<String>,
    pub excluded_emails: Vec<String>,
    pub permitted_uris: Vec<String>,
    pub excluded_uris: Vec<String>,
    pub crl_distribution_points: Vec<String>,
    pub policy_identifiers: Vec<Vec<u64>>,
    pub policies: Vec<String>,
    pub inhibit_any_policy: i64,
    pub inhibit_any_policy_zero: bool,
    pub inhibit_policy_mapping: i64,
    pub inhibit_policy_mapping_zero: bool,
    pub require_explicit_policy: i64,
    pub require_explicit_policy_zero: bool,
    pub policy_mappings: Vec<(String, String)>,
}

/// A public key as Go holds it (`*rsa.PublicKey`, `*ecdsa.PublicKey`, `ed25519.PublicKey`,
/// `*dsa.PublicKey`), with the raw key bytes verification needs.
#[derive(Default)]
pub enum PublicKey {
    #[default]
    None,
    Rsa {
        n: Vec<u8>,
        e: i64,
    },
    Ecdsa {
        curve: Curve,
        point: Vec<u8>,
    },
    Ed25519(Vec<u8>),
    Dsa {
        p: Vec<u8>,
        q: Vec<u8>,
        g: Vec<u8>,
        y: Vec<u8>,
    },
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Curve {
    P224,
    P256,
    P384,
    P521,
}

/// A `pkix.Name`: the attributes in order, and Go's typed fields filled from them.
#[derive(Default)]
pub struct Name {
    pub names: Vec<(Vec<u64>, String)>,
}

pub struct Extension {
    pub id: Vec<u64>,
    pub critical: bool,
    pub value: Vec<u8>,
}

/// A time as Go's `time.Time` keeps it after parsing ASN.1: the civil time and its UTC offset.
#[derive(Clone, Copy, Default)]
pub struct GoTime {
    /// Seconds since the Unix epoch (UTC).
    pub unix: i64,
    /// Offset from UTC in seconds, as written in the certificate.
    pub offset: i32,
}

fn malformed(what: &str) -> anyhow::Error {
    anyhow!("x509: malformed {what}")
}

/// `x509.ParseCertificates`: every certificate in a concatenation of DER certificates.
pub fn parse_all(mut der: &[u8]) -> Result<Vec<Cert>> {
    let mut out = Vec::new();
    while !der.is_empty() {
        let mut d = Der(der);
        let Some(t) = d.read(der::SEQUENCE) else {
            bail!("x509: malformed certificate");
        };
        out.push(parse(t)?);
        der = d.0;
    }
    Ok(out)
}

/// `x509.ParseCertificate` on exactly one certificate (trailing bytes refused).
pub fn parse_one(der: &[u8]) -> Result<Cert> {
    let mut d = Der(der);
    let t = d
        .read(der::SEQUENCE)
        .ok_or_else(|| malformed("certificate"))?;
    if !d.is_empty() {
        bail!("x509: trailing data");
    }
    parse(t)
}

fn parse(cert: Tlv) -> Result<Cert> {
    let mut c = Der(cert.body);
    let tbs_t = c
        .read(der::SEQUENCE)
        .ok_or_else(|| malformed("tbs certificate"))?;
    let mut tbs = Der(tbs_t.body);
    let mut version = 0;
    if let Some(v) = tbs.optional(0xa0).ok_or_else(|| malformed("version"))? {
        let mut vd = Der(v.body);
        let i = vd
            .read(der::INTEGER)
            .and_then(|i| der::int_i64(i.body))
            .ok_or_else(|| malformed("version"))?;
        version = i;
    }
    if !(0..=2).contains(&version) {
        bail!("x509: invalid version");
    }
    let serial = tbs
        .read(der::INTEGER)
        .filter(|i| int_ok(i.body))
        .ok_or_else(|| malformed("serial number"))?;
    if serial.body[0] & 0x80 != 0 {
        // Go 1.23+ refuses negative serial numbers (GODEBUG x509negativeserial=1 aside).
        bail!("x509: negative serial number");
    }
    let sig_ai = tbs
        .read(der::SEQUENCE)
        .ok_or_else(|| malformed("signature algorithm identifier"))?;
    let issuer = tbs.read(der::SEQUENCE).ok_or_else(|| malformed("issuer"))?;
    let validity = tbs
        .read(der::SEQUENCE)
        .ok_or_else(|| malformed("validity"))?;
    let subject = tbs
        .read(der::SEQUENCE)
        .ok_or_else(|| malformed("subject"))?;
    let spki = tbs.read(der::SEQUENCE).ok_or_else(|| malformed("spki"))?;
    let outer_ai = c
        .read(der::SEQUENCE)
        .ok_or_else(|| malformed("algorithm identifier"))?;
    if outer_ai.full != sig_ai.full {
        bail!("x509: inner and outer signature algorithm identifiers don't match");
    }
    let sig = c
        .read(der::BIT_STRING)
        .ok_or_else(|| malformed("signature"))?;
    let signature = bit_string(sig.body).ok_or_else(|| malformed("signature"))?;

    let mut v = Der(validity.body);
    let not_before = parse_time(&mut v).ok_or_else(|| malformed("validity"))?;
    let not_after = parse_time(&mut v).ok_or_else(|| malformed("validity"))?;

    let (pk_alg, public_key) = parse_spki(spki.body)?;

    let mut out = Cert {
        raw: cert.full.to_vec(),
        tbs: tbs_t.full.to_vec(),
        spki: spki.full.to_vec(),
        raw_subject: subject.full.to_vec(),
        raw_issuer: issuer.full.to_vec(),
        signature,
        sig_alg: signature_algorithm(outer_ai.body),
        pk_alg,
        public_key,
        version: version + 1,
        serial: int_decimal(serial.body),
        issuer: parse_name(issuer.body)?,
        subject: parse_name(subject.body)?,
        not_before,
        not_after,
        ..Cert::default()
    };

    if out.version > 1 {
        tbs.optional(0x81)
            .ok_or_else(|| malformed("issuerUniqueID"))?;
        tbs.optional(0x82)
            .ok_or_else(|| malformed("subjectUniqueID"))?;
        if out.version == 3 {
            if let Some(exts) = tbs.optional(0xa3).ok_or_else(|| malformed("extensions"))? {
                let mut e = Der(exts.body);
                let seq = e
                    .read(der::SEQUENCE)
                    .ok_or_else(|| malformed("extensions"))?;
                let mut seq = Der(seq.body);
                let mut seen = std::collections::BTreeSet::new();
                while !seq.is_empty() {
                    let ext = parse_extension(&mut seq)?;
                    if !seen.insert(ext.id.clone()) {
                        bail!(
                            "x509: certificate contains duplicate extension with OID {:?}",
                            dotted(&ext.id)
                        );
                    }
                    out.extensions.push(ext);
                }
            }
        }
    }
    process_extensions(&mut out)?;
    Ok(out)
}

fn bit_string(body: &[u8]) -> Option<Vec<u8>> {
    let (&unused, bytes) = body.split_first()?;
    if unused > 7 || (bytes.is_empty() && unused != 0) {
        return None;
    }
    if let Some(&last) = bytes.last() {
        if last & ((1u8 << unused) - 1) != 0 {
            return None;
        }
    }
    Some(bytes.to_vec())
}

/// The raw bits of a BIT STRING as Go's `asn1.BitString` (bytes and bit length).
fn bit_string_bits(body: &[u8]) -> Option<(Vec<u8>, usize)> {
    let bytes = bit_string(body)?;
    let unused = usize::from(body[0]);
    let len = bytes.len() * 8 - unused;
    Some((bytes, len))
}

fn parse_time(d: &mut Der) -> Option<GoTime> {
    let t = d.any()?;
    let s = std::str::from_utf8(t.body).ok().filter(|s| s.is_ascii())?;
    match t.tag {
        der::UTC_TIME => {
            // "YYMMDDHHMM[SS]Z" or with "+hhmm"/"-hhmm"; years 50..99 are 19xx.
            let (core, offset) = split_zone(s)?;
            let (yy, rest) = core.split_at_checked(2)?;
            let yy: i64 = digits(yy)?;
            let year = if yy >= 50 { 1900 + yy } else { 2000 + yy };
            let (mdhm, sec) = match rest.len() {
                8 => (rest, "00"),
                10 => rest.split_at(8),
                _ => return None,
            };
            civil(year, mdhm, sec, offset)
        }
        der::GENERALIZED_TIME => {
            let (core, offset) = split_zone(s)?;
            if core.len() != 14 {
                return None;
            }
            let year: i64 = digits(&core[..4])?;
            civil(year, &core[4..12], &core[12..], offset)
        }
        _ => None,
    }
}

fn digits(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

fn split_zone(s: &str) -> Option<(&str, i32)> {
    if let Some(core) = s.strip_suffix('Z') {
        return Some((core, 0));
    }
    let i = s.len().checked_sub(5)?;
    let (core, z) = s.split_at_checked(i)?;
    let sign = match z.as_bytes()[0] {
        b'+' => 1,
        b'-' => -1,
        _ => return None,
    };
    let hh = digits(&z[1..3])?;
    let mm = digits(&z[3..5])?;
    if hh > 23 || mm > 59 {
        return None;
    }
    Some((core, sign * (hh * 3600 + mm * 60) as i32))
}

fn civil(year: i64, mdhm: &str, sec: &str, offset: i32) -> Option<GoTime> {
    let month = digits(&mdhm[..2])?;
    let day = digits(&mdhm[2..4])?;
    let hour = digits(&mdhm[4..6])?;
    let min = digits(&mdhm[6..8])?;
    let sec = digits(sec)?;
    let date = chrono::NaiveDate::from_ymd_opt(year as i32, month as u32, day as u32)?;
    let dt = date.and_hms_opt(hour as u32, min as u32, sec as u32)?;
    let unix = dt.and_utc().timestamp() - i64::from(offset);
    Some(GoTime { unix, offset })
}

impl GoTime {
    /// RFC 3339 as Go's `time.Time.MarshalJSON` writes it (`Z` for UTC, else the offset).
    pub fn rfc3339(&self) -> String {
        let local = chrono::DateTime::from_timestamp(self.unix + i64::from(self.offset), 0)
            .unwrap_or_default()
            .naive_utc();
        let zone = if self.offset == 0 {
            "Z".to_string()
        } else {
            let a = self.offset.abs();
            let sign = if self.offset < 0 { '-' } else { '+' };
            format!("{sign}{:02}:{:02}", a / 3600, a % 3600 / 60)
        };
        format!("{}{zone}", local.format("%Y-%m-%dT%H:%M:%S"))
    }
}

const fn oid(s: &[u64]) -> &[u64] {
    s
}

/// Go's `getSignatureAlgorithmFromAI`: the `x509.SignatureAlgorithm` number.
fn signature_algorithm(ai: &[u8]) -> u8 {
    let mut d = Der(ai);
    let Some(alg) = d.read(der::OID).and_then(|o| oid_arcs(o.body)) else {
        return 0;
    };
    let params = d.0;
    const TABLE: &[(&[u64], u8)] = &[
        (oid(&[1, 2, 840, 113549, 1, 1, 2]), 1),
        (oid(&[1, 2, 840, 113549, 1, 1, 4]), 2),
        (oid(&[1, 2, 840, 113549, 1, 1, 5]), 3),
        (oid(&[1, 3, 14, 3, 2, 29]), 3),
        (oid(&[1, 2, 840, 113549, 1, 1, 11]), 4),
        (oid(&[1, 2, 840, 113549, 1, 1, 12]), 5),
        (oid(&[1, 2, 840, 113549, 1, 1, 13]), 6),
        (oid(&[1, 2, 840, 10040, 4, 3]), 7),
        (oid(&[2, 16, 840, 1, 101, 3, 4, 3, 2]), 8),
        (oid(&[1, 2, 840, 10045, 4, 1]), 9),
        (oid(&[1, 2, 840, 10045, 4, 3, 2]), 10),
        (oid(&[1, 2, 840, 10045, 4, 3, 3]), 11),
        (oid(&[1, 2, 840, 10045, 4, 3, 4]), 12),
        (oid(&[1, 3, 101, 112]), 16),
    ];
    if alg == [1, 3, 101, 112] && !params.is_empty() {
        return 0;
    }
    if alg != [1, 2, 840, 113549, 1, 1, 10] {
        return TABLE
            .iter()
            .find(|(o, _)| *o == alg.as_slice())
            .map_or(0, |(_, n)| *n);
    }
    pss_algorithm(params).unwrap_or(0)
}

/// RSASSA-PSS parameters Go accepts: SHA-256/384/512, MGF1 with the same hash, salt length
/// equal to the hash length, trailer field 1.
fn pss_algorithm(params: &[u8]) -> Option<u8> {
    let mut d = Der(params);
    let seq = d.read(der::SEQUENCE)?;
    let mut p = Der(seq.body);
    let hash = p.read(0xa0)?;
    let hash_oid = Der(hash.body)
        .read(der::SEQUENCE)
        .and_then(|s| Der(s.body).read(der::OID))
        .and_then(|o| oid_arcs(o.body))?;
    let mgf = p.read(0xa1)?;
    let mut m = Der(Der(mgf.body).read(der::SEQUENCE)?.body);
    let mgf_oid = oid_arcs(m.read(der::OID)?.body)?;
    let mgf_hash = Der(m.read(der::SEQUENCE)?.body)
        .read(der::OID)
        .and_then(|o| oid_arcs(o.body))?;
    let salt = match p.optional(0xa2)? {
        Some(s) => der::int_i64(Der(s.body).read(der::INTEGER)?.body)?,
        None => 20,
    };
    let trailer = match p.optional(0xa3)? {
        Some(s) => der::int_i64(Der(s.body).read(der::INTEGER)?.body)?,
        None => 1,
    };
    if mgf_oid != [1, 2, 840, 113549, 1, 1, 8] || mgf_hash != hash_oid || trailer != 1 {
        return None;
    }
    match (hash_oid.as_slice(), salt) {
        ([2, 16, 840, 1, 101, 3, 4, 2, 1], 32) => Some(13),
        ([2, 16, 840, 1, 101, 3, 4, 2, 2], 48) => Some(14),
        ([2, 16, 840, 1, 101, 3, 4, 2, 3], 64) => Some(15),
        _ => None,
    }
}

/// `x509.PublicKeyAlgorithm` and the key, as Go's `parsePublicKey` reads them.
fn parse_spki(body: &[u8]) -> Result<(u8, PublicKey)> {
    let mut d = Der(body);
    let ai = d.read(der::SEQUENCE).ok_or_else(|| malformed("spki"))?;
    let bits = d
        .read(der::BIT_STRING)
        .and_then(|b| bit_string(b.body))
        .ok_or_else(|| malformed("spki"))?;
    let mut a = Der(ai.body);
    let alg = a
        .read(der::OID)
        .and_then(|o| oid_arcs(o.body))
        .ok_or_else(|| malformed("spki"))?;
    let params = a.0;
    match alg.as_slice() {
        [1, 2, 840, 113549, 1, 1, 1] => {
            if params != [der::NULL, 0] {
                bail!("x509: RSA key missing NULL parameters");
            }
            let mut k = Der(&bits);
            let mut seq = Der(k
                .read(der::SEQUENCE)
                .ok_or_else(|| anyhow!("x509: invalid RSA public key"))?
                .body);
            let n = seq
                .read(der::INTEGER)
                .filter(|i| int_ok(i.body))
                .ok_or_else(|| anyhow!("x509: invalid RSA modulus"))?;
            let e = seq
                .read(der::INTEGER)
                .and_then(|i| der::int_i64(i.body))
                .ok_or_else(|| anyhow!("x509: invalid RSA public exponent"))?;
            if n.body[0] & 0x80 != 0 || n.body.iter().all(|&b| b == 0) {
                bail!("x509: RSA modulus is not a positive number");
            }
            if e <= 0 {
                bail!("x509: RSA public exponent is not a positive number");
            }
            let n = n.body.iter().skip_while(|&&b| b == 0).copied().collect();
            Ok((1, PublicKey::Rsa { n, e }))
        }
        [1, 2, 840, 10045, 2, 1] => {
            let curve = Der(params)
                .read(der::OID)
                .and_then(|o| oid_arcs(o.body))
                .ok_or_else(|| anyhow!("x509: invalid ECDSA parameters"))?;
            let curve = match curve.as_slice() {
                [1, 3, 132, 0, 33] => Curve::P224,
                [1, 2, 840, 10045, 3, 1, 7] => Curve::P256,
                [1, 3, 132, 0, 34] => Curve::P384,
                [1, 3, 132, 0, 35] => Curve::P521,
                _ => bail!("x509: unsupported elliptic curve"),
            };
            if !on_curve(curve, &bits) {
                bail!("x509: failed to unmarshal elliptic curve point");
            }
            Ok((3, PublicKey::Ecdsa { curve, point: bits }))
        }
        [1, 3, 101, 112] => {
            if !params.is_empty() {
                bail!("x509: Ed25519 key encoded with illegal parameters");
            }
            if bits.len() != 32 {
                bail!("x509: wrong Ed25519 public key size");
            }
            Ok((4, PublicKey::Ed25519(bits)))
        }
        [1, 2, 840, 10040, 4, 1] => {
            let mut k = Der(&bits);
            let y = k
                .read(der::INTEGER)
                .ok_or_else(|| anyhow!("x509: invalid DSA public key"))?;
            let mut p = Der(Der(params)
                .read(der::SEQUENCE)
                .ok_or_else(|| anyhow!("x509: invalid DSA parameters"))?
                .body);
            let mut int = || {
                p.read(der::INTEGER)
                    .filter(|i| int_ok(i.body) && i.body[0] & 0x80 == 0)
                    .map(|i| i.body.to_vec())
                    .ok_or_else(|| anyhow!("x509: invalid DSA parameters"))
            };
            let (pp, q, g) = (int()?, int()?, int()?);
            if [&y.body.to_vec(), &pp, &q, &g]
                .iter()
                .any(|v| v.iter().all(|&b| b == 0))
            {
                bail!("x509: zero or negative DSA parameter");
            }
            Ok((
                2,
                PublicKey::Dsa {
                    p: pp,
                    q,
                    g,
                    y: y.body.to_vec(),
                },
            ))
        }
        _ => Ok((0, PublicKey::None)),
    }
}

/// Whether `point` is an uncompressed point on `curve` (Go's `elliptic.Unmarshal`). P-224 has
/// no crate here: its length is checked, not the curve equation.
fn on_curve(curve: Curve, point: &[u8]) -> bool {
    if point.first() != Some(&4) {
        return false;
    }
    match curve {
        Curve::P224 => point.len() == 57,
        Curve::P256 => p256::PublicKey::from_sec1_bytes(point).is_ok(),
        Curve::P384 => p384::PublicKey::from_sec1_bytes(point).is_ok(),
        Curve::P521 => p521::PublicKey::from_sec1_bytes(point).is_ok(),
    }
}

/// Go's `parseASN1String`: the string types X.509 names use.
fn asn1_string(tag: u8, b: &[u8]) -> Result<String> {
    match tag {
        // T61String: Go reads each byte as a rune (Latin-1).
        0x14 => Ok(b.iter().map(|&c| char::from(c)).collect()),
        0x13 => {
            let ok = b
                .iter()
                .all(|&c| c.is_ascii_alphanumeric() || b" '()+,-./:=?*&".contains(&c));
            if !ok {
                bail!("invalid PrintableString");
            }
            Ok(String::from_utf8_lossy(b).into_owned())
        }
        0x0c => String::from_utf8(b.to_vec()).map_err(|_| anyhow!("invalid UTF-8 string")),
        0x1e => {
            if !b.len().is_multiple_of(2) {
                bail!("invalid BMPString");
            }
            let mut u: Vec<u16> = b
                .chunks(2)
                .map(|c| u16::from_be_bytes([c[0], c[1]]))
                .collect();
            if u.last() == Some(&0) {
                u.pop();
            }
            Ok(String::from_utf16_lossy(&u))
        }
        0x16 => {
            if !b.is_ascii() {
                bail!("invalid IA5String");
            }
            Ok(String::from_utf8_lossy(b).into_owned())
        }
        0x12 => {
            if !b.iter().all(|&c| c.is_ascii_digit() || c == b' ') {
                bail!("invalid NumericString");
            }
            Ok(String::from_utf8_lossy(b).into_owned())
        }
        _ => bail!("unsupported string type: {tag:#x}"),
    }
}

fn parse_name(body: &[u8]) -> Result<Name> {
    let bad = || anyhow!("x509: invalid RDNSequence");
    let mut rdns = Der(body);
    let mut name = Name::default();
    while !rdns.is_empty() {
        let set = rdns.read(der::SET).ok_or_else(bad)?;
        let mut set = Der(set.body);
        if set.is_empty() {
            bail!("x509: invalid RDNSequence: invalid attribute");
        }
        while !set.is_empty() {
            let atv = set.read(der::SEQUENCE).ok_or_else(bad)?;
            let mut atv = Der(atv.body);
            let ty = atv
                .read(der::OID)
                .and_then(|o| oid_arcs(o.body))
                .ok_or_else(|| anyhow!("x509: invalid RDNSequence: invalid attribute type"))?;
            let v = atv
                .any()
                .ok_or_else(|| anyhow!("x509: invalid RDNSequence: invalid attribute value"))?;
            let s = asn1_string(v.tag, v.body)
                .map_err(|e| anyhow!("x509: invalid RDNSequence: invalid attribute value: {e}"))?;
            name.names.push((ty, s));
        }
    }
    Ok(name)
}

fn parse_extension(d: &mut Der) -> Result<Extension> {
    let e = d
        .read(der::SEQUENCE)
        .ok_or_else(|| malformed("extension"))?;
    let mut e = Der(e.body);
    let id = e
        .read(der::OID)
        .and_then(|o| oid_arcs(o.body))
        .ok_or_else(|| malformed("extension OID field"))?;
    let critical = match e
        .optional(der::BOOLEAN)
        .ok_or_else(|| malformed("extension critical field"))?
    {
        Some(b) => match b.body {
            [0xff] => true,
            [0] => false,
            _ => bail!("x509: malformed extension critical field"),
        },
        None => false,
    };
    let value = e
        .read(der::OCTET_STRING)
        .ok_or_else(|| malformed("extension value field"))?;
    Ok(Extension {
        id,
        critical,
        value: value.body.to_vec(),
    })
}

const EXT_KEY_USAGES: &[(&[u64], i64)] = &[
    (&[2, 5, 29, 37, 0], 0),
    (&[1, 3, 6, 1, 5, 5, 7, 3, 1], 1),
    (&[1, 3, 6, 1, 5, 5, 7, 3, 2], 2),
    (&[1, 3, 6, 1, 5, 5, 7, 3, 3], 3),
    (&[1, 3, 6, 1, 5, 5, 7, 3, 4], 4),
    (&[1, 3, 6, 1, 5, 5, 7, 3, 5], 5),
    (&[1, 3, 6, 1, 5, 5, 7, 3, 6], 6),
    (&[1, 3, 6, 1, 5, 5, 7, 3, 7], 7),
    (&[1, 3, 6, 1, 5, 5, 7, 3, 8], 8),
    (&[1, 3, 6, 1, 5, 5, 7, 3, 9], 9),
    (&[1, 3, 6, 1, 4, 1, 311, 10, 3, 3], 10),
    (&[2, 16, 840, 1, 113730, 4, 1], 11),
    (&[1, 3, 6, 1, 4, 1, 311, 2, 1, 22], 12),
    (&[1, 3, 6, 1, 4, 1, 311, 61, 1, 1], 13),
];

/// Go's `processExtensions`.
fn process_extensions(c: &mut Cert) -> Result<()> {
    let exts = std::mem::take(&mut c.extensions);
    for e in &exts {
        let mut unhandled = false;
        let v = e.value.as_slice();
        match e.id.as_slice() {
            [2, 5, 29, 15] => c.key_usage = key_usage(v)?,
            [2, 5, 29, 19] => {
                let (ca, len) = basic_constraints(v)?;
                c.is_ca = ca;
                c.max_path_len = len;
                c.basic_constraints_valid = true;
            }
            [2, 5, 29, 17] => {
                parse_san(v, c)?;
                if c.dns_names.is_empty()
                    && c.email_addresses.is_empty()
                    && c.ip_addresses.is_empty()
                    && c.uris.is_empty()
                {
                    unhandled = true;
                }
            }
            [2, 5, 29, 30] => {
                unhandled = name_constraints(v, e.critical, c)?;
            }
            [2, 5, 29, 31] => crl_distribution_points(v, c)?,
            [2, 5, 29, 35] => {
                let seq = Der(v)
                    .read(der::SEQUENCE)
                    .ok_or_else(|| anyhow!("x509: invalid authority key identifier"))?;
                let mut s = Der(seq.body);
                if let Some(id) = s
                    .optional(0x80)
                    .ok_or_else(|| anyhow!("x509: invalid authority key identifier"))?
                {
                    c.authority_key_id = Some(id.body.to_vec());
                }
            }
            [2, 5, 29, 37] => {
                let seq = Der(v)
                    .read(der::SEQUENCE)
                    .ok_or_else(|| anyhow!("x509: invalid extended key usages"))?;
                let mut s = Der(seq.body);
                while !s.is_empty() {
                    let o = s
                        .read(der::OID)
                        .and_then(|o| oid_arcs(o.body))
                        .ok_or_else(|| anyhow!("x509: invalid extended key usages"))?;
                    match EXT_KEY_USAGES.iter().find(|(k, _)| *k == o.as_slice()) {
                        Some((_, n)) => c.ext_key_usage.push(*n),
                        None => c.unknown_ext_key_usage.push(o),
                    }
                }
            }
            [2, 5, 29, 14] => {
                let id = Der(v)
                    .read(der::OCTET_STRING)
                    .ok_or_else(|| anyhow!("x509: invalid subject key identifier"))?;
                c.subject_key_id = Some(id.body.to_vec());
            }
            [2, 5, 29, 32] => policies(v, c)?,
            [2, 5, 29, 33] => policy_mappings(v, c)?,
            [2, 5, 29, 36] => policy_constraints(v, c)?,
            [2, 5, 29, 54] => {
                let n = Der(v)
                    .read(der::INTEGER)
                    .and_then(|i| der::int_i64(i.body))
                    .filter(|n| (0..=i64::from(i32::MAX)).contains(n))
                    .ok_or_else(|| anyhow!("x509: invalid inhibit any policy extension"))?;
                c.inhibit_any_policy = n;
                c.inhibit_any_policy_zero = n == 0;
            }
            [2, 5, 29, ..] if e.id.len() == 4 => unhandled = true,
            [1, 3, 6, 1, 5, 5, 7, 1, 1] => authority_info_access(v, c)?,
            _ => unhandled = true,
        }
        if e.critical && unhandled {
            c.unhandled_critical.push(e.id.clone());
        }
    }
    c.extensions = exts;
    Ok(())
}

fn key_usage(v: &[u8]) -> Result<i64> {
    let (bytes, len) = Der(v)
        .read(der::BIT_STRING)
        .and_then(|b| bit_string_bits(b.body))
        .ok_or_else(|| anyhow!("x509: invalid key usage"))?;
    let mut usage = 0i64;
    for i in 0..9.min(len) {
        if bytes[i / 8] & (0x80 >> (i % 8)) != 0 {
            usage |= 1 << i;
        }
    }
    Ok(usage)
}

fn basic_constraints(v: &[u8]) -> Result<(bool, i64)> {
    let bad = || anyhow!("x509: invalid basic constraints");
    let seq = Der(v).read(der::SEQUENCE).ok_or_else(bad)?;
    let mut s = Der(seq.body);
    let mut ca = false;
    if let Some(b) = s.optional(der::BOOLEAN).ok_or_else(bad)? {
        ca = match b.body {
            [0xff] => true,
            [0] => false,
            _ => return Err(bad()),
        };
    }
    let mut len = -1;
    if let Some(i) = s.optional(der::INTEGER).ok_or_else(bad)? {
        len = der::int_i64(i.body)
            .filter(|n| (i64::from(i32::MIN)..=i64::from(i32::MAX)).contains(n))
            .ok_or_else(bad)?;
    }
    Ok((ca, len))
}

fn ia5(b: &[u8]) -> Option<String> {
    b.is_ascii()
        .then(|| String::from_utf8_lossy(b).into_owned())
}

fn parse_san(v: &[u8], c: &mut Cert) -> Result<()> {
    let seq = Der(v)
        .read(der::SEQUENCE)
        .ok_or_else(|| anyhow!("x509: invalid subject alternative names"))?;
    let mut s = Der(seq.body);
    while !s.is_empty() {
        let n = s
            .any()
            .ok_or_else(|| anyhow!("x509: invalid subject alternative name"))?;
        match n.tag {
            0x81 => c
                .email_addresses
                .push(ia5(n.body).ok_or_else(|| anyhow!("x509: SAN rfc822Name is malformed"))?),
            0x82 => c
                .dns_names
                .push(ia5(n.body).ok_or_else(|| anyhow!("x509: SAN dNSName is malformed"))?),
            0x86 => {
                let u = ia5(n.body)
                    .ok_or_else(|| anyhow!("x509: SAN uniformResourceIdentifier is malformed"))?;
                let parsed = super::gourl::parse(&u)
                    .map_err(|e| anyhow!("x509: cannot parse URI {u:?}: {e}"))?;
                if !parsed.host.is_empty() && !valid_domain(&parsed.host) {
                    bail!("x509: cannot parse URI {u:?}: invalid domain");
                }
                c.uris.push(u);
            }
            0x87 => {
                if n.body.len() != 4 && n.body.len() != 16 {
                    bail!("x509: cannot parse IP address of length {}", n.body.len());
                }
                c.ip_addresses.push(n.body.to_vec());
            }
            _ => {}
        }
    }
    Ok(())
}

/// Go's `domainToReverseLabels` succeeding: printable ASCII labels, none empty.
fn valid_domain(d: &str) -> bool {
    if d.is_empty() {
        return true;
    }
    d.split('.')
        .all(|l| !l.is_empty() && l.bytes().all(|b| (33..=126).contains(&b)))
}

/// Go's `parseNameConstraintsExtension`; returns whether the extension was left unhandled.
fn name_constraints(v: &[u8], critical: bool, c: &mut Cert) -> Result<bool> {
    let bad = || anyhow!("x509: invalid NameConstraints extension");
    let seq = Der(v).read(der::SEQUENCE).ok_or_else(bad)?;
    let mut s = Der(seq.body);
    let permitted = s.optional(0xa0).ok_or_else(bad)?;
    let excluded = s.optional(0xa1).ok_or_else(bad)?;
    if permitted.is_none() && excluded.is_none() || !s.is_empty() {
        bail!("x509: empty name constraints extension");
    }
    let mut unhandled = false;
    type Lists = (
        Vec<String>,
        Vec<(Vec<u8>, Vec<u8>)>,
        Vec<String>,
        Vec<String>,
    );
    let mut subtrees = |t: Option<Tlv>| -> Result<Lists> {
        let mut out: Lists = Default::default();
        let Some(t) = t else { return Ok(out) };
        let mut d = Der(t.body);
        while !d.is_empty() {
            let st = d.read(der::SEQUENCE).ok_or_else(bad)?;
            let mut st = Der(st.body);
            let base = st.any().ok_or_else(bad)?;
            if !st.is_empty() {
                bail!("x509: NameConstraints contains non-default minimum or maximum fields");
            }
            let b = base.body;
            match base.tag {
                0x82 => {
                    let s = ia5(b).ok_or_else(|| anyhow!("x509: invalid constraint value"))?;
                    let trimmed = s.strip_prefix('.').unwrap_or(&s);
                    if !valid_domain(trimmed) {
                        bail!("x509: failed to parse dnsName constraint {s:?}");
                    }
                    out.0.push(s);
                }
                0x87 => {
                    let l = b.len();
                    if l != 8 && l != 32 {
                        bail!("x509: IP constraint contained value of length {l}");
                    }
                    let (ip, mask) = b.split_at(l / 2);
                    if !canonical_mask(mask) {
                        bail!("x509: IP constraint contained invalid mask {mask:x?}");
                    }
                    out.1.push((ip.to_vec(), mask.to_vec()));
                }
                0x81 => {
                    let s = ia5(b).ok_or_else(|| anyhow!("x509: invalid constraint value"))?;
                    out.2.push(s);
                }
                0x86 => {
                    let s = ia5(b).ok_or_else(|| anyhow!("x509: invalid constraint value"))?;
                    if s.parse::<std::net::IpAddr>().is_ok() {
                        bail!("x509: failed to parse URI constraint {s:?}: cannot be IP address");
                    }
                    out.3.push(s);
                }
                _ => unhandled = true,
            }
        }
        Ok(out)
    };
    let p = subtrees(permitted)?;
    let x = subtrees(excluded)?;
    c.permitted_dns_critical = critical;
    (
        c.permitted_dns,
        c.permitted_ips,
        c.permitted_emails,
        c.permitted_uris,
    ) = p;
    (
        c.excluded_dns,
        c.excluded_ips,
        c.excluded_emails,
        c.excluded_uris,
    ) = x;
    Ok(unhandled)
}

fn canonical_mask(m: &[u8]) -> bool {
    let bits: Vec<bool> = m
        .iter()
        .flat_map(|b| (0..8).map(move |i| b & (0x80 >> i) != 0))
        .collect();
    bits.windows(2).all(|w| w[0] || !w[1])
}

fn crl_distribution_points(v: &[u8], c: &mut Cert) -> Result<()> {
    let bad = || anyhow!("x509: invalid CRL distribution points");
    let seq = Der(v).read(der::SEQUENCE).ok_or_else(bad)?;
    let mut s = Der(seq.body);
    while !s.is_empty() {
        let dp = s.read(der::SEQUENCE).ok_or_else(bad)?;
        let mut dp = Der(dp.body);
        let Some(name) = dp.optional(0xa0).ok_or_else(bad)? else {
            continue;
        };
        let mut name = Der(name.body);
        let Some(full) = name.optional(0xa0).ok_or_else(bad)? else {
            continue;
        };
        let mut full = Der(full.body);
        while !full.is_empty() {
            let n = full.any().ok_or_else(bad)?;
            if n.tag == 0x86 {
                c.crl_distribution_points
                    .push(String::from_utf8_lossy(n.body).into_owned());
            }
        }
    }
    Ok(())
}

fn authority_info_access(v: &[u8], c: &mut Cert) -> Result<()> {
    let bad = || anyhow!("x509: invalid authority info access");
    let seq = Der(v).read(der::SEQUENCE).ok_or_else(bad)?;
    let mut s = Der(seq.body);
    while !s.is_empty() {
        let ad = s.read(der::SEQUENCE).ok_or_else(bad)?;
        let mut ad = Der(ad.body);
        let method = ad
            .read(der::OID)
            .and_then(|o| oid_arcs(o.body))
            .ok_or_else(bad)?;
        let Some(loc) = ad.any() else {
            return Err(bad());
        };
        if loc.tag != 0x86 {
            continue;
        }
        let url = String::from_utf8_lossy(loc.body).into_owned();
        match method.as_slice() {
            [1, 3, 6, 1, 5, 5, 7, 48, 1] => c.ocsp_server.push(url),
            [1, 3, 6, 1, 5, 5, 7, 48, 2] => c.issuing_certificate_url.push(url),
            _ => {}
        }
    }
    Ok(())
}

/// The dotted text of an OID's DER content, as Go's `x509.OID` marshals (no 31-bit limit).
fn oid_text(body: &[u8]) -> Option<String> {
    if body.is_empty() || body.last()? & 0x80 != 0 {
        return None;
    }
    let mut parts: Vec<rsa::BigUint> = Vec::new();
    let mut v = rsa::BigUint::from(0u8);
    let mut start = true;
    for &b in body {
        if start && b == 0x80 {
            return None;
        }
        start = false;
        v = (v << 7usize) + rsa::BigUint::from(b & 0x7f);
        if b & 0x80 == 0 {
            parts.push(std::mem::replace(&mut v, rsa::BigUint::from(0u8)));
            start = true;
        }
    }
    let first = parts.remove(0);
    let forty = rsa::BigUint::from(40u8);
    let eighty = rsa::BigUint::from(80u8);
    let (a, b) = if first < forty {
        ("0".to_string(), first.to_string())
    } else if first < eighty {
        ("1".to_string(), (first - forty).to_string())
    } else {
        ("2".to_string(), (first - eighty).to_string())
    };
    let mut out = vec![a, b];
    out.extend(parts.iter().map(|p| p.to_string()));
    Some(out.join("."))
}

fn policies(v: &[u8], c: &mut Cert) -> Result<()> {
    let bad = || anyhow!("x509: invalid certificate policies");
    let seq = Der(v).read(der::SEQUENCE).ok_or_else(bad)?;
    let mut s = Der(seq.body);
    while !s.is_empty() {
        let pi = s.read(der::SEQUENCE).ok_or_else(bad)?;
        let o = Der(pi.body).read(der::OID).ok_or_else(bad)?;
        c.policies.push(oid_text(o.body).ok_or_else(bad)?);
        // PolicyIdentifiers holds only the OIDs whose arcs fit Go's int.
        if let Some(arcs) = oid_arcs(o.body) {
            c.policy_identifiers.push(arcs);
        }
    }
    Ok(())
}

fn policy_mappings(v: &[u8], c: &mut Cert) -> Result<()> {
    let bad = || anyhow!("x509: invalid policy mappings extension");
    let seq = Der(v).read(der::SEQUENCE).ok_or_else(bad)?;
    let mut s = Der(seq.body);
    while !s.is_empty() {
        let m = s.read(der::SEQUENCE).ok_or_else(bad)?;
        let mut m = Der(m.body);
        let a = m.read(der::OID).and_then(|o| oid_text(o.body));
        let b = m.read(der::OID).and_then(|o| oid_text(o.body));
        let (Some(a), Some(b)) = (a, b) else {
            return Err(bad());
        };
        c.policy_mappings.push((a, b));
    }
    Ok(())
}

fn policy_constraints(v: &[u8], c: &mut Cert) -> Result<()> {
    let bad = || anyhow!("x509: invalid policy constraints extension");
    let seq = Der(v).read(der::SEQUENCE).ok_or_else(bad)?;
    let mut s = Der(seq.body);
    let mut int = |tag: u8| -> Result<Option<i64>> {
        match s.optional(tag).ok_or_else(bad)? {
            Some(t) => Ok(Some(
                der::int_i64(t.body)
                    .filter(|n| (0..=i64::from(i32::MAX)).contains(n))
                    .ok_or_else(bad)?,
            )),
            None => Ok(None),
        }
    };
    if let Some(n) = int(0x80)? {
        c.require_explicit_policy = n;
        c.require_explicit_policy_zero = n == 0;
    }
    if let Some(n) = int(0x81)? {
        c.inhibit_policy_mapping = n;
        c.inhibit_policy_mapping_zero = n == 0;
    }
    Ok(())
}

// ---- Go's encoding/json view ----

fn obj(fields: Vec<(&str, Value)>) -> Value {
    Value::from(
        fields
            .into_iter()
            .map(|(k, v)| (Value::from(k), v))
            .collect::<BTreeMap<_, _>>(),
    )
}

fn b64(b: &[u8]) -> Value {
    Value::from(STANDARD.encode(b))
}

fn opt_b64(b: &Option<Vec<u8>>) -> Value {
    b.as_deref().map_or(Value::Null, b64)
}

/// A Go slice: `null` when empty (nil), else an array.
fn list<T>(items: &[T], f: impl Fn(&T) -> Value) -> Value {
    if items.is_empty() {
        Value::Null
    } else {
        Value::from(items.iter().map(f).collect::<Vec<_>>())
    }
}

fn strs(items: &[String]) -> Value {
    list(items, |s| Value::from(s.as_str()))
}

fn arcs(a: &[u64]) -> Value {
    Value::from(a.iter().map(|&n| Value::from(n)).collect::<Vec<_>>())
}

fn big(bytes: &[u8]) -> Value {
    let digits = rsa::BigUint::from_bytes_be(bytes).to_string();
    Value::from_numeric_string(&digits).unwrap_or(Value::Null)
}

/// `net.IP.String()`: dotted IPv4 (also for IPv4-mapped IPv6), else RFC 5952 IPv6.
pub fn ip_text(b: &[u8]) -> String {
    match b.len() {
        4 => Ipv4Addr::new(b[0], b[1], b[2], b[3]).to_string(),
        16 => {
            let mut a = [0u8; 16];
            a.copy_from_slice(b);
            let v6 = Ipv6Addr::from(a);
            if a[..10].iter().all(|&x| x == 0) && a[10] == 0xff && a[11] == 0xff {
                Ipv4Addr::new(a[12], a[13], a[14], a[15]).to_string()
            } else {
                v6.to_string()
            }
        }
        0 => String::new(),
        _ => format!("?{}", hex(b)),
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn ipnets(items: &[(Vec<u8>, Vec<u8>)]) -> Value {
    list(items, |(ip, mask)| {
        obj(vec![("IP", Value::from(ip_text(ip))), ("Mask", b64(mask))])
    })
}

impl Name {
    /// `pkix.Name` as Go's `FillFromRDNSequence` fills it and `encoding/json` writes it.
    pub fn to_value(&self) -> Value {
        let pick = |arc: u64| -> Vec<String> {
            self.names
                .iter()
                .filter(|(t, _)| t.len() == 4 && t[..3] == [2, 5, 4] && t[3] == arc)
                .map(|(_, v)| v.clone())
                .collect()
        };
        let last = |arc: u64| pick(arc).pop().unwrap_or_default();
        obj(vec![
            ("Country", strs(&pick(6))),
            ("Organization", strs(&pick(10))),
            ("OrganizationalUnit", strs(&pick(11))),
            ("Locality", strs(&pick(7))),
            ("Province", strs(&pick(8))),
            ("StreetAddress", strs(&pick(9))),
            ("PostalCode", strs(&pick(17))),
            ("SerialNumber", Value::from(last(5))),
            ("CommonName", Value::from(last(3))),
            (
                "Names",
                list(&self.names, |(t, v)| {
                    obj(vec![("Type", arcs(t)), ("Value", Value::from(v.as_str()))])
                }),
            ),
            ("ExtraNames", Value::Null),
        ])
    }
}

impl PublicKey {
    pub fn to_value(&self) -> Value {
        match self {
            PublicKey::None => Value::Null,
            PublicKey::Rsa { n, e } => obj(vec![("N", big(n)), ("E", Value::from(*e))]),
            PublicKey::Ecdsa { point, .. } => {
                let xy = &point[1..];
                let (x, y) = xy.split_at(xy.len() / 2);
                // Go's curves have only unexported fields: `{}`.
                obj(vec![
                    ("Curve", Value::new_object()),
                    ("X", big(x)),
                    ("Y", big(y)),
                ])
            }
            PublicKey::Ed25519(k) => b64(k),
            // `dsa.Parameters` is embedded in `dsa.PublicKey`: its fields are promoted.
            PublicKey::Dsa { p, q, g, y } => obj(vec![
                ("P", big(p)),
                ("Q", big(q)),
                ("G", big(g)),
                ("Y", big(y)),
            ]),
        }
    }
}

impl Cert {
    /// Go's `x509.Certificate` as `encoding/json` writes it; `uri_strings` adds OPA's
    /// `URIStrings` (which `parse_and_verify_certificates_with_options` leaves out).
    pub fn to_value(&self, uri_strings: bool) -> Value {
        let mut f = vec![
            ("Raw", b64(&self.raw)),
            ("RawTBSCertificate", b64(&self.tbs)),
            ("RawSubjectPublicKeyInfo", b64(&self.spki)),
            ("RawSubject", b64(&self.raw_subject)),
            ("RawIssuer", b64(&self.raw_issuer)),
            ("Signature", b64(&self.signature)),
            ("SignatureAlgorithm", Value::from(u64::from(self.sig_alg))),
            ("PublicKeyAlgorithm", Value::from(u64::from(self.pk_alg))),
            ("PublicKey", self.public_key.to_value()),
            ("Version", Value::from(self.version)),
            (
                "SerialNumber",
                Value::from_numeric_string(&self.serial).unwrap_or(Value::Null),
            ),
            ("Issuer", self.issuer.to_value()),
            ("Subject", self.subject.to_value()),
            ("NotBefore", Value::from(self.not_before.rfc3339())),
            ("NotAfter", Value::from(self.not_after.rfc3339())),
            ("KeyUsage", Value::from(self.key_usage)),
            (
                "Extensions",
                list(&self.extensions, |e| {
                    obj(vec![
                        ("Id", arcs(&e.id)),
                        ("Critical", Value::from(e.critical)),
                        ("Value", b64(&e.value)),
                    ])
                }),
            ),
            ("ExtraExtensions", Value::Null),
            (
                "UnhandledCriticalExtensions",
                list(&self.unhandled_critical, |a| arcs(a)),
            ),
            (
                "ExtKeyUsage",
                list(&self.ext_key_usage, |&n| Value::from(n)),
            ),
            (
                "UnknownExtKeyUsage",
                list(&self.unknown_ext_key_usage, |a| arcs(a)),
            ),
            (
                "BasicConstraintsValid",
                Value::from(self.basic_constraints_valid),
            ),
            ("IsCA", Value::from(self.is_ca)),
            ("MaxPathLen", Value::from(self.max_path_len)),
            (
                "MaxPathLenZero",
                Value::from(self.basic_constraints_valid && self.max_path_len == 0),
            ),
            ("SubjectKeyId", opt_b64(&self.subject_key_id)),
            ("AuthorityKeyId", opt_b64(&self.authority_key_id)),
            ("OCSPServer", strs(&self.ocsp_server)),
            ("IssuingCertificateURL", strs(&self.issuing_certificate_url)),
            ("DNSNames", strs(&self.dns_names)),
            ("EmailAddresses", strs(&self.email_addresses)),
            (
                "IPAddresses",
                list(&self.ip_addresses, |ip| Value::from(ip_text(ip))),
            ),
            (
                "URIs",
                list(&self.uris, |u| {
                    super::gourl::parse(u)
                        .map(|u| u.to_value())
                        .unwrap_or(Value::Null)
                }),
            ),
            (
                "PermittedDNSDomainsCritical",
                Value::from(self.permitted_dns_critical),
            ),
            ("PermittedDNSDomains", strs(&self.permitted_dns)),
            ("ExcludedDNSDomains", strs(&self.excluded_dns)),
            ("PermittedIPRanges", ipnets(&self.permitted_ips)),
            ("ExcludedIPRanges", ipnets(&self.excluded_ips)),
            ("PermittedEmailAddresses", strs(&self.permitted_emails)),
            ("ExcludedEmailAddresses", strs(&self.excluded_emails)),
            ("PermittedURIDomains", strs(&self.permitted_uris)),
            ("ExcludedURIDomains", strs(&self.excluded_uris)),
            ("CRLDistributionPoints", strs(&self.crl_distribution_points)),
            (
                "PolicyIdentifiers",
                list(&self.policy_identifiers, |a| arcs(a)),
            ),
            ("Policies", strs(&self.policies)),
            ("InhibitAnyPolicy", Value::from(self.inhibit_any_policy)),
            (
                "InhibitAnyPolicyZero",
                Value::from(self.inhibit_any_policy_zero),
            ),
            (
                "InhibitPolicyMapping",
                Value::from(self.inhibit_policy_mapping),
            ),
            (
                "InhibitPolicyMappingZero",
                Value::from(self.inhibit_policy_mapping_zero),
            ),
            (
                "RequireExplicitPolicy",
                Value::from(self.require_explicit_policy),
            ),
            (
                "RequireExplicitPolicyZero",
                Value::from(self.require_explicit_policy_zero),
            ),
            (
                "PolicyMappings",
                list(&self.policy_mappings, |(a, b)| {
                    obj(vec![
                        ("IssuerDomainPolicy", Value::from(a.as_str())),
                        ("SubjectDomainPolicy", Value::from(b.as_str())),
                    ])
                }),
            ),
        ];
        if uri_strings {
            let v = if self.uris.is_empty() {
                Value::Null
            } else {
                Value::from(
                    self.uris
                        .iter()
                        .map(|u| {
                            Value::from(
                                super::gourl::parse(u).map(|p| p.text()).unwrap_or_default(),
                            )
                        })
                        .collect::<Vec<_>>(),
                )
            };
            f.push(("URIStrings", v));
        }
        obj(f)
    }
}

/// `x509.ParseCertificateRequest` as Go's `encoding/json` writes the `CertificateRequest`
/// (the signature is not checked, as in Go; only the SAN extension fills fields).
pub fn parse_csr(der_bytes: &[u8]) -> Result<Value> {
    let bad = || anyhow!("asn1: structure error: tags don't match");
    let mut d = Der(der_bytes);
    let csr = d.read(der::SEQUENCE).ok_or_else(bad)?;
    if !d.is_empty() {
        bail!("asn1: syntax error: trailing data");
    }
    let mut c = Der(csr.body);
    let tbs_t = c.read(der::SEQUENCE).ok_or_else(bad)?;
    let ai = c.read(der::SEQUENCE).ok_or_else(bad)?;
    let sig = c
        .read(der::BIT_STRING)
        .and_then(|s| bit_string(s.body))
        .ok_or_else(bad)?;
    let mut tbs = Der(tbs_t.body);
    let version = tbs
        .read(der::INTEGER)
        .and_then(|i| der::int_i64(i.body))
        .ok_or_else(bad)?;
    let subject = tbs.read(der::SEQUENCE).ok_or_else(bad)?;
    let spki = tbs.read(der::SEQUENCE).ok_or_else(bad)?;
    let attrs = tbs.read(0xa0).ok_or_else(bad)?;
    let (pk_alg, public_key) = parse_spki(spki.body)?;
    if pk_alg == 0 {
        bail!("x509: unknown public key algorithm");
    }
    let mut out = Cert {
        raw: csr.full.to_vec(),
        tbs: tbs_t.full.to_vec(),
        spki: spki.full.to_vec(),
        raw_subject: subject.full.to_vec(),
        raw_issuer: Vec::new(),
        signature: sig,
        sig_alg: signature_algorithm(ai.body),
        pk_alg,
        public_key,
        version,
        serial: String::new(),
        issuer: Name::default(),
        subject: parse_name(subject.body)?,
        not_before: GoTime { unix: 0, offset: 0 },
        not_after: GoTime { unix: 0, offset: 0 },
        ..Cert::default()
    };
    // Attributes: Go's deprecated `Attributes` keeps those that read as a SET of SEQUENCEs of
    // (OID, simple value); the extensionRequest attribute gives `Extensions`.
    let mut attributes = Vec::new();
    let mut a = Der(attrs.body);
    while !a.is_empty() {
        let attr = a.any().ok_or_else(bad)?;
        if let Some((ty, values, exts)) = csr_attribute(attr) {
            attributes.push(obj(vec![("Type", arcs(&ty)), ("Value", values)]));
            out.extensions.extend(exts);
        }
    }
    let sans: Vec<Vec<u8>> = out
        .extensions
        .iter()
        .filter(|e| e.id == [2, 5, 29, 17])
        .map(|e| e.value.clone())
        .collect();
    for v in sans {
        parse_san(&v, &mut out)?;
    }
    Ok(obj(vec![
        ("Raw", b64(&out.raw)),
        ("RawTBSCertificateRequest", b64(&out.tbs)),
        ("RawSubjectPublicKeyInfo", b64(&out.spki)),
        ("RawSubject", b64(&out.raw_subject)),
        ("Version", Value::from(out.version)),
        ("Signature", b64(&out.signature)),
        ("SignatureAlgorithm", Value::from(u64::from(out.sig_alg))),
        ("PublicKeyAlgorithm", Value::from(u64::from(out.pk_alg))),
        ("PublicKey", out.public_key.to_value()),
        ("Subject", out.subject.to_value()),
        ("Attributes", list(&attributes, Clone::clone)),
        (
            "Extensions",
            list(&out.extensions, |e| {
                obj(vec![
                    ("Id", arcs(&e.id)),
                    ("Critical", Value::from(e.critical)),
                    ("Value", b64(&e.value)),
                ])
            }),
        ),
        ("ExtraExtensions", Value::Null),
        ("DNSNames", strs(&out.dns_names)),
        ("EmailAddresses", strs(&out.email_addresses)),
        (
            "IPAddresses",
            list(&out.ip_addresses, |ip| Value::from(ip_text(ip))),
        ),
        (
            "URIs",
            list(&out.uris, |u| {
                super::gourl::parse(u)
                    .map(|u| u.to_value())
                    .unwrap_or(Value::Null)
            }),
        ),
    ]))
}

/// One CSR attribute as Go's `pkix.AttributeTypeAndValueSET`, and the extensions it requests.
fn csr_attribute(attr: Tlv) -> Option<(Vec<u64>, Value, Vec<Extension>)> {
    if attr.tag != der::SEQUENCE {
        return None;
    }
    let mut a = Der(attr.body);
    let ty = oid_arcs(a.read(der::OID)?.body)?;
    let set = a.read(der::SET)?;
    let is_ext_request = ty == [1, 2, 840, 113549, 1, 9, 14];
    let mut values = Vec::new();
    let mut exts = Vec::new();
    let mut s = Der(set.body);
    while !s.is_empty() {
        let seq = s.read(der::SEQUENCE)?;
        let mut items = Vec::new();
        let mut q = Der(seq.body);
        while !q.is_empty() {
            let atv = q.read(der::SEQUENCE)?;
            let mut t = Der(atv.body);
            let id = oid_arcs(t.read(der::OID)?.body)?;
            let v = t.any()?;
            let value = match v.tag {
                der::OCTET_STRING => b64(v.body),
                der::BOOLEAN => Value::from(v.body == [0xff]),
                der::INTEGER => {
                    Value::from_numeric_string(&int_decimal(v.body)).unwrap_or(Value::Null)
                }
                der::OID => arcs(&oid_arcs(v.body)?),
                tag => Value::from(asn1_string(tag, v.body).ok()?),
            };
            if is_ext_request {
                let mut e = Der(atv.full);
                exts.push(parse_extension(&mut e).ok()?);
            }
            items.push(obj(vec![("Type", arcs(&id)), ("Value", value)]));
        }
        values.push(Value::from(items));
    }
    Some((ty, Value::from(values), exts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::builtins::der::pem_decode;

    const DATA: &str = include_str!("../../tests/opa/trees/builtins/x509-certs/data.json");

    /// Every DER structure of the side-by-side tree, truncated at every length and with every
    /// byte flipped: parsing, writing and verifying never panic.
    #[test]
    fn mangled_certificates_never_panic() {
        let data: serde_json::Value = serde_json::from_str(DATA).unwrap();
        let mut ders = Vec::new();
        for v in data["certs"].as_object().unwrap().values() {
            let mut rest = v.as_str().unwrap().as_bytes();
            while let Some((_, der, r)) = pem_decode(rest) {
                ders.push(der);
                rest = r;
            }
        }
        ders.sort();
        ders.dedup();
        assert!(ders.len() > 10);
        let opts = crate::builtins::verify::Options::default();
        for der in &ders {
            let mut variants: Vec<Vec<u8>> = (0..der.len()).map(|n| der[..n].to_vec()).collect();
            for i in 0..der.len() {
                let mut d = der.clone();
                d[i] ^= 0xff;
                variants.push(d);
            }
            for (n, v) in variants.into_iter().enumerate() {
                if let Ok(certs) = parse_all(&v) {
                    for c in &certs {
                        let _ = c.to_value(true);
                    }
                    // Signature checks are slow in a debug build: a sample of them.
                    if n % 16 == 0 {
                        let mut chain: Vec<Cert> = parse_all(der).unwrap_or_default();
                        chain.extend(certs);
                        let _ = crate::builtins::verify::verify_chain(&chain, &opts);
                    }
                }
                let _ = parse_csr(&v);
                let _ = crate::builtins::keys::pkcs8(&v);
                let _ = crate::builtins::keys::sec1(&v);
            }
        }
    }

    #[test]
    fn go_time_text() {
        let t = GoTime {
            unix: 0,
            offset: 3600,
        };
        assert_eq!(t.rfc3339(), "1970-01-01T01:00:00+01:00");
        let mut d = Der(b"\x17\x0d491231235959Z");
        assert_eq!(
            parse_time(&mut d).unwrap().rfc3339(),
            "2049-12-31T23:59:59Z"
        );
        let mut d = Der(b"\x17\x0d501231235959Z");
        assert_eq!(
            parse_time(&mut d).unwrap().rfc3339(),
            "1950-12-31T23:59:59Z"
        );
    }
}
