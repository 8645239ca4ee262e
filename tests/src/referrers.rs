//! The OCI 1.1 referrers API in front of the test registry: Debian's `docker-registry` has none
//! (clients then fall back to the referrers tag schema, `sha256-<hex>` index tags), so for the
//! other path this front ([`crate::front::Front`]) serves it as the distribution spec says:
//! a manifest PUT with a `subject` is forwarded, recorded and answered with `OCI-Subject`;
//! `GET /v2/<repo>/referrers/<digest>[?artifactType=T]` answers an image index of the recorded
//! descriptors (`artifactType` from the manifest, else its config's media type; annotations
//! copied; `OCI-Filters-Applied: artifactType` when filtered); a manifest DELETE forgets it.
//! Everything else is forwarded unchanged.
//!
//! ```ignore
//! let reg = TestRegistry::start();
//! let front = referrers::start(&reg.addr); // push and verify against front.addr
//! ```

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use sha2::{Digest, Sha256};

use crate::front::{Front, Reply, Request, Response};

const INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// (repository, subject digest) -> referrer descriptors, in push order.
type Referrers = BTreeMap<(String, String), Vec<serde_json::Value>>;

/// A front on a free loopback port, forwarding to the registry at `upstream` and serving the
/// referrers API itself.
pub fn start(upstream: &str) -> Front {
    let known: Arc<Mutex<Referrers>> = Arc::default();
    Front::start(upstream, move |req, up| {
        let path = req.path_only().to_string();
        if req.method == "GET" {
            if let Some((repo, digest)) = split(&path, "/referrers/") {
                return Reply::Send(list(&known.lock().unwrap(), repo, digest, &req.path));
            }
        }
        if req.method == "PUT" {
            if let Some((repo, _)) = split(&path, "/manifests/") {
                let mut resp = up.forward(req);
                if resp.status == 201 {
                    if let Some((subject, desc)) = referrer(req) {
                        resp.set_header("OCI-Subject", &subject);
                        let mut k = known.lock().unwrap();
                        let list = k.entry((repo.to_string(), subject)).or_default();
                        list.retain(|d| d["digest"] != desc["digest"]);
                        list.push(desc);
                    }
                }
                return Reply::Send(resp);
            }
        }
        if req.method == "DELETE" {
            if let Some((repo, reference)) = split(&path, "/manifests/") {
                let resp = up.forward(req);
                if resp.status == 202 {
                    for ((r, _), list) in known.lock().unwrap().iter_mut() {
                        if r == repo {
                            list.retain(|d| d["digest"] != reference);
                        }
                    }
                }
                return Reply::Send(resp);
            }
        }
        Reply::Send(up.forward(req))
    })
}

/// `/v2/<repo>/<kind>/<ref>` -> (repo, ref).
fn split<'a>(path: &'a str, kind: &str) -> Option<(&'a str, &'a str)> {
    let rest = path.strip_prefix("/v2/")?;
    let i = rest.rfind(kind)?;
    Some((&rest[..i], &rest[i + kind.len()..]))
}

/// The subject digest and the descriptor of a pushed manifest that has a subject.
fn referrer(req: &Request) -> Option<(String, serde_json::Value)> {
    let m: serde_json::Value = serde_json::from_slice(&req.body).ok()?;
    let subject = m["subject"]["digest"].as_str()?.to_string();
    let media_type = m["mediaType"]
        .as_str()
        .or_else(|| req.header("content-type"))
        .unwrap_or("application/vnd.oci.image.manifest.v1+json");
    let artifact_type = m["artifactType"]
        .as_str()
        .or_else(|| m["config"]["mediaType"].as_str());
    let mut desc = serde_json::json!({
        "mediaType": media_type,
        "digest": format!("sha256:{:x}", Sha256::digest(&req.body)),
        "size": req.body.len(),
    });
    if let Some(t) = artifact_type {
        desc["artifactType"] = t.into();
    }
    if m["annotations"].is_object() {
        desc["annotations"] = m["annotations"].clone();
    }
    Some((subject, desc))
}

fn list(known: &Referrers, repo: &str, digest: &str, full_path: &str) -> Response {
    let filter = full_path
        .split_once('?')
        .and_then(|(_, q)| q.split('&').find_map(|kv| kv.strip_prefix("artifactType=")))
        .map(|t| {
            t.replace("%2B", "+")
                .replace("%2b", "+")
                .replace("%2F", "/")
        });
    let manifests: Vec<serde_json::Value> = known
        .get(&(repo.to_string(), digest.to_string()))
        .into_iter()
        .flatten()
        .filter(|d| filter.as_deref().is_none_or(|t| d["artifactType"] == t))
        .cloned()
        .collect();
    let body = serde_json::json!({"schemaVersion": 2, "mediaType": INDEX, "manifests": manifests});
    let resp = Response::new(200, body.to_string()).with_header("Content-Type", INDEX);
    if filter.is_some() {
        resp.with_header("OCI-Filters-Applied", "artifactType")
    } else {
        resp
    }
}
