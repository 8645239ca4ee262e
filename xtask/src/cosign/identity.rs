//! Keyless verification, as `cosign verify --certificate-identity[-regexp] X
//! --certificate-oidc-issuer[-regexp] Y` checks a `.sig` signature: the certificate on the
//! layer (`dev.sigstore.cosign/certificate`, chain in `.../chain`) chains to a Fulcio CA of the
//! trusted root at the log entry's integrated time (code-signing usage, Go's `x509.Verify`
//! reused from the OPA builtins), its embedded SCT verifies with a CT log key of the trusted
//! root (unless `--insecure-ignore-sct`), its SAN and OIDC issuer extension match, the
//! signature verifies with its key over a payload naming the digest, and the log entry verifies
//! and names that signature and key.

use std::path::Path;

use anyhow::{anyhow, bail, Context, Result};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use p256::pkcs8::DecodePublicKey;
use sha2::{Digest, Sha256};

use super::rekor;
use super::signature::{
    verify_bytes, LogPolicy, Verified, CERTIFICATE_ANNOTATION, CHAIN_ANNOTATION,
    SIGNATURE_ANNOTATION, SIMPLESIGNING,
};
use super::trust::{parse_spki, LogKey};
use crate::oci::{self, Manifest, Store};
use crate::policy::pki::{certs, der, verify as x509};

/// Fulcio's OIDC issuer extensions: v2 (DER UTF8String) and the deprecated raw v1.
const OID_ISSUER_V2: &[u64] = &[1, 3, 6, 1, 4, 1, 57264, 1, 8];
const OID_ISSUER_V1: &[u64] = &[1, 3, 6, 1, 4, 1, 57264, 1, 1];
/// RFC 6962 embedded SCT list.
const OID_SCT: &[u64] = &[1, 3, 6, 1, 4, 1, 11129, 2, 4, 2];
/// Go's `x509.ExtKeyUsageCodeSigning`, which Fulcio certificates carry and cosign requires.
const CODE_SIGNING: i64 = 3;

/// How an identity or issuer is matched, with cosign's meaning (a regexp is unanchored).
#[derive(Debug, Clone)]
pub enum Matcher {
    Exact(String),
    Regexp(regex::Regex),
}

impl Matcher {
    pub fn matches(&self, v: &str) -> bool {
        match self {
            Matcher::Exact(s) => s == v,
            Matcher::Regexp(r) => r.is_match(v),
        }
    }

    fn new(exact: Option<&String>, regexp: Option<&String>, flag: &str) -> Result<Option<Matcher>> {
        match (exact, regexp) {
            (Some(_), Some(_)) => bail!("--{flag} and --{flag}-regexp exclude each other"),
            (Some(s), None) => Ok(Some(Matcher::Exact(s.clone()))),
            (None, Some(r)) => regex::Regex::new(r)
                .map(|r| Some(Matcher::Regexp(r)))
                .map_err(|_| anyhow!("--{flag}-regexp {r:?}: not a valid regular expression")),
            (None, None) => Ok(None),
        }
    }
}

impl std::fmt::Display for Matcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Matcher::Exact(s) => write!(f, "{s}"),
            Matcher::Regexp(r) => write!(f, "/{}/", r.as_str()),
        }
    }
}

/// The flags, as typed.
#[derive(Debug, Clone, Default)]
pub struct IdentityArgs {
    pub identity: Option<String>,
    pub identity_regexp: Option<String>,
    pub issuer: Option<String>,
    pub issuer_regexp: Option<String>,
    pub insecure_ignore_sct: bool,
}

#[derive(Debug, Clone)]
pub struct IdentityPolicy {
    pub identity: Matcher,
    pub issuer: Matcher,
    pub ignore_sct: bool,
}

impl IdentityArgs {
    /// `None` when no identity flag is given (verification by key); both an identity and an
    /// issuer are required otherwise, as cosign requires them.
    pub fn policy(&self) -> Result<Option<IdentityPolicy>> {
        let identity = Matcher::new(
            self.identity.as_ref(),
            self.identity_regexp.as_ref(),
            "certificate-identity",
        )?;
        let issuer = Matcher::new(
            self.issuer.as_ref(),
            self.issuer_regexp.as_ref(),
            "certificate-oidc-issuer",
        )?;
        match (identity, issuer) {
            (None, None) => Ok(None),
            (Some(identity), Some(issuer)) => Ok(Some(IdentityPolicy {
                identity,
                issuer,
                ignore_sct: self.insecure_ignore_sct,
            })),
            (Some(_), None) => bail!(
                "--certificate-identity needs --certificate-oidc-issuer (or its -regexp form)"
            ),
            (None, Some(_)) => bail!(
                "--certificate-oidc-issuer needs --certificate-identity (or its -regexp form)"
            ),
        }
    }
}

/// The Fulcio CAs and CT logs of a trusted root.
pub struct CaRoot {
    pub name: String,
    /// Each CA's chain, DER, as listed (leafmost first, root last).
    pub cas: Vec<Vec<Vec<u8>>>,
    /// CT logs: (log ID, key).
    pub ctlogs: Vec<([u8; 32], LogKey)>,
}

impl CaRoot {
    pub fn load(file: Option<&Path>) -> Result<CaRoot> {
        let (bytes, name) = match file {
            None => (
                super::trust::PUBLIC_GOOD.as_bytes().to_vec(),
                super::trust::PUBLIC_GOOD_NAME.to_string(),
            ),
            Some(p) => (
                std::fs::read(p).with_context(|| format!("{}: cannot read", p.display()))?,
                p.display().to_string(),
            ),
        };
        let v: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| anyhow!("{name}: not JSON (line {})", e.line()))?;
        let b64 = |s: &serde_json::Value, what: &str| -> Result<Vec<u8>> {
            s.as_str()
                .and_then(|s| B64.decode(s.trim()).ok())
                .ok_or_else(|| anyhow!("{name}: {what} is not base64"))
        };
        let mut cas = Vec::new();
        for (i, ca) in v["certificateAuthorities"]
            .as_array()
            .into_iter()
            .flatten()
            .enumerate()
        {
            let chain = ca["certChain"]["certificates"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|c| b64(&c["rawBytes"], &format!("certificateAuthorities[{i}]")))
                .collect::<Result<Vec<_>>>()?;
            cas.push(chain);
        }
        let mut ctlogs = Vec::new();
        for (i, log) in v["ctlogs"].as_array().into_iter().flatten().enumerate() {
            let der = b64(&log["publicKey"]["rawBytes"], &format!("ctlogs[{i}]"))?;
            let details = log["publicKey"]["keyDetails"].as_str().unwrap_or("");
            let key = parse_spki(&der, details).with_context(|| format!("{name}: ctlogs[{i}]"))?;
            ctlogs.push((Sha256::digest(&der).into(), key));
        }
        Ok(CaRoot { name, cas, ctlogs })
    }
}

/// What verified: the signature facts and the certificate's identity and issuer.
pub struct IdentityVerified {
    pub verified: Verified,
    pub identity: String,
    pub issuer: String,
}

/// The SAN cosign matches: URIs, then emails (the first).
pub fn san(c: &certs::Cert) -> String {
    c.uris
        .first()
        .or(c.email_addresses.first())
        .cloned()
        .unwrap_or_default()
}

/// The OIDC issuer extension (v2 first, then v1).
pub fn issuer(c: &certs::Cert) -> Option<String> {
    if let Some(e) = c.extensions.iter().find(|e| e.id == OID_ISSUER_V2) {
        let t = der::Der(&e.value).any()?;
        return String::from_utf8(t.body.to_vec()).ok();
    }
    c.extensions
        .iter()
        .find(|e| e.id == OID_ISSUER_V1)
        .and_then(|e| String::from_utf8(e.value.clone()).ok())
}

fn pem_certs(text: &str) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = text.as_bytes();
    while let Some((ty, bytes, after)) = der::pem_decode(rest) {
        if ty == "CERTIFICATE" {
            out.push(bytes);
        }
        rest = after;
    }
    out
}

/// Checks the `.sig` signatures beside `digest` by identity. The error says why the best
/// candidate was refused.
pub fn verify(
    store: &mut dyn Store,
    digest: &str,
    shown: &str,
    policy: &IdentityPolicy,
    log: &LogPolicy,
    ca: &CaRoot,
) -> Result<IdentityVerified> {
    let tag = oci::signature_tag(digest);
    let bundles = super::sigbundle::fetch(store, digest)
        .with_context(|| format!("{shown}: Sigstore bundles"))?;
    let by_bundle = check_bundles(&bundles, digest, policy, log, ca);
    let Some((bytes, _)) = store.get_manifest(&tag)? else {
        // No .sig: cosign 3's referrer bundle alone (cosign 2 reads only the .sig).
        return match by_bundle {
            Ok(Some(v)) => Ok(v),
            Ok(None) => bail!(
                "{shown}: not signed: there is no signature manifest ({tag}) and no keyless Sigstore bundle"
            ),
            Err(why) => bail!("{shown}: the Sigstore bundle is refused: {why}"),
        };
    };
    let manifest: Manifest = serde_json::from_slice(&bytes)
        .with_context(|| format!("{shown}: signature manifest {tag} is not valid"))?;
    let mut refusal: Option<String> = None;
    let mut keyed = 0;
    for layer in manifest
        .layers
        .iter()
        .filter(|l| l.media_type == SIMPLESIGNING)
        .take(super::signature::MAX_SIGNATURES)
    {
        let (Some(sig), Some(cert)) = (
            layer.annotations.get(SIGNATURE_ANNOTATION),
            layer.annotations.get(CERTIFICATE_ANNOTATION),
        ) else {
            keyed += 1;
            continue;
        };
        let chain = layer
            .annotations
            .get(CHAIN_ANNOTATION)
            .map(String::as_str)
            .unwrap_or("");
        match check_layer(store, layer, sig, cert, chain, digest, policy, log, ca) {
            Ok(mut v) => {
                v.verified.bundle_form = matches!(by_bundle, Ok(Some(_)));
                if log.ignore {
                    eprintln!("warning: {shown}: --insecure-ignore-tlog: the transparency log was not checked");
                }
                return Ok(v);
            }
            // Identity mismatches are the least telling reason when another layer says more.
            Err(e) => {
                let e = format!("{e:#}");
                if refusal.is_none() || !e.starts_with("certificate identity") {
                    refusal = Some(e);
                }
            }
        }
    }
    // No .sig signature verifies: the referrer bundle alone, as cosign 3 reads it.
    let by_bundle = match by_bundle {
        Ok(Some(v)) => return Ok(v),
        Ok(None) => None,
        Err(why) => Some(why),
    };
    match refusal.or(by_bundle) {
        Some(why) => bail!("{shown}: no keyless signature verifies: {why}"),
        None if keyed > 0 => bail!(
            "{shown}: signed with a key, not keyless: verify with --key (no certificate on its {keyed} signature(s))"
        ),
        None => bail!("{shown}: not signed: the signature manifest {tag} holds no signature"),
    }
}

/// The keyless bundles among `bundles` checked for the identity: the first that verifies, none
/// when there is no keyless bundle, or why the last one was refused.
fn check_bundles(
    bundles: &[(String, Vec<u8>)],
    digest: &str,
    policy: &IdentityPolicy,
    log: &LogPolicy,
    ca: &CaRoot,
) -> std::result::Result<Option<IdentityVerified>, String> {
    let mut refusal = None;
    for (referrer, bytes) in bundles {
        let Ok(b) = serde_json::from_slice::<serde_json::Value>(bytes) else {
            continue;
        };
        let Some(raw) = b["verificationMaterial"]["certificate"]["rawBytes"].as_str() else {
            continue; // signed with a key
        };
        match check_bundle(bytes, raw, digest, policy, log, ca) {
            Ok(v) => return Ok(Some(v)),
            Err(e) => refusal = Some(format!("referrer {referrer}: {e:#}")),
        }
    }
    match refusal {
        Some(why) => Err(why),
        None => Ok(None),
    }
}

fn check_bundle(
    bytes: &[u8],
    raw_cert: &str,
    digest: &str,
    policy: &IdentityPolicy,
    log: &LogPolicy,
    ca: &CaRoot,
) -> Result<IdentityVerified> {
    let leaf_der = B64
        .decode(raw_cert)
        .map_err(|_| anyhow!("the bundle's certificate is not base64"))?;
    let leaf = certs::parse_one(&leaf_der).context("the bundle's certificate does not parse")?;
    let (id, iss) = match_identity(&leaf, policy)?;
    let key = p256::PublicKey::from_public_key_der(&leaf.spki)
        .map_err(|_| anyhow!("the certificate's key is not ECDSA P-256"))?;
    // The envelope, statement and log entry as for a key, with the certificate's key.
    let entry = super::sigbundle::verify_bytes_of(bytes, digest, &key, log)?;
    let at = match (&entry, log.ignore) {
        (Some(e), _) => e.integrated_time,
        (None, true) => now(),
        (None, false) => bail!("the keyless bundle has no transparency-log entry, so no trusted time to check its short-lived certificate at"),
    };
    let issuer_spki = chain_to_root(&leaf_der, "", ca, at)?;
    if !policy.ignore_sct {
        verify_sct(&leaf, &issuer_spki, ca)?;
    }
    Ok(IdentityVerified {
        verified: Verified {
            valid: 1,
            docker_reference: String::new(),
            logged: entry.is_some(),
            entry,
            sig_form: false,
            bundle_form: true,
        },
        identity: id,
        issuer: iss,
    })
}

/// The certificate's SAN and issuer, when they match the policy.
fn match_identity(leaf: &certs::Cert, policy: &IdentityPolicy) -> Result<(String, String)> {
    let id = san(leaf);
    if !policy.identity.matches(&id) {
        bail!(
            "certificate identity {id:?} does not match {}",
            policy.identity
        );
    }
    let iss = issuer(leaf).unwrap_or_default();
    if !policy.issuer.matches(&iss) {
        bail!(
            "certificate OIDC issuer {iss:?} does not match {}",
            policy.issuer
        );
    }
    Ok((id, iss))
}

#[allow(clippy::too_many_arguments)]
fn check_layer(
    store: &mut dyn Store,
    layer: &oci::Descriptor,
    sig: &str,
    cert_pem: &str,
    chain_pem: &str,
    digest: &str,
    policy: &IdentityPolicy,
    log: &LogPolicy,
    ca: &CaRoot,
) -> Result<IdentityVerified> {
    let leaf_der = pem_certs(cert_pem)
        .into_iter()
        .next()
        .ok_or_else(|| anyhow!("the certificate annotation holds no PEM certificate"))?;
    let leaf = certs::parse_one(&leaf_der).context("the signing certificate does not parse")?;
    // The identity first: a signature by someone else is refused for that, whatever else.
    let (id, iss) = match_identity(&leaf, policy)?;
    let key = p256::PublicKey::from_public_key_der(&leaf.spki)
        .map_err(|_| anyhow!("the certificate's key is not ECDSA P-256"))?;
    if !oci::reference::is_digest(&layer.digest) || layer.size > 64 << 10 {
        bail!("tampered signature layer");
    }
    let body = store.get_blob(&layer.digest, layer.size)?;
    if oci::sha256_digest(&body) != layer.digest {
        bail!(
            "tampered signature payload: blob {} does not match its digest",
            layer.digest
        );
    }
    let der_sig = B64
        .decode(sig)
        .map_err(|_| anyhow!("the signature is not base64"))?;
    if !verify_bytes(&key, &body, &der_sig) {
        bail!("the signature does not verify with the certificate's key");
    }
    let p: serde_json::Value =
        serde_json::from_slice(&body).map_err(|_| anyhow!("the signed payload is not JSON"))?;
    let claimed = p["critical"]["image"]["docker-manifest-digest"]
        .as_str()
        .unwrap_or("");
    if claimed != digest {
        bail!(
            "digest mismatch: the signature is for {}, not for {digest}",
            oci::net::sanitize(claimed)
        );
    }
    // The time the certificate must have been valid at: the log's integrated time.
    let logged = layer.annotations.get(rekor::BUNDLE_ANNOTATION);
    let (entry, at) = match logged {
        _ if log.ignore => (None, now()),
        None => bail!("the keyless signature has no transparency-log entry, so no trusted time to check its short-lived certificate at"),
        Some(a) => {
            let e = rekor::Entry::from_cosign_annotation(a)?;
            let want = rekor::Expected {
                payload: &body,
                signature_der: &der_sig,
                key: &key,
                dsse: false,
            };
            rekor::verify(&e, &log.root, &want)
                .context("the signature's transparency-log entry is refused")?;
            let t = e.integrated_time;
            (Some(e), t)
        }
    };
    let issuer_spki = chain_to_root(&leaf_der, chain_pem, ca, at)?;
    if !policy.ignore_sct {
        verify_sct(&leaf, &issuer_spki, ca)?;
    }
    Ok(IdentityVerified {
        verified: Verified {
            valid: 1,
            docker_reference: p["critical"]["identity"]["docker-reference"]
                .as_str()
                .unwrap_or("")
                .to_string(),
            logged: logged.is_some(),
            entry,
            sig_form: true,
            bundle_form: false,
        },
        identity: id,
        issuer: iss,
    })
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// Verifies the leaf against each CA of the trusted root at `at` (the layer's chain supplies no
/// trust: only the root's certificates anchor it, the layer's may add intermediates). Returns the issuer's SPKI, for the SCT.
fn chain_to_root(leaf_der: &[u8], chain_pem: &str, ca: &CaRoot, at: i64) -> Result<Vec<u8>> {
    // The signature's own chain may only add intermediates: each must still chain to a CA.
    let extra = pem_certs(chain_pem);
    if ca.cas.is_empty() {
        bail!("{} names no certificate authority", ca.name);
    }
    let mut last = None;
    for chain in &ca.cas {
        // verify_chain wants [root, intermediates..., leaf]; the root lists leafmost first.
        let mut ders: Vec<&[u8]> = chain.iter().rev().map(Vec::as_slice).collect();
        ders.extend(
            extra
                .iter()
                .filter(|e| !chain.contains(e))
                .map(Vec::as_slice),
        );
        ders.push(leaf_der);
        let parsed = ders
            .iter()
            .map(|d| certs::parse_one(d))
            .collect::<Result<Vec<_>>>()?;
        let opts = x509::Options {
            current_time_ns: Some(at as i128 * 1_000_000_000),
            key_usages: vec![CODE_SIGNING],
            ..Default::default()
        };
        match x509::verify_chain(&parsed, &opts) {
            Ok(path) => {
                let issuer = path.get(1).copied().unwrap_or(path[0]);
                return Ok(issuer.spki.clone());
            }
            Err(e) => last = Some(e),
        }
    }
    let why = last.map(|e| e.to_string()).unwrap_or_default();
    bail!(
        "the certificate does not chain to a certificate authority of {} at the entry's integrated time ({why})",
        ca.name
    )
}

/// The embedded SCT (RFC 6962 §3.2, precertificate entry): signed by a CT log of the trusted
/// root over the TBS certificate without the SCT extension and the issuer's key hash.
fn verify_sct(leaf: &certs::Cert, issuer_spki: &[u8], ca: &CaRoot) -> Result<()> {
    let ext = leaf
        .extensions
        .iter()
        .find(|e| e.id == OID_SCT)
        .ok_or_else(|| {
            anyhow!("the certificate has no embedded SCT (--insecure-ignore-sct skips this check)")
        })?;
    let list = der::Der(&ext.value)
        .read(der::OCTET_STRING)
        .ok_or_else(|| anyhow!("the embedded SCT list is malformed"))?
        .body;
    let tbs =
        precert_tbs(&leaf.tbs).ok_or_else(|| anyhow!("the certificate's TBS is malformed"))?;
    let key_hash = Sha256::digest(issuer_spki);
    let scts = sct_list(list).ok_or_else(|| anyhow!("the embedded SCT list is malformed"))?;
    let mut unknown = false;
    for sct in scts {
        let Some((_, key)) = ca.ctlogs.iter().find(|(id, _)| *id == sct.log_id) else {
            unknown = true;
            continue;
        };
        let mut msg = vec![0u8, 0u8];
        msg.extend_from_slice(&sct.timestamp.to_be_bytes());
        msg.extend_from_slice(&[0, 1]);
        msg.extend_from_slice(&key_hash);
        let n = tbs.len();
        msg.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
        msg.extend_from_slice(&tbs);
        msg.extend_from_slice(&(sct.extensions.len() as u16).to_be_bytes());
        msg.extend_from_slice(sct.extensions);
        if key.verify(&msg, sct.signature) {
            return Ok(());
        }
    }
    if unknown {
        bail!(
            "the certificate's SCT is signed by a CT log not in {}",
            ca.name
        );
    }
    bail!("the certificate's SCT does not verify (forged SCT)")
}

struct Sct<'a> {
    log_id: [u8; 32],
    timestamp: u64,
    extensions: &'a [u8],
    signature: &'a [u8],
}

fn take<'a>(b: &mut &'a [u8], n: usize) -> Option<&'a [u8]> {
    if b.len() < n {
        return None;
    }
    let (h, t) = b.split_at(n);
    *b = t;
    Some(h)
}

fn sct_list(b: &[u8]) -> Option<Vec<Sct<'_>>> {
    let u16_of = |s: &[u8]| ((s[0] as usize) << 8) | s[1] as usize;
    let mut b = b;
    let total = u16_of(take(&mut b, 2)?);
    let mut list = take(&mut b, total)?;
    let mut out = Vec::new();
    while !list.is_empty() {
        let n = u16_of(take(&mut list, 2)?);
        let mut s = take(&mut list, n)?;
        if take(&mut s, 1)? != [0] {
            continue; // only v1
        }
        let log_id: [u8; 32] = take(&mut s, 32)?.try_into().ok()?;
        let timestamp = u64::from_be_bytes(take(&mut s, 8)?.try_into().ok()?);
        let en = u16_of(take(&mut s, 2)?);
        let extensions = take(&mut s, en)?;
        let _algs = take(&mut s, 2)?;
        let sn = u16_of(take(&mut s, 2)?);
        let signature = take(&mut s, sn)?;
        out.push(Sct {
            log_id,
            timestamp,
            extensions,
            signature,
        });
    }
    Some(out)
}

/// The TBS certificate re-encoded without the SCT list extension: what the log signed.
fn precert_tbs(tbs: &[u8]) -> Option<Vec<u8>> {
    let seq = der::Der(tbs).read(der::SEQUENCE)?;
    let mut d = der::Der(seq.body);
    let mut out = Vec::new();
    while !d.is_empty() {
        let t = d.any()?;
        if t.tag != 0xa3 {
            out.extend_from_slice(t.full);
            continue;
        }
        let exts = der::Der(t.body).read(der::SEQUENCE)?;
        let mut e = der::Der(exts.body);
        let mut kept = Vec::new();
        while !e.is_empty() {
            let ext = e.read(der::SEQUENCE)?;
            let oid = der::Der(ext.body).read(der::OID)?;
            if der::oid_arcs(oid.body)? != OID_SCT {
                kept.extend_from_slice(ext.full);
            }
        }
        out.extend(tlv(0xa3, &tlv(der::SEQUENCE, &kept)));
    }
    Some(tlv(der::SEQUENCE, &out))
}

fn tlv(tag: u8, body: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = body.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n
            .to_be_bytes()
            .into_iter()
            .skip_while(|&b| b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matchers_as_cosign() {
        let a = IdentityArgs {
            identity_regexp: Some("^https://github.com/acme/".into()),
            issuer: Some("https://token.actions.githubusercontent.com".into()),
            ..Default::default()
        };
        let p = a.policy().unwrap().unwrap();
        assert!(p
            .identity
            .matches("https://github.com/acme/x/.github/workflows/p.yml@refs/tags/v1"));
        assert!(!p.identity.matches("https://github.com/evil/acme/"));
        assert!(!p.issuer.matches("https://accounts.google.com"));
        let only = IdentityArgs {
            identity: Some("x".into()),
            ..Default::default()
        };
        assert!(only
            .policy()
            .unwrap_err()
            .to_string()
            .contains("needs --certificate-oidc-issuer"));
        assert!(IdentityArgs::default().policy().unwrap().is_none());
        let bad = IdentityArgs {
            identity_regexp: Some("(".into()),
            issuer: Some("i".into()),
            ..Default::default()
        };
        assert!(bad
            .policy()
            .unwrap_err()
            .to_string()
            .contains("not a valid regular expression"));
    }

    #[test]
    fn tlv_lengths_are_der() {
        assert_eq!(tlv(0x30, &[1, 2]), vec![0x30, 2, 1, 2]);
        let long = tlv(0x30, &[0; 300]);
        assert_eq!(&long[..4], &[0x30, 0x82, 0x01, 0x2c]);
        let d = der::Der(&long).read(0x30).unwrap();
        assert_eq!(d.body.len(), 300);
    }

    #[test]
    fn public_good_root_has_fulcio_and_ct_logs() {
        let r = CaRoot::load(None).unwrap();
        assert!(!r.cas.is_empty() && !r.ctlogs.is_empty());
    }
}
