//! A small Kubernetes API server for the real `kubectl` (no real one can be installed here).
//! It speaks the HTTP API these commands use, as a v1.32 API server answers it: discovery,
//! OpenAPI v3 (so kubectl's default strict validation sends `fieldValidation=Strict`), core/v1
//! Secrets, ConfigMaps and Namespaces with GET, list with label selectors, and server-side apply
//! PATCH with field ownership per manager. It rejects what a real one rejects for these objects
//! (unknown fields, bad names, bad base64, a namespace mismatch, a missing namespace, an
//! immutable type change) with `Status` objects. kubectl v1.32 does not send a bearer token
//! over plain HTTP, so there who may write is a setting of the server (`set_read_only`): a
//! read-only server answers writes with 403 Forbidden, as RBAC would. `start_tls` serves HTTPS
//! (a CA made with openssl) and authorizes each token's requests against RBAC rules.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{json, Map, Value};

#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub content_type: String,
    pub body: String,
}

#[derive(Default)]
struct State {
    namespaces: BTreeSet<String>,
    /// (resource, namespace, name) → object
    objects: BTreeMap<(String, String, String), Value>,
    /// (resource, namespace, name) → manager → owned field paths
    owners: BTreeMap<(String, String, String), BTreeMap<String, BTreeSet<String>>>,
    log: Vec<Request>,
    version: u64,
    read_only: bool,
    /// With TLS: bearer token → its grants (`None`: everything, a cluster admin).
    tokens: Option<BTreeMap<String, Option<Vec<Rule>>>>,
    /// Every authorization decision on a resource: (verb, resource, namespace, name, allowed).
    decisions: Vec<Decision>,
}

/// One RBAC `PolicyRule` of core-group resources, bound in `namespace` (a RoleBinding) or
/// cluster-wide (`None`, a ClusterRoleBinding).
#[derive(Debug, Clone)]
pub struct Rule {
    pub namespace: Option<String>,
    pub resources: Vec<String>,
    pub verbs: Vec<String>,
    pub resource_names: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub verb: String,
    pub resource: String,
    pub namespace: String,
    pub name: String,
    pub allowed: bool,
}

/// The rules RBAC grants `service_account` of `namespace` through the Roles, ClusterRoles and
/// their bindings in `objects` (e.g. what `cargo xtask rbac --json` prints), as the RBAC
/// authorizer resolves them: only bindings naming the subject, only roles they reference.
pub fn grants(objects: &[Value], service_account: &str, namespace: &str) -> Vec<Rule> {
    let find = |kind: &str, name: &str, ns: Option<&str>| {
        objects.iter().find(|o| {
            o["kind"] == kind
                && o["metadata"]["name"] == name
                && ns.is_none_or(|ns| o["metadata"]["namespace"] == ns)
        })
    };
    let strings = |v: &Value| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    for b in objects {
        let (role_kind, bound_ns) = match b["kind"].as_str() {
            Some("RoleBinding") => ("Role", b["metadata"]["namespace"].as_str()),
            Some("ClusterRoleBinding") => ("ClusterRole", None),
            _ => continue,
        };
        let names_us = b["subjects"].as_array().is_some_and(|subjects| {
            subjects.iter().any(|s| {
                s["kind"] == "ServiceAccount"
                    && s["name"] == service_account
                    && s["namespace"] == namespace
            })
        });
        if !names_us || b["roleRef"]["kind"] != role_kind {
            continue;
        }
        let role_name = b["roleRef"]["name"].as_str().unwrap_or("");
        let Some(role) = find(role_kind, role_name, bound_ns) else {
            continue;
        };
        for r in role["rules"].as_array().into_iter().flatten() {
            if !strings(&r["apiGroups"])
                .iter()
                .any(|g| g.is_empty() || g == "*")
            {
                continue;
            }
            out.push(Rule {
                namespace: bound_ns.map(str::to_string),
                resources: strings(&r["resources"]),
                verbs: strings(&r["verbs"]),
                resource_names: strings(&r["resourceNames"]),
            });
        }
    }
    out
}

/// RBAC for a request, when the server checks tokens: `None` to go on, or the refusal.
/// Discovery and OpenAPI are open to any authenticated user (`system:discovery`). An apply
/// PATCH of an object that does not exist yet needs `create` too, as in the real API server.
fn authorize(s: &mut State, bearer: Option<&str>, req: &Request) -> Option<(u16, Value)> {
    let tokens = s.tokens.as_ref()?;
    let Some(grant) = bearer.and_then(|t| tokens.get(t)).cloned() else {
        return Some(status(401, "Unauthorized", "Unauthorized", json!({})));
    };
    let p = req.path.trim_end_matches('/');
    let segs: Vec<&str> = p.trim_start_matches("/api/v1/").split('/').collect();
    let (resource, ns, name) = match (p.starts_with("/api/v1/"), segs.as_slice()) {
        (true, ["namespaces"]) => ("namespaces", "", ""),
        (true, ["namespaces", n]) => ("namespaces", "", *n),
        (true, ["namespaces", ns, r]) => (*r, *ns, ""),
        (true, ["namespaces", ns, r, n]) => (*r, *ns, *n),
        _ => return None,
    };
    let mut verbs = match (req.method.as_str(), name.is_empty()) {
        ("GET", true) if req.query.contains("watch=true") => vec!["watch"],
        ("GET", true) => vec!["list"],
        ("GET", false) => vec!["get"],
        ("PATCH", _) => vec!["patch"],
        ("PUT", _) => vec!["update"],
        ("POST", _) => vec!["create"],
        ("DELETE", _) => vec!["delete"],
        _ => vec!["unknown"],
    };
    let exists = if resource == "namespaces" {
        s.namespaces.contains(name)
    } else {
        s.objects
            .contains_key(&(resource.to_string(), ns.to_string(), name.to_string()))
    };
    if req.method == "PATCH" && !exists {
        verbs.push("create");
    }
    for verb in verbs {
        let allowed = grant.as_ref().is_none_or(|rules| {
            rules.iter().any(|r| {
                r.namespace.as_deref().is_none_or(|n| n == ns)
                    && r.resources.iter().any(|x| x == resource || x == "*")
                    && r.verbs.iter().any(|x| x == verb || x == "*")
                    && (r.resource_names.is_empty()
                        || (verb != "create" && r.resource_names.iter().any(|x| x == name)))
            })
        });
        s.decisions.push(Decision {
            verb: verb.into(),
            resource: resource.into(),
            namespace: ns.into(),
            name: name.into(),
            allowed,
        });
        if !allowed {
            let scope = if ns.is_empty() {
                "at the cluster scope".to_string()
            } else {
                format!("in the namespace \"{ns}\"")
            };
            return Some(status(403, "Forbidden",
                &format!("{resource} \"{name}\" is forbidden: User \"system:serviceaccount:token\" cannot {verb} resource \"{resource}\" in API group \"\" {scope}"),
                json!({"name": name, "kind": resource})));
        }
    }
    None
}

pub struct ApiServer {
    pub url: String,
    state: Arc<Mutex<State>>,
    pub dir: tempfile::TempDir,
}

impl ApiServer {
    /// Starts with the given namespaces existing.
    pub fn start(namespaces: &[&str]) -> ApiServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State::default()));
        {
            let mut s = state.lock().unwrap();
            for ns in namespaces {
                s.namespaces.insert(ns.to_string());
            }
        }
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let st = st.clone();
                std::thread::spawn(move || {
                    let _ = serve(conn, &st);
                });
            }
        });
        ApiServer {
            url,
            state,
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    /// Starts serving HTTPS with a certificate from a CA made here with openssl (kubectl sends
    /// bearer tokens only over TLS), checking every request's token: see `set_token`.
    pub fn start_tls(namespaces: &[&str]) -> ApiServer {
        let dir = tempfile::tempdir().expect("tempdir");
        let d = dir.path();
        let openssl = |args: &[&str]| {
            let out = std::process::Command::new("openssl")
                .args(args)
                .current_dir(d)
                .output()
                .expect("run openssl (./scripts/test installs it)");
            assert!(
                out.status.success(),
                "openssl {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        };
        let ec = [
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
        ];
        openssl(
            &[
                &["req", "-x509"][..],
                &ec,
                &[
                    "-keyout",
                    "ca.key",
                    "-out",
                    "ca.crt",
                    "-days",
                    "1",
                    "-subj",
                    "/CN=xtask-test-ca",
                ],
            ]
            .concat(),
        );
        openssl(
            &[
                &["req"][..],
                &ec,
                &[
                    "-keyout",
                    "server.key",
                    "-out",
                    "server.csr",
                    "-subj",
                    "/CN=127.0.0.1",
                ],
            ]
            .concat(),
        );
        std::fs::write(
            d.join("ext"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
        )
        .expect("ext");
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.crt",
            "-days",
            "1",
            "-extfile",
            "ext",
        ]);

        use rustls::pki_types::pem::PemObject;
        use rustls::pki_types::{CertificateDer, PrivateKeyDer};
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(d.join("server.crt"))
                .expect("server.crt")
                .collect::<Result<_, _>>()
                .expect("certs");
        let key = PrivateKeyDer::from_pem_file(d.join("server.key")).expect("server.key");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("tls versions")
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .expect("server cert");
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        let config = Arc::new(config);

        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("https://{}", listener.local_addr().expect("addr"));
        let state = Arc::new(Mutex::new(State {
            tokens: Some(BTreeMap::new()),
            ..State::default()
        }));
        {
            let mut s = state.lock().unwrap();
            for ns in namespaces {
                s.namespaces.insert(ns.to_string());
            }
        }
        let st = state.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming().flatten() {
                let st = st.clone();
                let config = config.clone();
                std::thread::spawn(move || {
                    let _ = conn.set_read_timeout(Some(std::time::Duration::from_secs(30)));
                    let Ok(tls) = rustls::ServerConnection::new(config) else {
                        return;
                    };
                    let mut stream = rustls::StreamOwned::new(tls, conn);
                    if serve(&mut stream, &st).is_ok() {
                        stream.conn.send_close_notify();
                        let _ = stream.flush();
                    }
                });
            }
        });
        ApiServer { url, state, dir }
    }

    /// Accept `token` with these grants (`None`: everything, a cluster admin).
    pub fn set_token(&self, token: &str, rules: Option<Vec<Rule>>) {
        let mut s = self.state.lock().unwrap();
        s.tokens
            .get_or_insert_with(BTreeMap::new)
            .insert(token.to_string(), rules);
    }

    /// Every RBAC decision so far.
    pub fn decisions(&self) -> Vec<Decision> {
        self.state.lock().unwrap().decisions.clone()
    }

    /// A kubeconfig for the TLS server: its CA, and `token` as the user's bearer token.
    pub fn kubeconfig_tls(&self, token: &str) -> PathBuf {
        let path = self.dir.path().join(format!("kubeconfig-{token}"));
        let ca = self.dir.path().join("ca.crt");
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {}\n    certificate-authority: {}\n\
             contexts:\n- name: test\n  context:\n    cluster: test\n    user: test\n\
             current-context: test\nusers:\n- name: test\n  user:\n    token: {token}\n",
            self.url,
            ca.display()
        );
        std::fs::write(&path, text).expect("kubeconfig");
        path
    }

    /// Answer every write with 403 Forbidden from now on (or no longer).
    pub fn set_read_only(&self, read_only: bool) {
        self.state.lock().unwrap().read_only = read_only;
    }

    /// A kubeconfig for this server, with current context `test` (or none).
    pub fn kubeconfig(&self, current_context: bool) -> PathBuf {
        let token = "test-token";
        let path = self
            .dir
            .path()
            .join(format!("kubeconfig-{current_context}"));
        let current = if current_context {
            "current-context: test\n"
        } else {
            ""
        };
        let text = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {}\n\
             contexts:\n- name: test\n  context:\n    cluster: test\n    user: test\n\
             {current}users:\n- name: test\n  user:\n    token: {token}\n",
            self.url
        );
        std::fs::write(&path, text).expect("kubeconfig");
        path
    }

    pub fn object(&self, resource: &str, ns: &str, name: &str) -> Option<Value> {
        let s = self.state.lock().unwrap();
        s.objects
            .get(&(resource.into(), ns.into(), name.into()))
            .cloned()
    }

    pub fn has_namespace(&self, ns: &str) -> bool {
        self.state.lock().unwrap().namespaces.contains(ns)
    }

    pub fn requests(&self) -> Vec<Request> {
        self.state.lock().unwrap().log.clone()
    }

    /// Every apply body received, for the schema check.
    pub fn applied_bodies(&self) -> Vec<String> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == "PATCH")
            .map(|r| r.body)
            .collect()
    }

    /// Deletes an object, as another client would.
    pub fn remove(&self, resource: &str, ns: &str, name: &str) {
        let mut s = self.state.lock().unwrap();
        let key = (resource.into(), ns.into(), name.into());
        s.objects.remove(&key);
        s.owners.remove(&key);
    }

    /// Puts an object as another client would have (another field manager).
    pub fn insert(&self, resource: &str, ns: &str, obj: Value) {
        let name = obj["metadata"]["name"].as_str().unwrap().to_string();
        let mut s = self.state.lock().unwrap();
        s.objects.insert((resource.into(), ns.into(), name), obj);
    }
}

fn serve<S: Read + Write>(mut conn: S, state: &Mutex<State>) -> std::io::Result<()> {
    let mut reader = BufReader::new(&mut conn);
    let mut line = String::new();
    reader.read_line(&mut line)?;
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or("").to_string();
    let target = parts.next().unwrap_or("").to_string();
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h)?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_string());
        }
    }
    let mut body = Vec::new();
    if let Some(len) = headers
        .get("content-length")
        .and_then(|l| l.parse::<usize>().ok())
    {
        body.resize(len, 0);
        reader.read_exact(&mut body)?;
    } else if headers
        .get("transfer-encoding")
        .is_some_and(|t| t.contains("chunked"))
    {
        loop {
            let mut size = String::new();
            reader.read_line(&mut size)?;
            let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
            let mut chunk = vec![0; n + 2];
            reader.read_exact(&mut chunk)?;
            if n == 0 {
                break;
            }
            body.extend_from_slice(&chunk[..n]);
        }
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (target.clone(), String::new()),
    };
    let req = Request {
        method,
        path,
        query,
        content_type: headers.get("content-type").cloned().unwrap_or_default(),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    drop(reader);
    let (code, value) = {
        let mut s = state.lock().unwrap();
        s.log.push(req.clone());
        let bearer = headers
            .get("authorization")
            .and_then(|a| a.strip_prefix("Bearer "));
        match authorize(&mut s, bearer, &req) {
            Some(refusal) => refusal,
            None => handle(&mut s, &req),
        }
    };
    let body = value.to_string();
    let reason = match code {
        200 => "OK",
        201 => "Created",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        409 => "Conflict",
        415 => "Unsupported Media Type",
        422 => "Unprocessable Entity",
        _ => "Bad Request",
    };
    let out = &mut conn;
    write!(
        out,
        "HTTP/1.1 {code} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    out.flush()
}

fn status(code: u16, reason: &str, message: &str, details: Value) -> (u16, Value) {
    (
        code,
        json!({
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "details": details,
            "code": code,
        }),
    )
}

fn query_param(query: &str, key: &str) -> Option<String> {
    query.split('&').find_map(|kv| {
        let (k, v) = kv.split_once('=')?;
        (k == key).then(|| percent_decode(v))
    })
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            if let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(if b[i] == b'+' { b' ' } else { b[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

const RESOURCES: [(&str, &str, bool); 3] = [
    ("secrets", "Secret", true),
    ("configmaps", "ConfigMap", true),
    ("namespaces", "Namespace", false),
];

fn handle(s: &mut State, req: &Request) -> (u16, Value) {
    let p = req.path.trim_end_matches('/');
    match (req.method.as_str(), p) {
        ("GET", "/version") => {
            return (
                200,
                json!({"major": "1", "minor": "32", "gitVersion": "v1.32.0", "gitCommit": "test",
                       "gitTreeState": "clean", "buildDate": "2024-12-11T00:00:00Z",
                       "goVersion": "go1.23.4", "compiler": "gc", "platform": "linux/amd64"}),
            )
        }
        ("GET", "/api") => {
            return (
                200,
                json!({"kind": "APIVersions", "versions": ["v1"],
                       "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}),
            )
        }
        ("GET", "/apis") => {
            return (
                200,
                json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": []}),
            )
        }
        ("GET", "/api/v1") => {
            let resources: Vec<Value> = RESOURCES
                .iter()
                .map(|(plural, kind, namespaced)| {
                    json!({"name": plural, "singularName": kind.to_ascii_lowercase(),
                           "namespaced": namespaced, "kind": kind,
                           "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"],
                           "shortNames": if *plural == "configmaps" { json!(["cm"]) } else if *plural == "namespaces" { json!(["ns"]) } else { json!([]) },
                           "storageVersionHash": "test"})
                })
                .collect();
            return (
                200,
                json!({"kind": "APIResourceList", "groupVersion": "v1", "resources": resources}),
            );
        }
        ("GET", "/openapi/v3") => {
            return (
                200,
                json!({"paths": {"api/v1": {"serverRelativeURL": "/openapi/v3/api/v1?hash=TEST"}}}),
            )
        }
        ("GET", "/openapi/v3/api/v1") => return (200, openapi_v1()),
        _ => {}
    }

    // /api/v1/namespaces/{ns}/{resource}[/{name}] and /api/v1/namespaces[/{name}]
    let segs: Vec<&str> = p.trim_start_matches("/api/v1/").split('/').collect();
    let (resource, ns, name) = match segs.as_slice() {
        ["namespaces"] => ("namespaces", "", None),
        ["namespaces", n] => ("namespaces", "", Some(*n)),
        ["namespaces", ns, r] => (*r, *ns, None),
        ["namespaces", ns, r, n] => (*r, *ns, Some(*n)),
        _ => {
            return status(
                404,
                "NotFound",
                "the server could not find the requested resource",
                json!({}),
            )
        }
    };
    let Some(&(_, kind, namespaced)) = RESOURCES.iter().find(|r| r.0 == resource) else {
        return status(
            404,
            "NotFound",
            "the server could not find the requested resource",
            json!({}),
        );
    };
    let singular = kind.to_ascii_lowercase();
    if namespaced && !s.namespaces.contains(ns) && req.method == "PATCH" {
        return status(
            404,
            "NotFound",
            &format!("namespaces \"{ns}\" not found"),
            json!({"name": ns, "kind": "namespaces"}),
        );
    }
    match (req.method.as_str(), name) {
        ("GET", Some(name)) => {
            let key = (resource.to_string(), ns.to_string(), name.to_string());
            let found = if resource == "namespaces" {
                s.namespaces.contains(name).then(|| namespace_object(name))
            } else {
                s.objects.get(&key).cloned()
            };
            match found {
                Some(o) => (200, o),
                None => status(
                    404,
                    "NotFound",
                    &format!("{resource} \"{name}\" not found"),
                    json!({"name": name, "kind": resource}),
                ),
            }
        }
        ("GET", None) => {
            let selector = query_param(&req.query, "labelSelector").unwrap_or_default();
            let wanted: Vec<(String, String)> = selector
                .split(',')
                .filter(|t| !t.is_empty())
                .filter_map(|t| {
                    t.split_once('=')
                        .map(|(k, v)| (k.trim_end_matches('=').to_string(), v.to_string()))
                })
                .collect();
            let items: Vec<Value> = s
                .objects
                .iter()
                .filter(|((r, n, _), _)| r == resource && n == ns)
                .map(|(_, o)| o.clone())
                .filter(|o| {
                    wanted
                        .iter()
                        .all(|(k, v)| o["metadata"]["labels"][k.as_str()] == v.as_str())
                })
                .collect();
            (
                200,
                json!({"kind": format!("{kind}List"), "apiVersion": "v1",
                         "metadata": {"resourceVersion": s.version.to_string()}, "items": items}),
            )
        }
        ("PATCH", Some(name)) => {
            if s.read_only {
                return status(403, "Forbidden",
                    &format!("{resource} \"{name}\" is forbidden: User \"reader\" cannot patch resource \"{resource}\" in API group \"\" in the namespace \"{ns}\""),
                    json!({"name": name, "kind": resource}));
            }
            apply(s, req, resource, kind, &singular, ns, name)
        }
        _ => status(
            405,
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource",
            json!({}),
        ),
    }
}

fn namespace_object(name: &str) -> Value {
    json!({"apiVersion": "v1", "kind": "Namespace",
           "metadata": {"name": name, "uid": format!("uid-ns-{name}"), "resourceVersion": "1"},
           "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}})
}

fn is_dns_subdomain(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 253
        && s.split('.').all(|l| {
            let b = l.as_bytes();
            !b.is_empty()
                && b[0].is_ascii_alphanumeric()
                && b[b.len() - 1].is_ascii_alphanumeric()
                && b.iter()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-')
        })
}

fn invalid(kind: &str, name: &str, field: &str, message: &str) -> (u16, Value) {
    status(
        422,
        "Invalid",
        &format!("{kind} \"{name}\" is invalid: {field}: {message}"),
        json!({"name": name, "kind": kind.to_ascii_lowercase(),
               "causes": [{"reason": "FieldValueInvalid", "message": message, "field": field}]}),
    )
}

fn apply(
    s: &mut State,
    req: &Request,
    resource: &str,
    kind: &str,
    singular: &str,
    ns: &str,
    name: &str,
) -> (u16, Value) {
    if req.content_type != "application/apply-patch+yaml" {
        return status(415, "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml",
            json!({}));
    }
    let Some(manager) = query_param(&req.query, "fieldManager") else {
        return invalid(
            "PatchOptions.meta.k8s.io",
            "",
            "fieldManager",
            "Required value: is required for apply patch",
        );
    };
    let strict = query_param(&req.query, "fieldValidation").as_deref() == Some("Strict");
    // The body is YAML or JSON; kubectl sends what it was given (here always JSON).
    let Ok(obj) = serde_json::from_str::<Value>(&req.body) else {
        return status(
            400,
            "BadRequest",
            "error decoding YAML: the body is not JSON or YAML this server reads",
            json!({}),
        );
    };
    let Some(top) = obj.as_object() else {
        return status(400, "BadRequest", "the body is not an object", json!({}));
    };
    if obj["apiVersion"] != "v1" || obj["kind"] != kind {
        return status(400, "BadRequest",
            &format!("the API version in the data ({}) does not match the expected API version (v1) or kind ({kind})", obj["apiVersion"]),
            json!({}));
    }
    let allowed: &[&str] = match kind {
        "Secret" => &[
            "apiVersion",
            "kind",
            "metadata",
            "data",
            "stringData",
            "type",
            "immutable",
        ],
        "ConfigMap" => &[
            "apiVersion",
            "kind",
            "metadata",
            "data",
            "binaryData",
            "immutable",
        ],
        _ => &["apiVersion", "kind", "metadata", "spec", "status"],
    };
    let meta_allowed = [
        "name",
        "namespace",
        "labels",
        "annotations",
        "generateName",
        "finalizers",
        "ownerReferences",
    ];
    if strict {
        for k in top.keys() {
            if !allowed.contains(&k.as_str()) {
                return invalid(kind, name, &format!(".{k}"), "field not declared in schema");
            }
        }
        if let Some(m) = obj["metadata"].as_object() {
            for k in m.keys() {
                if !meta_allowed.contains(&k.as_str()) {
                    return invalid(
                        kind,
                        name,
                        &format!(".metadata.{k}"),
                        "field not declared in schema",
                    );
                }
            }
        }
    }
    if obj["metadata"]["name"] != name {
        return status(
            400,
            "BadRequest",
            "the name of the object does not match the name on the URL",
            json!({}),
        );
    }
    if !is_dns_subdomain(name) {
        return invalid(kind, name, "metadata.name", "Invalid value: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'");
    }
    if !ns.is_empty() {
        if let Some(obj_ns) = obj["metadata"]["namespace"].as_str() {
            if obj_ns != ns {
                return status(400, "BadRequest", "the namespace of the provided object does not match the namespace sent on the request", json!({}));
            }
        }
    }
    for (field, limit) in [("labels", 63usize), ("annotations", 262_144)] {
        if let Some(m) = obj["metadata"][field].as_object() {
            for (k, v) in m {
                let Some(v) = v.as_str() else {
                    return invalid(
                        kind,
                        name,
                        &format!("metadata.{field}"),
                        "Invalid value: values must be strings",
                    );
                };
                if field == "labels"
                    && (v.len() > limit
                        || !v
                            .bytes()
                            .all(|c| c.is_ascii_alphanumeric() || b"-_.".contains(&c)))
                {
                    return invalid(kind, name, "metadata.labels", &format!("Invalid value: {v:?}: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'"));
                }
                if k.is_empty() || k.len() > 316 {
                    return invalid(
                        kind,
                        name,
                        &format!("metadata.{field}"),
                        "Invalid value: bad key",
                    );
                }
            }
        }
    }
    if let Some(data) = obj["data"].as_object() {
        for (k, v) in data {
            if k.is_empty()
                || !k
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-._".contains(&c))
            {
                return invalid(kind, name, &format!("data[{k}]"), "Invalid value: a valid config key must consist of alphanumeric characters, '-', '_' or '.'");
            }
            let Some(v) = v.as_str() else {
                return invalid(
                    kind,
                    name,
                    &format!("data[{k}]"),
                    "Invalid value: must be a string",
                );
            };
            if kind == "Secret" && !is_base64(v) {
                return status(
                    400,
                    "BadRequest",
                    "illegal base64 data in a Secret's data",
                    json!({}),
                );
            }
        }
    }
    let key = (resource.to_string(), ns.to_string(), name.to_string());
    if kind == "Namespace" {
        let created = s.namespaces.insert(name.to_string());
        return (if created { 201 } else { 200 }, namespace_object(name));
    }
    if kind == "Secret" {
        if let (Some(old), Some(new)) = (s.objects.get(&key), obj["type"].as_str()) {
            if old["type"].as_str().is_some_and(|t| t != new) {
                return invalid(kind, name, "type", "Invalid value: field is immutable");
            }
        }
        if obj["type"] == "kubernetes.io/ssh-auth" && obj["data"]["ssh-privatekey"].is_null() {
            return invalid(kind, name, "data[ssh-privatekey]", "Required value");
        }
    }

    // Server-side apply: the fields this manager sets now; fields it set before and no longer
    // sets are removed unless another manager owns them.
    let new_fields = field_set(&obj);
    let created = !s.objects.contains_key(&key);
    let mut stored = s.objects.get(&key).cloned().unwrap_or_else(
        || json!({"apiVersion": "v1", "kind": kind, "metadata": {"name": name, "namespace": ns}}),
    );
    let owners = s.owners.entry(key.clone()).or_default();
    let before = owners.get(&manager).cloned().unwrap_or_default();
    for gone in before.difference(&new_fields) {
        let owned_elsewhere = owners
            .iter()
            .any(|(m, f)| *m != manager && f.contains(gone));
        if !owned_elsewhere {
            remove_field(&mut stored, gone);
        }
    }
    for f in &new_fields {
        set_field(&mut stored, &obj, f);
    }
    owners.insert(manager.clone(), new_fields.clone());
    s.version += 1;
    let version = s.version;
    let m = stored["metadata"].as_object_mut().expect("metadata");
    m.entry("uid")
        .or_insert(json!(format!("uid-{singular}-{name}")));
    m.entry("creationTimestamp")
        .or_insert(json!("2026-11-23T00:00:00Z"));
    m.insert("resourceVersion".into(), json!(version.to_string()));
    let managed: Vec<Value> = owners
        .iter()
        .map(|(mgr, fields)| json!({"manager": mgr, "operation": "Apply", "apiVersion": "v1",
                                    "time": "2026-11-23T00:00:00Z", "fieldsType": "FieldsV1",
                                    "fieldsV1": fields.iter().map(|f| (format!("f:{f}"), json!({}))).collect::<Map<String, Value>>()}))
        .collect();
    m.insert("managedFields".into(), json!(managed));
    if kind == "Secret" && stored["type"].is_null() {
        stored["type"] = json!("Opaque");
    }
    s.objects.insert(key, stored.clone());
    (if created { 201 } else { 200 }, stored)
}

/// Leaf fields an apply sets: `data.K`, `metadata.labels.K`, `metadata.annotations.K`, `type`.
fn field_set(obj: &Value) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for (path, v) in [
        ("data", &obj["data"]),
        ("binaryData", &obj["binaryData"]),
        ("metadata.labels", &obj["metadata"]["labels"]),
        ("metadata.annotations", &obj["metadata"]["annotations"]),
    ] {
        if let Some(m) = v.as_object() {
            for k in m.keys() {
                out.insert(format!("{path}\u{0}{k}"));
            }
        }
    }
    for f in ["type", "immutable"] {
        if !obj[f].is_null() {
            out.insert(f.to_string());
        }
    }
    out
}

fn split(field: &str) -> (Vec<&str>, Option<&str>) {
    match field.split_once('\u{0}') {
        Some((path, key)) => (path.split('.').collect(), Some(key)),
        None => (vec![field], None),
    }
}

fn remove_field(obj: &mut Value, field: &str) {
    let (path, key) = split(field);
    let mut node = obj;
    for p in &path[..path.len() - if key.is_some() { 0 } else { 1 }] {
        node = &mut node[*p];
    }
    match key {
        Some(k) => {
            if let Some(m) = node.as_object_mut() {
                m.remove(k);
            }
        }
        None => {
            if let Some(m) = node.as_object_mut() {
                m.remove(path[path.len() - 1]);
            }
        }
    }
}

fn set_field(stored: &mut Value, from: &Value, field: &str) {
    let (path, key) = split(field);
    let mut src = from;
    let mut dst = stored;
    let n = if key.is_some() {
        path.len()
    } else {
        path.len() - 1
    };
    for p in &path[..n] {
        src = &src[*p];
        if dst[*p].is_null() {
            dst[*p] = json!({});
        }
        dst = &mut dst[*p];
    }
    match key {
        Some(k) => dst[k] = src[k].clone(),
        None => {
            let last = path[path.len() - 1];
            dst[last] = src[last].clone();
        }
    }
}

fn is_base64(s: &str) -> bool {
    s.len().is_multiple_of(4)
        && s.bytes().enumerate().all(|(i, c)| {
            c.is_ascii_alphanumeric() || c == b'+' || c == b'/' || (c == b'=' && i + 2 >= s.len())
        })
}

/// The slice of the v1 OpenAPI v3 document kubectl reads: the PATCH operations with their
/// `fieldValidation` parameter (so kubectl lets the server validate), and the schemas.
fn openapi_v1() -> Value {
    let patch = |kind: &str, namespaced: bool| {
        let mut params = vec![
            json!({"name": "fieldManager", "in": "query", "schema": {"type": "string"}}),
            json!({"name": "fieldValidation", "in": "query", "schema": {"type": "string"}}),
            json!({"name": "force", "in": "query", "schema": {"type": "boolean"}}),
            json!({"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}),
        ];
        if namespaced {
            params.push(json!({"name": "namespace", "in": "path", "required": true, "schema": {"type": "string"}}));
        }
        json!({"patch": {
            "operationId": format!("patchCoreV1{}{kind}", if namespaced { "Namespaced" } else { "" }),
            "parameters": params,
            "requestBody": {"content": {"application/apply-patch+yaml": {"schema": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.Patch"}}}},
            "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/io.k8s.api.core.v1.{kind}")}}}}},
            "x-kubernetes-action": "patch",
            "x-kubernetes-group-version-kind": {"group": "", "version": "v1", "kind": kind},
        }})
    };
    let gvk = |kind: &str| json!([{"group": "", "version": "v1", "kind": kind}]);
    let map = json!({"type": "object", "additionalProperties": {"type": "string", "default": ""}});
    json!({
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": "v1.32.0"},
        "paths": {
            "/api/v1/namespaces/{namespace}/secrets/{name}": patch("Secret", true),
            "/api/v1/namespaces/{namespace}/configmaps/{name}": patch("ConfigMap", true),
            "/api/v1/namespaces/{name}": patch("Namespace", false),
        },
        "components": {"schemas": {
            "io.k8s.apimachinery.pkg.apis.meta.v1.Patch": {"type": "object"},
            "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta": {"type": "object", "properties": {
                "name": {"type": "string"}, "namespace": {"type": "string"},
                "labels": map.clone(), "annotations": map.clone()}},
            "io.k8s.api.core.v1.Secret": {"type": "object", "properties": {
                "apiVersion": {"type": "string"}, "kind": {"type": "string"},
                "metadata": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
                "data": {"type": "object", "additionalProperties": {"type": "string", "format": "byte"}},
                "stringData": map.clone(), "type": {"type": "string"}, "immutable": {"type": "boolean"}},
                "x-kubernetes-group-version-kind": gvk("Secret")},
            "io.k8s.api.core.v1.ConfigMap": {"type": "object", "properties": {
                "apiVersion": {"type": "string"}, "kind": {"type": "string"},
                "metadata": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
                "data": map.clone(), "immutable": {"type": "boolean"}},
                "x-kubernetes-group-version-kind": gvk("ConfigMap")},
            "io.k8s.api.core.v1.Namespace": {"type": "object", "properties": {
                "apiVersion": {"type": "string"}, "kind": {"type": "string"},
                "metadata": {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}},
                "x-kubernetes-group-version-kind": gvk("Namespace")},
        }},
    })
}
