//! Property tests for every parser that reads outside data: each input either parses or gives a
//! one-line error; a panic, an abort or a hang (a watchdog) fails. Generators mix raw bytes with
//! structure-aware inputs (JSON with the keys the parser looks for, tar headers with valid
//! checksums, mutations of valid documents), so the cases reach past the first check.
//! `PROPTEST_CASES` overrides the number of cases per property.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::Value;

/// Cases per property unless `PROPTEST_CASES` says otherwise.
pub const CASES: u32 = 2000;
/// A case that has not finished after this long is a hang.
const WATCHDOG: Duration = Duration::from_secs(30);

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `test` over `cases` values of the strategy `make` builds, on a thread a watchdog
/// waits for. (Strategies are not `Send`, so the thread builds its own.)
pub fn check<S>(
    name: &'static str,
    cases_default: u32,
    make: impl FnOnce() -> S + Send + 'static,
    test: impl Fn(S::Value) -> Result<(), TestCaseError> + Send + 'static,
) where
    S: Strategy,
    S::Value: std::fmt::Debug,
{
    let (tx, rx) = mpsc::channel();
    let n = cases(cases_default);
    let started = Instant::now();
    // Milliseconds since `started` when the last case finished: the watchdog's heartbeat.
    let beat = Arc::new(AtomicU64::new(0));
    let b = beat.clone();
    std::thread::spawn(move || {
        let mut runner = TestRunner::new(Config {
            cases: n,
            failure_persistence: None,
            ..Config::default()
        });
        let result = runner
            .run(&make(), |v| {
                let r = test(v);
                b.store(started.elapsed().as_millis() as u64, Ordering::Relaxed);
                r
            })
            .map_err(|e| e.to_string());
        let _ = tx.send(result);
    });
    loop {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(Ok(())) => return,
            Ok(Err(e)) => panic!("{name}: {e}"),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                let idle = started.elapsed().as_millis() as u64 - beat.load(Ordering::Relaxed);
                if idle > WATCHDOG.as_millis() as u64 {
                    panic!("{name}: a case hung (no progress for {WATCHDOG:?})");
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => panic!("{name}: the test thread panicked"),
        }
    }
}

/// An error shown to a user is one line.
pub fn one_line(e: &anyhow::Error) -> Result<(), TestCaseError> {
    let text = format!("{e:#}");
    prop_assert!(
        !text.contains('\n') && !text.contains('\r'),
        "multi-line error: {text:?}"
    );
    Ok(())
}

/// JSON whose objects use `keys` (and a few others), with hostile scalars: huge and negative
/// numbers, floats, long and odd strings, wrong types.
pub fn json_with(keys: &'static [&'static str]) -> impl Strategy<Value = Value> {
    let scalar = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        Just(Value::from(u64::MAX)),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        prop_oneof![
            Just(String::new()),
            Just(format!("sha256:{}", "a".repeat(64))),
            Just("sha256:../../../../_catalog?n=1#".to_string()),
            Just("application/vnd.oci.image.manifest.v1+json".to_string()),
            Just("application/vnd.oci.image.layer.v1.tar+gzip".to_string()),
            Just("application/vnd.dev.cosign.simplesigning.v1+json".to_string()),
            Just("\u{1b}]0;pwned\u{7}\n\r".to_string()),
            "[a-zA-Z0-9+/=:._-]{0,80}",
            any::<String>(),
        ]
        .prop_map(Value::from),
    ];
    scalar.prop_recursive(4, 64, 8, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec(
                (
                    prop_oneof![
                        4 => prop::sample::select(keys).prop_map(str::to_string),
                        1 => "[a-z]{1,8}",
                    ],
                    inner
                ),
                0..8
            )
            .prop_map(|kv| Value::Object(kv.into_iter().collect())),
        ]
    })
}

/// `valid` with random bytes overwritten, then maybe truncated.
pub fn mutated(valid: Vec<u8>) -> impl Strategy<Value = Vec<u8>> {
    let len = valid.len().max(1);
    (
        prop::collection::vec((0..len, any::<u8>()), 0..8),
        prop::option::of(0..len),
    )
        .prop_map(move |(edits, cut)| {
            let mut v = valid.clone();
            for (i, b) in edits {
                if let Some(x) = v.get_mut(i) {
                    *x = b;
                }
            }
            if let Some(c) = cut {
                v.truncate(c);
            }
            v
        })
}

fn b64(raw: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(raw)
}

fn bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(any::<u8>(), 0..max)
}

const MANIFEST_KEYS: &[&str] = &[
    "schemaVersion",
    "mediaType",
    "artifactType",
    "config",
    "layers",
    "manifests",
    "digest",
    "size",
    "annotations",
    "org.opencontainers.image.ref.name",
    "dev.cosignproject.cosign/signature",
    "critical",
    "image",
    "docker-manifest-digest",
    "identity",
    "docker-reference",
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosign::{keys, signature};
    use crate::oci::layout::Layout;
    use crate::oci::{self, Manifest, Store, Target};
    use crate::release::{untar, verify};

    #[test]
    fn oci_references() {
        let make = || {
            let token = prop_oneof![
                prop::sample::select(vec![
                    "oci:",
                    "localhost:5000/",
                    "127.0.0.1:1/",
                    "[::1]:5000/",
                    "a/b",
                    ":tag",
                    "@sha256:",
                    "@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                    "/",
                    ":",
                    "@",
                    "..",
                    "\n",
                ])
                .prop_map(str::to_string),
                "[a-zA-Z0-9._-]{0,12}",
            ];
            prop_oneof![
                any::<String>(),
                prop::collection::vec(token, 0..8).prop_map(|t| t.concat()),
            ]
        };
        check("oci references", CASES, make, |s| {
            match Target::parse(&s) {
                Ok(t) => {
                    // What parsed names itself in a form that parses to the same place.
                    let _ = (t.tag(), t.digest(), t.to_string());
                    let again = Target::parse(&t.with("t1"))
                        .map_err(|e| TestCaseError::fail(format!("{}: {e}", t.with("t1"))))?;
                    prop_assert_eq!(again.repository_name(), t.repository_name());
                }
                Err(e) => one_line(&e)?,
            }
            Ok(())
        });
    }

    #[test]
    fn manifests_and_indexes() {
        let valid = serde_json::to_vec(&Manifest::new(
            oci::Descriptor::of(oci::CONFIG_V1, b"{}"),
            vec![oci::Descriptor::of(oci::LAYER_TAR_GZIP, b"x")],
        ))
        .unwrap_or_default();
        let input = move || {
            prop_oneof![
                bytes(512),
                json_with(MANIFEST_KEYS).prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
                mutated(valid),
            ]
        };
        check("manifests", CASES, input, |b| {
            let _ = serde_json::from_slice::<Manifest>(&b);
            Ok(())
        });
    }

    /// Writes `blob` into the layout's blob store, returning its digest.
    fn put(root: &Path, blob: &[u8]) -> String {
        let digest = oci::sha256_digest(blob);
        let dir = root.join("blobs/sha256");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(&digest[7..]), blob);
        digest
    }

    #[test]
    fn oci_layout_index_json() {
        let valid = br#"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a","size":2,"annotations":{"org.opencontainers.image.ref.name":"dev"}}]}"#.to_vec();
        let input = move || {
            prop_oneof![
                bytes(512),
                json_with(MANIFEST_KEYS).prop_map(|v| serde_json::to_vec(&v).unwrap_or_default()),
                mutated(valid),
            ]
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        put(&root, b"{}");
        check("OCI layout index.json", CASES / 2, input, move |b| {
            std::fs::write(root.join("index.json"), &b)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut l = Layout::new(&root);
            for r in [
                "dev",
                "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a",
            ] {
                if let Err(e) = l.get_manifest(r) {
                    one_line(&e)?;
                }
            }
            if let Err(e) = l.put_manifest("other", oci::MANIFEST_V1, b"{}") {
                one_line(&e)?;
            }
            Ok(())
        });
        drop(dir);
    }

    #[test]
    fn signature_manifests_and_payloads() {
        let key = keys::generate();
        let public = key.public_key();
        let digest = oci::sha256_digest(b"the image");
        let body = signature::payload("r/x", &digest);
        let sig = signature::sign_bytes(&key, &body);
        let input = move || {
            (
                prop::collection::vec(json_with(MANIFEST_KEYS), 0..4),
                prop_oneof![bytes(300), Just(body.clone())],
                prop_oneof![bytes(80), Just(sig.clone())],
            )
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        check(
            "signatures",
            CASES / 8,
            input,
            move |(layers, payload, der)| {
                let _ = std::fs::remove_dir_all(&root);
                let payload_digest = put(&root, &payload);
                let mut good = serde_json::json!({
                    "mediaType": signature::SIMPLESIGNING,
                    "digest": payload_digest,
                    "size": payload.len(),
                    "annotations": {signature::SIGNATURE_ANNOTATION: b64(&der)},
                });
                let mut all = layers;
                if all.len() % 2 == 0 {
                    all.push(good.take());
                }
                let m = serde_json::json!({
                    "schemaVersion": 2,
                    "config": {"mediaType": oci::CONFIG_V1, "digest": digest, "size": 2},
                    "layers": all,
                });
                let bytes = serde_json::to_vec(&m).unwrap_or_default();
                let sig_digest = put(&root, &bytes);
                let index = serde_json::json!({"schemaVersion": 2, "manifests": [{
                    "mediaType": oci::MANIFEST_V1, "digest": sig_digest, "size": bytes.len(),
                    "annotations": {"org.opencontainers.image.ref.name": oci::signature_tag(&digest)},
                }]});
                let _ = std::fs::write(root.join("index.json"), index.to_string());
                let mut l = Layout::new(&root);
                let log = signature::LogPolicy {
                    root: crate::cosign::trust::TrustedRoot::public_good().unwrap(),
                    ignore: false,
                    missing_ok: true,
                };
                if let Err(e) = signature::verify(&mut l, &digest, &public, "k", "img", &log) {
                    one_line(&e)?;
                }
                let _ = signature::verify_bytes(&public, &payload, &der);
                Ok(())
            },
        );
        drop(dir);
    }

    #[test]
    fn cosign_key_files() {
        let vector = include_str!("../../tests/fixtures/cosign/cosign2-empty-password.key");
        let pem = |json: &Value| {
            let body = b64(&serde_json::to_vec(json).unwrap_or_default());
            format!(
                "-----BEGIN {0}-----\n{body}\n-----END {0}-----\n",
                keys::LABEL_V2
            )
        };
        let input = move || {
            // Mostly hostile parameters: cosign's own (which cost a real scrypt) come up rarely.
            let params = (
                prop_oneof![9 => any::<u64>(), 1 => Just(32768u64), 1 => Just(65536)],
                prop_oneof![9 => any::<u32>(), 1 => Just(8u32)],
                prop_oneof![9 => any::<u32>(), 1 => Just(1u32)],
            );
            let structured = (
                params,
                prop_oneof![Just("scrypt".to_string()), any::<String>()],
                prop_oneof![Just("nacl/secretbox".to_string()), any::<String>()],
                "[A-Za-z0-9+/=]{0,120}",
                "[A-Za-z0-9+/=]{0,40}",
                "[A-Za-z0-9+/=]{0,400}",
            )
                .prop_map(move |((n, r, p), kdf, cipher, salt, nonce, ct)| {
                    pem(&serde_json::json!({
                        "kdf": {"name": kdf, "params": {"N": n, "r": r, "p": p}, "salt": salt},
                        "cipher": {"name": cipher, "nonce": nonce},
                        "ciphertext": ct,
                    }))
                });
            prop_oneof![
                any::<String>(),
                structured,
                json_with(&[
                    "kdf",
                    "params",
                    "N",
                    "r",
                    "p",
                    "salt",
                    "name",
                    "cipher",
                    "nonce",
                    "ciphertext"
                ])
                .prop_map(move |v| pem(&v)),
            ]
        };
        check(
            "cosign key files",
            CASES,
            input,
            key_file_parses_or_fails_in_one_line,
        );
        // Mutations of a real key mostly keep cosign's parameters and so cost a real scrypt
        // each (about 0.1 s): fewer of them.
        let mutations = move || {
            mutated(vector.as_bytes().to_vec())
                .prop_map(|b| String::from_utf8_lossy(&b).into_owned())
        };
        check(
            "cosign key file mutations",
            CASES / 40,
            mutations,
            key_file_parses_or_fails_in_one_line,
        );
    }

    fn key_file_parses_or_fails_in_one_line(text: String) -> Result<(), TestCaseError> {
        match keys::open(&text, b"") {
            Ok(_) | Err(keys::OpenError::WrongPassword) => {}
            Err(keys::OpenError::Invalid(why)) => {
                prop_assert!(!why.contains('\n'), "multi-line: {why:?}")
            }
        }
        if let Err(e) = keys::parse_public(&text, "k.pub") {
            one_line(&e)?;
        }
        Ok(())
    }

    /// A tar header block with a valid checksum and hostile fields.
    fn header() -> impl Strategy<Value = Vec<u8>> {
        (
            prop_oneof![
                Just(b'0'),
                Just(b'5'),
                Just(b'L'),
                Just(b'K'),
                Just(b'x'),
                Just(b'g'),
                Just(b'2'),
                Just(b'\0'),
                any::<u8>()
            ],
            prop_oneof![
                (0u64..4096).prop_map(|n| format!("{n:011o}\0").into_bytes()),
                any::<u64>().prop_map(|n| format!("{n:o}").into_bytes()),
                prop::collection::vec(any::<u8>(), 12),
            ],
            prop_oneof![
                "[a-z/.]{0,99}".prop_map(String::into_bytes),
                prop::collection::vec(any::<u8>(), 0..100),
            ],
            any::<bool>(),
        )
            .prop_map(|(flag, size, name, ustar)| {
                let mut h = vec![0u8; 512];
                h[..name.len().min(100)].copy_from_slice(&name[..name.len().min(100)]);
                let s = &size[..size.len().min(12)];
                h[124..124 + s.len()].copy_from_slice(s);
                h[156] = flag;
                if ustar {
                    h[257..263].copy_from_slice(b"ustar\0");
                    h[345..350].copy_from_slice(b"pre/x");
                }
                let sum: u32 = h
                    .iter()
                    .enumerate()
                    .map(|(i, &b)| {
                        if (148..156).contains(&i) {
                            32
                        } else {
                            b as u32
                        }
                    })
                    .sum();
                h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
                h
            })
    }

    fn tar_input() -> impl Strategy<Value = Vec<u8>> {
        let files = vec![
            ("/.manifest".to_string(), b"{}".to_vec()),
            (
                format!("/{}/x.rego", "d".repeat(120)),
                b"package x".to_vec(),
            ),
        ];
        let valid = crate::policy::bundle::tar_bytes(&files).unwrap_or_default();
        let blocks = prop::collection::vec(
            prop_oneof![
                3 => header(),
                1 => prop::collection::vec(any::<u8>(), 512),
                1 => Just(b"17 path=a/b/c.rego\n".iter().copied().chain(std::iter::repeat_n(0, 493)).collect()),
            ],
            0..6,
        )
        .prop_map(|b: Vec<Vec<u8>>| b.concat());
        prop_oneof![bytes(2048), blocks, mutated(valid)]
    }

    #[test]
    fn tar_entries() {
        let limits = untar::Limits {
            entries: 50,
            total: 1 << 20,
            name: 4096,
            pax: 4096,
        };
        check("tar entries", CASES, tar_input, move |tar| {
            let r = untar::for_each(tar.as_slice(), limits, |_, body| {
                std::io::copy(body, &mut std::io::sink())?;
                Ok(())
            });
            if let Err(e) = r {
                one_line(&e)?;
            }
            Ok(())
        });
    }

    #[test]
    fn tar_extraction_leaves_nothing_on_failure() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().to_path_buf();
        check("tar extraction", CASES / 8, tar_input, move |tar| {
            let gz = crate::policy::bundle::gzip(&tar, 1)
                .map_err(|e| TestCaseError::fail(e.to_string()))?;
            let out = root.join("out");
            match verify::extract(&gz, &out) {
                Ok(()) => {
                    let _ = std::fs::remove_dir_all(&out);
                }
                Err(e) => {
                    one_line(&e)?;
                    prop_assert!(!out.exists(), "half-written {}", out.display());
                }
            }
            let left = std::fs::read_dir(&root).map(|d| d.count()).unwrap_or(0);
            prop_assert_eq!(left, 0, "temp folder left behind");
            Ok(())
        });
        drop(dir);
    }

    #[test]
    fn env_files() {
        let input = || {
            let line = prop_oneof![
                Just("ANTHROPIC_API_KEY=sk-ant-1".to_string()),
                Just("OPENROUTER_API_KEY=sk-or-1".to_string()),
                Just("LLM_PROVIDER=anthropic".to_string()),
                Just("LLM_PROVIDER=x".to_string()),
                Just("export GITHUB_TOKEN=\"a b\"".to_string()),
                Just("A='unterminated".to_string()),
                Just("B=\"multi\nline\"".to_string()),
                Just("# comment".to_string()),
                Just("\u{feff}X=1\r".to_string()),
                Just("C=${ANTHROPIC_API_KEY}".to_string()),
                "[A-Z_]{0,12}=[ -~]{0,20}",
                any::<String>(),
            ];
            prop_oneof![
                bytes(300),
                prop::collection::vec(line, 0..8).prop_map(|l| l.join("\n").into_bytes()),
            ]
        };
        check(".env files", CASES, input, move |b| {
            if let Err(e) = crate::cluster::secrets::plan_bytes(&b, Path::new(".env")) {
                one_line(&e)?;
                let shown = format!("{e:#}");
                prop_assert!(
                    !shown.contains("sk-ant-1") && !shown.contains("sk-or-1"),
                    "{shown}"
                );
            }
            Ok(())
        });
    }
}
