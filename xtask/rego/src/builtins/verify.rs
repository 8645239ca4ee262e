//! Certificate chain verification as OPA's `crypto.x509.parse_and_verify_certificates(_with_options)`
//! does it: Go's `x509.Certificate.Verify` with the first certificate as the only root, the last as
//! the leaf and the others as intermediates (signatures, validity periods, CA and path-length
//! constraints, unhandled critical extensions, host name, extended key usages).

use anyhow::{anyhow, Result};
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::certs::{Cert, Curve, PublicKey};

/// What `Verify` is told: host name to match, the time (ns since the epoch), the extended key
/// usages a chain must allow (Go's numbers; empty means server authentication).
#[derive(Default)]
pub struct Options {
    pub dns_name: String,
    pub current_time_ns: Option<i128>,
    pub key_usages: Vec<i64>,
}

/// The verified chain, leaf first and root last (Go's `chains[0]`), or why there is none.
pub fn verify_chain<'a>(certs: &'a [Cert], opts: &Options) -> Result<Vec<&'a Cert>> {
    if certs.len() < 2 {
        return Err(anyhow!(
            "must supply at least two certificates to be able to verify"
        ));
    }
    let root = &certs[0];
    let intermediates: Vec<&Cert> = certs[1..certs.len() - 1].iter().collect();
    let leaf = &certs[certs.len() - 1];
    let now = opts.current_time_ns.unwrap_or_else(now_ns);

    is_valid(leaf, Kind::Leaf, &[], now)?;
    if !opts.dns_name.is_empty() {
        verify_hostname(leaf, &opts.dns_name)?;
    }
    let candidates = if root.raw == leaf.raw {
        vec![vec![leaf]]
    } else {
        let mut checks = 0;
        build_chains(vec![leaf], root, &intermediates, now, &mut checks)?
    };
    let mut usages = opts.key_usages.clone();
    if usages.is_empty() {
        usages.push(1); // ExtKeyUsageServerAuth
    }
    // Chains with invalid certificate policies go first; then, unless any usage is
    // accepted, those whose extended key usages do not allow the requested ones.
    let candidates: Vec<Vec<&Cert>> = candidates
        .into_iter()
        .filter(|c| policies_valid(c))
        .collect();
    if candidates.is_empty() {
        return Err(anyhow!("x509: all candidate chains have invalid policies"));
    }
    if usages.contains(&0) {
        return candidates
            .into_iter()
            .next()
            .ok_or_else(|| anyhow!("x509: no chain"));
    }
    candidates
        .into_iter()
        .find(|c| chain_allows(c, &usages))
        .ok_or_else(|| anyhow!("x509: certificate specifies an incompatible key usage"))
}

fn now_ns() -> i128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as i128)
        .unwrap_or(0)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Leaf,
    Intermediate,
    Root,
}

/// Go's `isValid`.
fn is_valid(c: &Cert, kind: Kind, chain: &[&Cert], now: i128) -> Result<()> {
    if !c.unhandled_critical.is_empty() {
        return Err(anyhow!("x509: unhandled critical extension"));
    }
    if let Some(child) = chain.last() {
        if child.raw_issuer != c.raw_subject {
            return Err(anyhow!(
                "x509: issuer name does not match subject from issuing certificate"
            ));
        }
    }
    let nb = i128::from(c.not_before.unix) * 1_000_000_000;
    let na = i128::from(c.not_after.unix) * 1_000_000_000;
    if now < nb || now > na {
        return Err(anyhow!("x509: certificate has expired or is not yet valid"));
    }
    if kind != Kind::Leaf && has_name_constraints(c) {
        for below in chain
            .iter()
            .filter(|b| b.extensions.iter().any(|e| e.id == [2, 5, 29, 17]))
        {
            check_names(c, below)?;
        }
    }
    if kind == Kind::Intermediate && (!c.basic_constraints_valid || !c.is_ca) {
        return Err(anyhow!(
            "x509: certificate is not authorized to sign other certificates"
        ));
    }
    if c.basic_constraints_valid && c.max_path_len >= 0 {
        let intermediates = chain.len() as i64 - 1;
        if intermediates > c.max_path_len {
            return Err(anyhow!(
                "x509: too many intermediates for path length constraint"
            ));
        }
    }
    Ok(())
}

/// Go's `buildChains` over one root and the intermediates: every chain from `chain`'s last
/// certificate up to the root, roots tried before intermediates, key identifiers matching first.
fn build_chains<'a>(
    chain: Vec<&'a Cert>,
    root: &'a Cert,
    intermediates: &[&'a Cert],
    now: i128,
    checks: &mut usize,
) -> Result<Vec<Vec<&'a Cert>>> {
    let Some(c) = chain.last().copied() else {
        return Ok(Vec::new());
    };
    let mut chains = Vec::new();
    let mut hint: Option<anyhow::Error> = None;
    let candidates = std::iter::once((Kind::Root, root))
        .filter(|(_, r)| r.raw_subject == c.raw_issuer)
        .chain(parents(c, intermediates).map(|p| (Kind::Intermediate, p)));
    for (kind, p) in candidates {
        if matches!(p.public_key, PublicKey::None)
            || chain
                .iter()
                .any(|x| x.raw_subject == p.raw_subject && x.spki == p.spki)
        {
            continue;
        }
        *checks += 1;
        if *checks > 100 {
            return Err(anyhow!(
                "x509: signature check attempts limit reached while verifying certificate chain"
            ));
        }
        if let Err(e) = check_signature_from(c, p).and_then(|_| is_valid(p, kind, &chain, now)) {
            hint.get_or_insert(e);
            continue;
        }
        let mut next = chain.clone();
        next.push(p);
        match kind {
            Kind::Root => chains.push(next),
            _ => match build_chains(next, root, intermediates, now, checks) {
                Ok(more) => chains.extend(more),
                Err(e) => {
                    hint.get_or_insert(e);
                }
            },
        }
    }
    if chains.is_empty() {
        return Err(
            hint.unwrap_or_else(|| anyhow!("x509: certificate signed by unknown authority"))
        );
    }
    Ok(chains)
}

/// Intermediates whose subject is `c`'s issuer, those whose key identifier matches `c`'s
/// authority key identifier first, then those without one, then mismatches (Go's order).
fn parents<'a>(c: &Cert, pool: &[&'a Cert]) -> impl Iterator<Item = &'a Cert> {
    let mut matched: Vec<(u8, &'a Cert)> = pool
        .iter()
        .filter(|p| p.raw_subject == c.raw_issuer)
        .map(|p| {
            let rank = match (&c.authority_key_id, &p.subject_key_id) {
                (Some(a), Some(s)) if a == s => 0,
                (Some(_), Some(_)) => 2,
                _ => 1,
            };
            (rank, *p)
        })
        .collect();
    matched.sort_by_key(|(r, _)| *r);
    matched.into_iter().map(|(_, p)| p)
}

/// Go's `CheckSignatureFrom`: the parent may sign certificates, and its key verifies `c`.
fn check_signature_from(c: &Cert, parent: &Cert) -> Result<()> {
    if parent.version == 3 && !parent.basic_constraints_valid
        || parent.basic_constraints_valid && !parent.is_ca
    {
        return Err(anyhow!(
            "x509: invalid signature: parent certificate cannot sign this kind of certificate"
        ));
    }
    if parent.key_usage != 0 && parent.key_usage & 32 == 0 {
        return Err(anyhow!(
            "x509: invalid signature: parent certificate cannot sign this kind of certificate"
        ));
    }
    if signature_ok(c.sig_alg, &c.tbs, &c.signature, &parent.public_key) {
        Ok(())
    } else {
        Err(anyhow!(
            "x509: ECDSA/RSA/Ed25519 verification failure or unsupported algorithm"
        ))
    }
}

/// Go's `checkSignature` without SHA-1 (refused as insecure since Go 1.24) or MD5/MD2, and
/// without DSA (unsupported in Go).
fn signature_ok(alg: u8, msg: &[u8], sig: &[u8], key: &PublicKey) -> bool {
    match (alg, key) {
        (4..=6 | 13..=15, PublicKey::Rsa { n, e }) => {
            let (Ok(e), n) = (u64::try_from(*e), rsa::BigUint::from_bytes_be(n)) else {
                return false;
            };
            let Ok(k) = rsa::RsaPublicKey::new(n, rsa::BigUint::from(e)) else {
                return false;
            };
            if rsa::traits::PublicKeyParts::size(&k) < 128 {
                return false; // Go 1.24 refuses RSA keys under 1024 bits
            }
            let r = match alg {
                4 => k.verify(
                    rsa::Pkcs1v15Sign::new::<Sha256>(),
                    &Sha256::digest(msg),
                    sig,
                ),
                5 => k.verify(
                    rsa::Pkcs1v15Sign::new::<Sha384>(),
                    &Sha384::digest(msg),
                    sig,
                ),
                6 => k.verify(
                    rsa::Pkcs1v15Sign::new::<Sha512>(),
                    &Sha512::digest(msg),
                    sig,
                ),
                13 => k.verify(rsa::Pss::new::<Sha256>(), &Sha256::digest(msg), sig),
                14 => k.verify(rsa::Pss::new::<Sha384>(), &Sha384::digest(msg), sig),
                _ => k.verify(rsa::Pss::new::<Sha512>(), &Sha512::digest(msg), sig),
            };
            r.is_ok()
        }
        (10..=12, PublicKey::Ecdsa { curve, point }) => {
            let digest = match alg {
                10 => Sha256::digest(msg).to_vec(),
                11 => Sha384::digest(msg).to_vec(),
                _ => Sha512::digest(msg).to_vec(),
            };
            ecdsa_ok(*curve, point, &digest, sig)
        }
        (16, PublicKey::Ed25519(k)) => {
            let (Ok(k), Ok(s)) = (
                <[u8; 32]>::try_from(k.as_slice()),
                ed25519_dalek::Signature::from_slice(sig),
            ) else {
                return false;
            };
            ed25519_dalek::VerifyingKey::from_bytes(&k)
                .is_ok_and(|vk| vk.verify_strict(msg, &s).is_ok())
        }
        _ => false,
    }
}

fn ecdsa_ok(curve: Curve, point: &[u8], digest: &[u8], sig: &[u8]) -> bool {
    use p256::ecdsa::signature::hazmat::PrehashVerifier;
    match curve {
        Curve::P256 => {
            let (Ok(k), Ok(s)) = (
                p256::ecdsa::VerifyingKey::from_sec1_bytes(point),
                p256::ecdsa::Signature::from_der(sig),
            ) else {
                return false;
            };
            k.verify_prehash(digest, &s).is_ok()
        }
        Curve::P384 => {
            let (Ok(k), Ok(s)) = (
                p384::ecdsa::VerifyingKey::from_sec1_bytes(point),
                p384::ecdsa::Signature::from_der(sig),
            ) else {
                return false;
            };
            k.verify_prehash(digest, &s).is_ok()
        }
        Curve::P521 => {
            let (Ok(k), Ok(s)) = (
                p521::ecdsa::VerifyingKey::from_sec1_bytes(point),
                p521::ecdsa::Signature::from_der(sig),
            ) else {
                return false;
            };
            k.verify_prehash(digest, &s).is_ok()
        }
        Curve::P224 => false,
    }
}

/// Go's `VerifyHostname`: an IP literal against the IP SANs, else the DNS SANs with a
/// left-most `*` label (no fallback to the common name).
fn verify_hostname(c: &Cert, host: &str) -> Result<()> {
    let err = || anyhow!("x509: certificate is not valid for {host}");
    let ip_text = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .filter(|_| host.len() >= 3)
        .unwrap_or(host);
    if let Ok(ip) = ip_text.parse::<std::net::IpAddr>() {
        let want = match ip {
            std::net::IpAddr::V4(v) => v.to_ipv6_mapped().octets(),
            std::net::IpAddr::V6(v) => v.octets(),
        };
        let found = c.ip_addresses.iter().any(|b| {
            let got = match b.len() {
                4 => std::net::Ipv4Addr::new(b[0], b[1], b[2], b[3])
                    .to_ipv6_mapped()
                    .octets(),
                _ => <[u8; 16]>::try_from(b.as_slice()).unwrap_or_default(),
            };
            got == want
        });
        return if found { Ok(()) } else { Err(err()) };
    }
    let name = host.to_ascii_lowercase();
    let valid = valid_hostname(&name, false);
    for pattern in &c.dns_names {
        let ok = if valid && valid_hostname(pattern, true) {
            match_hostnames(&pattern.to_ascii_lowercase(), &name)
        } else {
            match_exactly(pattern, &name)
        };
        if ok {
            return Ok(());
        }
    }
    Err(err())
}

fn valid_hostname(h: &str, pattern: bool) -> bool {
    let h = h.strip_suffix('.').unwrap_or(h);
    if h.is_empty() {
        return false;
    }
    h.split('.').enumerate().all(|(i, part)| {
        if part.is_empty() {
            return false;
        }
        if pattern && i == 0 && part == "*" {
            return true;
        }
        part.bytes().enumerate().all(|(j, b)| {
            b.is_ascii_alphanumeric()
                || (b == b'-' && j != 0)
                || b == b'_'
                || (b == b':' && !pattern)
        })
    })
}

fn match_exactly(a: &str, b: &str) -> bool {
    !a.is_empty() && !b.is_empty() && a.to_ascii_lowercase() == b
}

fn match_hostnames(pattern: &str, host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    let pattern = pattern.strip_suffix('.').unwrap_or(pattern);
    if pattern.is_empty() || host.is_empty() {
        return false;
    }
    let p: Vec<&str> = pattern.split('.').collect();
    let h: Vec<&str> = host.split('.').collect();
    p.len() == h.len()
        && p.iter()
            .zip(&h)
            .enumerate()
            .all(|(i, (pp, hp))| (i == 0 && *pp == "*") || pp == hp)
}

/// Go's `checkChainForKeyUsage`: every requested usage crossed out by some certificate that
/// restricts its usages makes the chain unacceptable once none is left.
fn chain_allows(chain: &[&Cert], wanted: &[i64]) -> bool {
    let mut usages: Vec<Option<i64>> = wanted.iter().map(|&u| Some(u)).collect();
    let mut remaining = usages.len();
    for c in chain.iter().rev() {
        if c.ext_key_usage.is_empty() && c.unknown_ext_key_usage.is_empty() {
            continue;
        }
        if c.ext_key_usage.contains(&0) {
            continue;
        }
        for u in usages.iter_mut() {
            let Some(want) = *u else { continue };
            if c.ext_key_usage.contains(&want) {
                continue;
            }
            *u = None;
            remaining -= 1;
            if remaining == 0 {
                return false;
            }
        }
    }
    true
}

fn has_name_constraints(c: &Cert) -> bool {
    !(c.permitted_dns.is_empty()
        && c.excluded_dns.is_empty()
        && c.permitted_emails.is_empty()
        && c.excluded_emails.is_empty()
        && c.permitted_ips.is_empty()
        && c.excluded_ips.is_empty()
        && c.permitted_uris.is_empty()
        && c.excluded_uris.is_empty())
}

/// Go's `checkNameConstraints` over every name of `below`'s SAN extension: none excluded by
/// `ca`, and each permitted when `ca` permits anything of its kind.
fn check_names(ca: &Cert, below: &Cert) -> Result<()> {
    fn check<T: ?Sized, C>(
        name: &T,
        permitted: &[C],
        excluded: &[C],
        m: impl Fn(&T, &C) -> Result<bool>,
    ) -> Result<()> {
        for x in excluded {
            if m(name, x)? {
                return Err(anyhow!("x509: a name is excluded by a constraint"));
            }
        }
        if permitted.is_empty() {
            return Ok(());
        }
        for p in permitted {
            if m(name, p)? {
                return Ok(());
            }
        }
        Err(anyhow!("x509: a name is not permitted by any constraint"))
    }
    for email in &below.email_addresses {
        let (local, domain) =
            mailbox(email).ok_or_else(|| anyhow!("x509: cannot parse rfc822Name {email:?}"))?;
        check(
            &(local, domain),
            &ca.permitted_emails,
            &ca.excluded_emails,
            |(l, d), c| match c.contains('@') {
                true => {
                    let (cl, cd) = mailbox(c)
                        .ok_or_else(|| anyhow!("x509: internal error: cannot parse constraint"))?;
                    Ok(*l == cl && d.eq_ignore_ascii_case(cd))
                }
                false => match_domain(d, c),
            },
        )?;
    }
    for dns in &below.dns_names {
        if reverse_labels(dns).is_none() {
            return Err(anyhow!("x509: cannot parse dnsName {dns:?}"));
        }
        check(dns.as_str(), &ca.permitted_dns, &ca.excluded_dns, |d, c| {
            match_domain(d, c)
        })?;
    }
    for uri in &below.uris {
        check(
            uri.as_str(),
            &ca.permitted_uris,
            &ca.excluded_uris,
            |u, c| {
                let parsed = super::gourl::parse(u)?;
                let mut host = parsed.host.as_str();
                if host.is_empty() {
                    return Err(anyhow!(
                        "URI with empty host cannot be matched against constraints"
                    ));
                }
                if host.contains(':') && !host.ends_with(']') {
                    host = host.rsplit_once(':').map_or(host, |(h, _)| h);
                }
                if host.parse::<std::net::IpAddr>().is_ok()
                    || (host.starts_with('[') && host.ends_with(']'))
                {
                    return Err(anyhow!("URI with IP cannot be matched against constraints"));
                }
                match_domain(host, c)
            },
        )?;
    }
    for ip in &below.ip_addresses {
        check(
            ip.as_slice(),
            &ca.permitted_ips,
            &ca.excluded_ips,
            |ip, (net, mask)| {
                Ok(ip.len() == net.len()
                    && ip
                        .iter()
                        .zip(net)
                        .zip(mask)
                        .all(|((a, n), m)| a & m == n & m))
            },
        )?;
    }
    Ok(())
}

/// A mailbox's local part and domain (the common dot-atom form of Go's RFC 2821 parser).
fn mailbox(s: &str) -> Option<(&str, &str)> {
    let (local, domain) = s.rsplit_once('@')?;
    let ok_local = !local.is_empty()
        && local
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-/=?^_`{|}~.".contains(&b));
    (ok_local && reverse_labels(domain).is_some()).then_some((local, domain))
}

/// Go's `domainToReverseLabels`: the labels right to left, `None` for an empty label or a
/// character outside printable ASCII.
fn reverse_labels(d: &str) -> Option<Vec<&str>> {
    if d.is_empty() {
        return Some(Vec::new());
    }
    let labels: Vec<&str> = d.rsplit('.').collect();
    labels
        .iter()
        .all(|l| !l.is_empty() && l.bytes().all(|b| (33..=126).contains(&b)))
        .then_some(labels)
}

/// Go's `matchDomainConstraint`: an empty constraint matches all; a leading `.` needs at least
/// one more label; labels compare case-insensitively from the right.
fn match_domain(domain: &str, constraint: &str) -> Result<bool> {
    if constraint.is_empty() {
        return Ok(true);
    }
    let labels = reverse_labels(domain)
        .ok_or_else(|| anyhow!("x509: internal error: cannot parse domain {domain:?}"))?;
    let (must_sub, constraint) = match constraint.strip_prefix('.') {
        Some(c) => (true, c),
        None => (false, constraint),
    };
    let want = reverse_labels(constraint)
        .ok_or_else(|| anyhow!("x509: internal error: cannot parse domain {constraint:?}"))?;
    if labels.len() < want.len() || (must_sub && labels.len() == want.len()) {
        return Ok(false);
    }
    Ok(want
        .iter()
        .zip(&labels)
        .all(|(w, l)| w.eq_ignore_ascii_case(l)))
}

/// One node of RFC 9618's valid-policy graph.
struct PolicyNode {
    valid: String,
    expected: Vec<String>,
    parents: std::collections::BTreeSet<usize>,
    children: std::collections::BTreeSet<usize>,
}

/// RFC 9618's valid-policy graph as Go keeps it: strata of nodes keyed by policy.
struct PolicyGraph {
    nodes: Vec<PolicyNode>,
    strata: Vec<std::collections::BTreeMap<String, usize>>,
    parent_index: std::collections::BTreeMap<String, Vec<usize>>,
    depth: usize,
}

const ANY_POLICY: &str = "2.5.29.32.0";

impl PolicyGraph {
    fn new() -> PolicyGraph {
        let root = PolicyNode {
            valid: ANY_POLICY.into(),
            expected: vec![ANY_POLICY.into()],
            parents: Default::default(),
            children: Default::default(),
        };
        PolicyGraph {
            nodes: vec![root],
            strata: vec![[(ANY_POLICY.to_string(), 0)].into_iter().collect()],
            parent_index: Default::default(),
            depth: 0,
        }
    }

    fn add(&mut self, valid: &str, parents: &[usize]) -> usize {
        let id = self.nodes.len();
        self.nodes.push(PolicyNode {
            valid: valid.into(),
            expected: vec![valid.into()],
            parents: parents.iter().copied().collect(),
            children: Default::default(),
        });
        for &p in parents {
            self.nodes[p].children.insert(id);
        }
        id
    }

    fn insert(&mut self, id: usize) {
        let key = self.nodes[id].valid.clone();
        self.strata[self.depth].insert(key, id);
    }

    fn incr_depth(&mut self) {
        self.parent_index.clear();
        for &n in self.strata[self.depth].values() {
            for e in &self.nodes[n].expected {
                self.parent_index.entry(e.clone()).or_default().push(n);
            }
        }
        self.depth += 1;
        self.strata.push(Default::default());
    }

    fn parent_with_any(&self) -> Option<usize> {
        if self.depth == 0 {
            return None;
        }
        self.strata[self.depth - 1].get(ANY_POLICY).copied()
    }

    fn leaf(&self, policy: &str) -> Option<usize> {
        self.strata[self.depth].get(policy).copied()
    }

    fn delete_leaf(&mut self, policy: &str) {
        let Some(n) = self.strata[self.depth].remove(policy) else {
            return;
        };
        for p in std::mem::take(&mut self.nodes[n].parents) {
            self.nodes[p].children.remove(&n);
        }
        for c in std::mem::take(&mut self.nodes[n].children) {
            self.nodes[c].parents.remove(&n);
        }
    }

    fn prune(&mut self) {
        for i in (1..self.depth).rev() {
            let dead: Vec<(String, usize)> = self.strata[i]
                .iter()
                .filter(|(_, &n)| self.nodes[n].children.is_empty())
                .map(|(k, &n)| (k.clone(), n))
                .collect();
            for (k, n) in dead {
                for p in std::mem::take(&mut self.nodes[n].parents) {
                    self.nodes[p].children.remove(&n);
                }
                self.strata[i].remove(&k);
            }
        }
    }

    fn valid_policies(&self) -> Vec<String> {
        let mut out = Vec::new();
        for i in (0..=self.depth).rev() {
            for &n in self.strata[i].values() {
                let node = &self.nodes[n];
                if node.valid == ANY_POLICY || node.parents.len() != 1 {
                    continue;
                }
                if node
                    .parents
                    .iter()
                    .all(|&p| self.nodes[p].valid == ANY_POLICY)
                {
                    out.push(node.valid.clone());
                }
            }
        }
        out
    }
}

/// Go's `policiesValid` (RFC 5280 section 6.1 as updated by RFC 9618) with Go's defaults: any
/// policy acceptable, nothing required by the caller. `chain` is leaf first.
fn policies_valid(chain: &[&Cert]) -> bool {
    if chain.len() == 1 {
        return true;
    }
    let n = chain.len() - 1;
    let mut pg = Some(PolicyGraph::new());
    let (mut inhibit_any, mut explicit, mut mapping) = (n + 1, n + 1, n + 1);
    for i in (0..n).rev() {
        let cert = chain[i];
        let self_signed = cert.raw_issuer == cert.raw_subject;
        if cert.policies.is_empty() {
            pg = None;
        }
        if explicit == 0 && pg.is_none() {
            return false;
        }
        if let Some(g) = pg.as_mut() {
            g.incr_depth();
            for policy in &cert.policies {
                if policy == ANY_POLICY {
                    continue;
                }
                let mut parents = g.parent_index.get(policy).cloned().unwrap_or_default();
                if parents.is_empty() {
                    if let Some(a) = g.parent_with_any() {
                        parents = vec![a];
                    }
                }
                if !parents.is_empty() {
                    let id = g.add(policy, &parents);
                    g.insert(id);
                }
            }
            if cert.policies.iter().any(|p| p == ANY_POLICY)
                && (inhibit_any > 0 || (n - i < n && self_signed))
            {
                let mut missing: std::collections::BTreeMap<String, Vec<usize>> =
                    Default::default();
                for &p in g.strata[g.depth - 1].values() {
                    for e in &g.nodes[p].expected {
                        if !g.strata[g.depth].contains_key(e) {
                            missing.entry(e.clone()).or_default().push(p);
                        }
                    }
                }
                for (policy, parents) in missing {
                    let id = g.add(&policy, &parents);
                    g.insert(id);
                }
            }
            g.prune();
            if i != 0 && !cert.policy_mappings.is_empty() {
                let mut mappings: std::collections::BTreeMap<String, Vec<String>> =
                    Default::default();
                for (issuer, subject) in &cert.policy_mappings {
                    if mapping > 0 {
                        if issuer == ANY_POLICY || subject == ANY_POLICY {
                            return false;
                        }
                        mappings
                            .entry(issuer.clone())
                            .or_default()
                            .push(subject.clone());
                    } else {
                        g.delete_leaf(issuer);
                        g.prune();
                    }
                }
                for (issuer, subjects) in mappings {
                    if let Some(m) = g.leaf(&issuer) {
                        g.nodes[m].expected = subjects;
                    } else if let Some(m) = g.leaf(ANY_POLICY) {
                        let id = g.add(&issuer, &[m]);
                        g.nodes[id].expected = subjects;
                        g.insert(id);
                    }
                }
            }
        }
        if i != 0 {
            if !self_signed {
                explicit = explicit.saturating_sub(1);
                mapping = mapping.saturating_sub(1);
                inhibit_any = inhibit_any.saturating_sub(1);
            }
            let set = |v: i64, zero: bool, cur: &mut usize| {
                if (v > 0 || zero) && (v as usize) < *cur {
                    *cur = v as usize;
                }
            };
            set(
                cert.require_explicit_policy,
                cert.require_explicit_policy_zero,
                &mut explicit,
            );
            set(
                cert.inhibit_policy_mapping,
                cert.inhibit_policy_mapping_zero,
                &mut mapping,
            );
            set(
                cert.inhibit_any_policy,
                cert.inhibit_any_policy_zero,
                &mut inhibit_any,
            );
        }
    }
    explicit = explicit.saturating_sub(1);
    if chain[0].require_explicit_policy_zero {
        explicit = 0;
    }
    let mut valid = Vec::new();
    if let Some(g) = &pg {
        valid = g.valid_policies();
        if g.leaf(ANY_POLICY).is_some() {
            valid.push(ANY_POLICY.into());
        }
    }
    !(explicit == 0 && valid.is_empty())
}
