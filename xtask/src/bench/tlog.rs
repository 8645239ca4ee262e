//! `cargo xtask bench --tlog`: what signing with a transparency log costs beyond its round
//! trips. Everything runs in process against an OCI layout and an in-process log that answers
//! as Rekor does (SET, a 24-level inclusion proof, a signed checkpoint, dsse entries in
//! canonical form), so the figures are our own CPU work and the number of extra requests; the
//! network time of those requests is whatever the log's and registry's latency is.

use std::time::{Duration, Instant};

use anyhow::Result;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use p256::pkcs8::EncodePublicKey;
use sha2::{Digest, Sha256};

use crate::cosign::rekor::{self, Entry, InclusionProof};
use crate::cosign::signature::{self, LogPolicy};
use crate::cosign::trust::TrustedRoot;
use crate::cosign::{keys, sigbundle};
use crate::oci::{self, layout::Layout, Descriptor, Location, Store};
use crate::policy::pki::hex;

const ROUNDS: usize = 100;
/// A public log's depth today (rekor.sigstore.dev's shards hold tens of millions of entries).
const DEPTH: u32 = 24;

/// An in-process log answering as Rekor does.
struct Log {
    key: p256::SecretKey,
    log_id: [u8; 32],
    root: TrustedRoot,
    index: i64,
}

impl Log {
    fn new() -> Result<Log> {
        let key = keys::generate();
        let der = key.public_key().to_public_key_der()?;
        let json = serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [{"publicKey": {"rawBytes": B64.encode(der.as_bytes())}}],
        });
        let root = TrustedRoot::parse(&serde_json::to_vec(&json)?, "the benchmark's log")?;
        Ok(Log {
            key,
            log_id: Sha256::digest(der.as_bytes()).into(),
            root,
            index: 1 << 20,
        })
    }

    /// Rekor's canonical body: a hashedrekord as proposed, a dsse entry as hashes.
    fn canonical(proposed: &[u8]) -> Result<Vec<u8>> {
        let v: serde_json::Value = serde_json::from_slice(proposed)?;
        let Some(content) = v["spec"]["proposedContent"].as_object() else {
            return Ok(proposed.to_vec());
        };
        let envelope = content["envelope"].as_str().unwrap_or("");
        let env: serde_json::Value = serde_json::from_str(envelope)?;
        let payload = B64.decode(env["payload"].as_str().unwrap_or(""))?;
        Ok(serde_json::to_vec(&serde_json::json!({
        "apiVersion": "0.0.1", "kind": "dsse", "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hex(&Sha256::digest(envelope))},
            "payloadHash": {"algorithm": "sha256", "value": hex(&Sha256::digest(&payload))},
            "signatures": [{"signature": env["signatures"][0]["sig"],
                            "verifier": content["verifiers"][0]}],
        }}))?)
    }

    /// Integrates an entry; returns Rekor's answer as JSON bytes (the log's work, not ours).
    fn answer(&mut self, proposed: &[u8]) -> Result<Vec<u8>> {
        let body = Log::canonical(proposed)?;
        self.index += 1;
        let mut e = Entry {
            body: B64.encode(&body),
            integrated_time: chrono::Utc::now().timestamp(),
            log_index: self.index,
            log_id: hex(&self.log_id),
            set: None,
            inclusion_proof: None,
        };
        let set_message = format!(
            r#"{{"body":"{}","integratedTime":{},"logID":"{}","logIndex":{}}}"#,
            e.body, e.integrated_time, e.log_id, e.log_index
        );
        e.set = Some(B64.encode(signature::sign_bytes(&self.key, set_message.as_bytes())));
        let leaf: [u8; 32] = Sha256::new()
            .chain_update([0u8])
            .chain_update(&body)
            .finalize()
            .into();
        let hashes: Vec<[u8; 32]> = (0..DEPTH)
            .map(|i| Sha256::digest(i.to_be_bytes()).into())
            .collect();
        let size = 1u64 << DEPTH;
        let index = self.index as u64 % size;
        let root = rekor::merkle_root(index, size, leaf, &hashes)
            .ok_or_else(|| anyhow::anyhow!("benchmark proof has the wrong shape"))?;
        let note = format!("bench - 1\n{size}\n{}\n", B64.encode(root));
        let mut sig = self.log_id[..4].to_vec();
        sig.extend(signature::sign_bytes(&self.key, note.as_bytes()));
        e.inclusion_proof = Some(InclusionProof {
            log_index: index as i64,
            root_hash: hex(&root),
            tree_size: size as i64,
            hashes: hashes.iter().map(|h| hex(h)).collect(),
            checkpoint: Some(format!("{note}\n\u{2014} bench {}\n", B64.encode(sig))),
        });
        let p = e
            .inclusion_proof
            .as_ref()
            .map(serde_json::to_value)
            .transpose()?;
        Ok(serde_json::to_vec(&serde_json::json!({"uuid": {
            "body": e.body, "integratedTime": e.integrated_time, "logID": e.log_id,
            "logIndex": e.log_index,
            "verification": {"signedEntryTimestamp": e.set, "inclusionProof": p},
        }}))?)
    }
}

/// A store that counts its operations: each is one registry request.
struct Counting {
    inner: Layout,
    ops: usize,
}

impl Store for Counting {
    fn has_blob(&mut self, digest: &str) -> Result<bool> {
        self.ops += 1;
        self.inner.has_blob(digest)
    }
    fn put_blob(&mut self, digest: &str, bytes: &[u8], progress: &dyn Fn(u64)) -> Result<()> {
        self.ops += 1;
        self.inner.put_blob(digest, bytes, progress)
    }
    fn get_blob(&mut self, digest: &str, limit: u64) -> Result<Vec<u8>> {
        self.ops += 1;
        self.inner.get_blob(digest, limit)
    }
    fn put_manifest(&mut self, reference: &str, media_type: &str, bytes: &[u8]) -> Result<()> {
        self.ops += 1;
        self.inner.put_manifest(reference, media_type, bytes)
    }
    fn get_manifest(&mut self, reference: &str) -> Result<Option<(Vec<u8>, String)>> {
        self.ops += 1;
        self.inner.get_manifest(reference)
    }
    fn blobs_uploaded(&self) -> usize {
        self.inner.blobs_uploaded()
    }
    fn mount_blob(&mut self, _digest: &str, _from: &Location) -> Result<bool> {
        Ok(false)
    }
    fn referrers_api(&mut self, _digest: &str) -> Result<Option<Vec<Descriptor>>> {
        // As Distribution 2.x: asked, and answered 404.
        self.ops += 1;
        Ok(None)
    }
}

fn median(mut t: Vec<Duration>) -> f64 {
    t.sort();
    t[t.len() / 2].as_secs_f64() * 1e6
}

pub fn run() -> Result<()> {
    let key = keys::generate();
    let public = key.public_key();
    let mut log = Log::new()?;
    let policy = |missing_ok| LogPolicy {
        root: log.root.clone(),
        ignore: false,
        missing_ok,
    };
    let (strict, lenient) = (policy(false), policy(true));
    let (mut plain_sign, mut logged_sign) = (Vec::new(), Vec::new());
    let (mut plain_verify, mut logged_verify) = (Vec::new(), Vec::new());
    let (mut plain_ops, mut logged_ops) = (0, 0);
    let (mut plain_verify_ops, mut logged_verify_ops) = (0, 0);
    for round in 0..ROUNDS {
        let subject = Descriptor::of(oci::MANIFEST_V1, format!("image {round}").as_bytes());
        let digest = subject.digest.clone();

        // Without a log: the .sig signature only, as before.
        let dir = tempfile::tempdir()?;
        let mut store = Counting {
            inner: Layout::new(dir.path()),
            ops: 0,
        };
        // Timed: the signing work; the store's settle wait (the same either way) is not.
        let t = Instant::now();
        let p = signature::prepare_with("bench/x", &digest, &key, None)?;
        plain_sign.push(t.elapsed());
        signature::store(&mut store, &digest, &p)?;
        plain_ops += store.ops;
        store.ops = 0;
        let t = Instant::now();
        signature::verify(&mut store, &digest, &public, "k", "img", &lenient)?;
        plain_verify.push(t.elapsed());
        plain_verify_ops += store.ops;

        // With the log: both entries' answers are made first (the log's work), then our part
        // is timed: proposals, answers parsed, annotation, envelope, bundle, referrer.
        let mut answers = Vec::new();
        signature::prepare_with(
            "bench/x",
            &digest,
            &key,
            Some(&mut |proposed: &[u8]| {
                answers.push(log.answer(proposed)?);
                rekor::parse_answer(answers.last().map(Vec::as_slice).unwrap_or_default())
            }),
        )?;
        sigbundle::make_with(
            &digest,
            &key,
            Some(&mut |proposed: &[u8]| {
                answers.push(log.answer(proposed)?);
                rekor::parse_answer(answers.last().map(Vec::as_slice).unwrap_or_default())
            }),
        )?;
        let dir = tempfile::tempdir()?;
        let mut store = Counting {
            inner: Layout::new(dir.path()),
            ops: 0,
        };
        let mut replies = answers.iter();
        let mut next = |_: &[u8]| -> Result<Entry> {
            rekor::parse_answer(replies.next().map(Vec::as_slice).unwrap_or_default())
        };
        let t = Instant::now();
        let p = signature::prepare_with("bench/x", &digest, &key, Some(&mut next))?;
        let made = sigbundle::make_with(&digest, &key, Some(&mut next))?;
        logged_sign.push(t.elapsed());
        signature::store(&mut store, &digest, &p)?;
        if !sigbundle::already(&mut store, &digest, &public, true)? {
            sigbundle::attach(&mut store, &subject, &made.bytes)?;
        }
        logged_ops += store.ops;
        store.ops = 0;
        let t = Instant::now();
        let v = sigbundle::verify_either(&mut store, &digest, &public, "k", "img", &strict, false)?;
        anyhow::ensure!(v.bundle_form && v.entry.is_some(), "both forms, logged");
        logged_verify.push(t.elapsed());
        logged_verify_ops += store.ops;
    }
    let n = ROUNDS as f64;
    println!(
        "signing work, per signature (median of {ROUNDS}, in process; the store's requests \
         are counted, not timed: their cost is the registry's latency):"
    );
    println!(
        "  without a log: {:>8.0} µs, {:.0} store requests",
        median(plain_sign),
        plain_ops as f64 / n
    );
    println!(
        "  with the log:  {:>8.0} µs, {:.0} store requests + 2 Rekor POSTs (hashedrekord, dsse)",
        median(logged_sign),
        logged_ops as f64 / n
    );
    println!("verifying (SET, {DEPTH}-level inclusion proof, checkpoint, body; bundle too):");
    println!(
        "  without a log: {:>8.0} µs, {:.0} store requests",
        median(plain_verify),
        plain_verify_ops as f64 / n
    );
    println!(
        "  with the log:  {:>8.0} µs, {:.0} store requests",
        median(logged_verify),
        logged_verify_ops as f64 / n
    );
    Ok(())
}
