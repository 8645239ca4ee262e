//! Strict DER reading, PEM blocks and base64 as Go's `cryptobyte`, `encoding/pem` and
//! `encoding/base64` read them: what the `crypto.x509.*` builtins need to accept and refuse the
//! same inputs as OPA.

use anyhow::{bail, Result};
use base64::alphabet::STANDARD as ALPHABET;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::DecodePaddingMode;
use base64::Engine as _;

pub const SEQUENCE: u8 = 0x30;
pub const SET: u8 = 0x31;
pub const INTEGER: u8 = 0x02;
pub const BIT_STRING: u8 = 0x03;
pub const OCTET_STRING: u8 = 0x04;
pub const NULL: u8 = 0x05;
pub const OID: u8 = 0x06;
pub const BOOLEAN: u8 = 0x01;
pub const UTC_TIME: u8 = 0x17;
pub const GENERALIZED_TIME: u8 = 0x18;

/// One element: its tag, its content, and the whole encoding (tag and length included).
#[derive(Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    pub body: &'a [u8],
    pub full: &'a [u8],
}

/// A cursor over DER elements.
#[derive(Clone, Copy)]
pub struct Der<'a>(pub &'a [u8]);

impl<'a> Der<'a> {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn peek(&self) -> Option<u8> {
        self.0.first().copied()
    }

    /// The next element; lengths must be minimal (DER), tags one byte (all X.509 uses).
    pub fn any(&mut self) -> Option<Tlv<'a>> {
        let b = self.0;
        let (&tag, rest) = b.split_first()?;
        if tag & 0x1f == 0x1f {
            return None;
        }
        let (&l0, rest) = rest.split_first()?;
        let (len, rest) = if l0 < 0x80 {
            (l0 as usize, rest)
        } else {
            let n = (l0 & 0x7f) as usize;
            if n == 0 || n > 4 || rest.len() < n || rest[0] == 0 {
                return None;
            }
            let len = rest[..n].iter().fold(0usize, |a, &x| (a << 8) | x as usize);
            if len < 0x80 {
                return None;
            }
            (len, &rest[n..])
        };
        if rest.len() < len {
            return None;
        }
        let head = b.len() - rest.len();
        let t = Tlv {
            tag,
            body: &rest[..len],
            full: &b[..head + len],
        };
        self.0 = &rest[len..];
        Some(t)
    }

    /// The next element, which must carry `tag`.
    pub fn read(&mut self, tag: u8) -> Option<Tlv<'a>> {
        if self.peek()? != tag {
            return None;
        }
        self.any()
    }

    /// The next element if it carries `tag`; `Ok(None)` when another tag (or nothing) follows.
    pub fn optional(&mut self, tag: u8) -> Option<Option<Tlv<'a>>> {
        if self.peek() != Some(tag) {
            return Some(None);
        }
        self.any().map(Some)
    }
}

/// An OBJECT IDENTIFIER's arcs, as Go's `asn1.ObjectIdentifier` holds them (`None` when an
/// arc overflows 31 bits, as Go refuses then).
pub fn oid_arcs(body: &[u8]) -> Option<Vec<u64>> {
    if body.is_empty() || body.last()? & 0x80 != 0 {
        return None;
    }
    let mut arcs = Vec::new();
    let mut v: u64 = 0;
    let mut first = true;
    let mut start = true;
    for &b in body {
        if start && b == 0x80 {
            return None; // non-minimal encoding
        }
        start = false;
        v = (v << 7) | u64::from(b & 0x7f);
        if v > u64::from(u32::MAX >> 1) {
            return None;
        }
        if b & 0x80 == 0 {
            if first {
                let (a, b) = if v < 80 {
                    (v / 40, v % 40)
                } else {
                    (2, v - 80)
                };
                arcs.push(a);
                arcs.push(b);
                first = false;
            } else {
                arcs.push(v);
            }
            v = 0;
            start = true;
        }
    }
    Some(arcs)
}

/// Dotted text of an OID's arcs.
pub fn dotted(arcs: &[u64]) -> String {
    arcs.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

/// A DER INTEGER's content as a decimal string (two's complement, any size).
pub fn int_decimal(body: &[u8]) -> String {
    let neg = body.first().is_some_and(|b| b & 0x80 != 0);
    let mut mag = body.to_vec();
    if neg {
        // Magnitude of a negative two's complement number: invert and add one.
        for b in mag.iter_mut() {
            *b = !*b;
        }
        for b in mag.iter_mut().rev() {
            let (v, carry) = b.overflowing_add(1);
            *b = v;
            if !carry {
                break;
            }
        }
    }
    let digits = rsa::BigUint::from_bytes_be(&mag).to_string();
    if neg && digits != "0" {
        format!("-{digits}")
    } else {
        digits
    }
}

/// Whether a DER INTEGER's content is minimally encoded (Go refuses otherwise).
pub fn int_ok(body: &[u8]) -> bool {
    match body {
        [] => false,
        [0, b, ..] => b & 0x80 != 0,
        [0xff, b, ..] => b & 0x80 == 0,
        _ => true,
    }
}

/// A small non-negative-or-negative DER INTEGER as i64 (Go's `ReadASN1Integer` into an int).
pub fn int_i64(body: &[u8]) -> Option<i64> {
    if !int_ok(body) || body.len() > 8 {
        return None;
    }
    let mut v: i64 = if body[0] & 0x80 != 0 { -1 } else { 0 };
    for &b in body {
        v = (v << 8) | i64::from(b);
    }
    Some(v)
}

/// Go's `base64.StdEncoding`: padding required, `\r` and `\n` skipped, trailing bits allowed.
pub fn go_base64(s: &str) -> Result<Vec<u8>> {
    const GO_STD: GeneralPurpose = GeneralPurpose::new(
        &ALPHABET,
        GeneralPurposeConfig::new()
            .with_decode_allow_trailing_bits(true)
            .with_decode_padding_mode(DecodePaddingMode::RequireCanonical),
    );
    let clean: Vec<u8> = s.bytes().filter(|&b| b != b'\r' && b != b'\n').collect();
    match GO_STD.decode(&clean) {
        Ok(v) => Ok(v),
        Err(_) => bail!(
            "illegal base64 data at input byte {}",
            bad_b64_offset(&clean)
        ),
    }
}

/// Where Go's decoder stops on bad base64 (the first byte outside the alphabet, else the end).
fn bad_b64_offset(s: &[u8]) -> usize {
    s.iter()
        .position(|&b| !(b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='))
        .unwrap_or(s.len().saturating_sub(s.len() % 4))
}

/// One PEM block as Go's `pem.Decode` finds it: (type, bytes, rest), or `None` when the input
/// holds no further well-formed block.
pub fn pem_decode(data: &[u8]) -> Option<(String, Vec<u8>, &[u8])> {
    const START: &[u8] = b"\n-----BEGIN ";
    const END: &[u8] = b"\n-----END ";
    const EOL: &[u8] = b"-----";
    let mut rest = data;
    loop {
        if rest.starts_with(&START[1..]) {
            rest = &rest[START.len() - 1..];
        } else if let Some(i) = find(rest, START) {
            rest = &rest[i + START.len()..];
        } else {
            return None;
        }
        let (type_line, after) = get_line(rest);
        rest = after;
        let Some(ty) = type_line.strip_suffix(EOL) else {
            continue;
        };
        let mut headers = 0;
        let mut truncated = false;
        loop {
            if rest.is_empty() {
                truncated = true;
                break;
            }
            let (line, next) = get_line(rest);
            if !line.contains(&b':') {
                break;
            }
            headers += 1;
            rest = next;
        }
        if truncated {
            return None;
        }
        let (end_index, trailer_index) = if headers == 0 && rest.starts_with(&END[1..]) {
            (0, END.len() - 1)
        } else {
            match find(rest, END) {
                Some(i) => (i, i + END.len()),
                None => continue,
            }
        };
        let trailer = &rest[trailer_index..];
        let trailer_len = ty.len() + EOL.len();
        if trailer.len() < trailer_len {
            continue;
        }
        let (end_line, rest_of_end) = trailer.split_at(trailer_len);
        if !end_line.starts_with(ty) || !end_line.ends_with(EOL) {
            continue;
        }
        if !get_line(rest_of_end).0.is_empty() {
            continue;
        }
        let b64: Vec<u8> = rest[..end_index]
            .iter()
            .copied()
            .filter(|&b| b != b' ' && b != b'\t')
            .collect();
        let Ok(bytes) = go_base64(&String::from_utf8_lossy(&b64)) else {
            continue;
        };
        let (_, after) = get_line(&rest[end_index + END.len() - 1..]);
        return Some((String::from_utf8_lossy(ty).into_owned(), bytes, after));
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Go's pem `getLine`: the line without its `\r\n`/`\n` and trailing spaces and tabs, and the rest.
fn get_line(data: &[u8]) -> (&[u8], &[u8]) {
    let (mut i, j) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (i, i + 1),
        None => (data.len(), data.len()),
    };
    if j > i && i > 0 && data[i - 1] == b'\r' {
        i -= 1;
    }
    let mut line = &data[..i];
    while let [rest @ .., b' ' | b'\t'] = line {
        line = rest;
    }
    (line, &data[j..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_strict_der() {
        let mut d = Der(&[0x30, 0x03, 0x02, 0x01, 0x05, 0xff]);
        let t = d.read(SEQUENCE).unwrap();
        assert_eq!(t.body, &[0x02, 0x01, 0x05]);
        assert_eq!(d.0, &[0xff]);
        // Long form for a short length is not DER.
        assert!(Der(&[0x04, 0x81, 0x01, 0x00]).any().is_none());
        assert!(Der(&[0x04, 0x05, 0x00]).any().is_none());
    }

    #[test]
    fn integers_and_oids() {
        assert_eq!(int_decimal(&[0x00, 0xff]), "255");
        assert_eq!(int_decimal(&[0xff]), "-1");
        assert_eq!(int_decimal(&[0x80, 0x00]), "-32768");
        assert!(!int_ok(&[0x00, 0x01]));
        assert_eq!(int_i64(&[0xff, 0x7f]), Some(-129));
        assert_eq!(
            oid_arcs(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0b]),
            Some(vec![1, 2, 840, 113549, 1, 1, 11])
        );
        assert_eq!(oid_arcs(&[0x55, 0x1d, 0x11]), Some(vec![2, 5, 29, 17]));
        assert_eq!(oid_arcs(&[0x2a, 0x80, 0x01]), None);
    }

    #[test]
    fn pem_as_go_reads_it() {
        let t = b"junk\n-----BEGIN X-----\nAAEC\n-----END X-----\nrest";
        let (ty, bytes, rest) = pem_decode(t).unwrap();
        assert_eq!(
            (ty.as_str(), bytes, rest),
            ("X", vec![0, 1, 2], &b"rest"[..])
        );
        assert!(pem_decode(b"-----BEGIN X-----\nAAEC\n-----END Y-----\n").is_none());
        assert!(pem_decode(b"-----BEGIN X-----\nAAEC").is_none());
    }
}
