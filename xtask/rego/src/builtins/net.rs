//! `net.cidr_intersects`, `net.cidr_merge`, `net.cidr_contains(_matches)`: CIDR sets as OPA
//! computes them with Go's `net` package (IPv4-mapped IPv6 counts as IPv4; a bare IPv4 address
//! in `cidr_merge` takes its classful default mask, as Go's `IP.DefaultMask`).

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use anyhow::{anyhow, bail, Result};
use regorus::{Engine, Value};

use super::{add, string, type_name};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "net.cidr_intersects", 2, intersects)?;
    add(engine, "net.cidr_merge", 1, merge)?;
    add(engine, "net.cidr_contains_matches", 2, contains_matches)?;
    // regorus's own treats IPv4-mapped IPv6 networks apart from IPv4; Go does not.
    add(engine, "net.cidr_contains", 2, |a| {
        Ok(Value::from(cidr_contains(string(a, 0)?, string(a, 1)?)?))
    })?;
    Ok(())
}

/// An address as Go holds it after `To4()`: 4 bytes for IPv4 (and IPv4-mapped IPv6), else 16.
type Addr = Vec<u8>;

/// A network: its address as written (not masked) and its prefix length in `addr`'s bits.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Net {
    addr: Addr,
    prefix: u32,
}

fn addr_bytes(ip: IpAddr) -> Addr {
    match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => match a.to_ipv4_mapped() {
            Some(v4) => v4.octets().to_vec(),
            None => a.octets().to_vec(),
        },
    }
}

fn parse_ip(s: &str) -> Option<Addr> {
    s.parse::<IpAddr>().ok().map(addr_bytes)
}

/// Go's `net.ParseCIDR`: the network with the host bits cleared.
fn parse_cidr(s: &str) -> Result<Net> {
    let bad = || anyhow!("invalid CIDR address: {s}");
    let (ip, len) = s.split_once('/').ok_or_else(bad)?;
    let ip: IpAddr = ip.parse().map_err(|_| bad())?;
    if len.is_empty() || !len.bytes().all(|b| b.is_ascii_digit()) || len.len() > 3 {
        return Err(bad());
    }
    let mut prefix: u32 = len.parse().map_err(|_| bad())?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    if prefix > max {
        return Err(bad());
    }
    let mut addr = match ip {
        IpAddr::V4(a) => a.octets().to_vec(),
        IpAddr::V6(a) => a.octets().to_vec(),
    };
    // A mapped IPv4 network with a 96+ bit prefix is an IPv4 network to Go's Contains.
    if let IpAddr::V6(a) = ip {
        if let (Some(v4), true) = (a.to_ipv4_mapped(), prefix >= 96) {
            addr = v4.octets().to_vec();
            prefix -= 96;
        }
    }
    Ok(Net {
        addr: mask(&addr, prefix),
        prefix,
    })
}

fn mask(addr: &[u8], prefix: u32) -> Addr {
    addr.iter()
        .enumerate()
        .map(|(i, b)| {
            let bits = prefix.saturating_sub(8 * i as u32).min(8);
            if bits == 0 {
                0
            } else {
                b & (0xffu8 << (8 - bits))
            }
        })
        .collect()
}

fn last(net: &Net) -> Addr {
    net.addr
        .iter()
        .enumerate()
        .map(|(i, b)| {
            let bits = net.prefix.saturating_sub(8 * i as u32).min(8);
            if bits == 8 {
                *b
            } else {
                b | (0xffu8 >> bits)
            }
        })
        .collect()
}

fn contains_ip(net: &Net, ip: &[u8]) -> bool {
    ip.len() == net.addr.len() && mask(ip, net.prefix) == mask(&net.addr, net.prefix)
}

fn intersects(args: &[Value]) -> Result<Value> {
    let a = parse_cidr(string(args, 0)?)?;
    let b = parse_cidr(string(args, 1)?)?;
    Ok(Value::from(
        contains_ip(&a, &b.addr) || contains_ip(&b, &a.addr),
    ))
}

/// `net.cidr_contains(cidr, cidr_or_ip)` as OPA defines it.
fn cidr_contains(cidr: &str, other: &str) -> Result<bool> {
    let net = parse_cidr(cidr)?;
    if let Some(ip) = parse_ip(other) {
        return Ok(contains_ip(&net, &ip));
    }
    let inner = parse_cidr(other).map_err(|_| {
        anyhow!("not a valid textual representation of an IP address or CIDR: {other}")
    })?;
    Ok(contains_ip(&net, &inner.addr) && contains_ip(&net, &last(&inner)))
}

/// Each (cidr, key) of a `cidr_contains_matches` operand: a string is its own key; array
/// elements are keyed by index, set elements by themselves, object values by their key; an
/// element that is an array stands for its first element.
fn operand(v: &Value, n: usize) -> Result<Vec<(String, Value)>> {
    let elem = |x: &Value| -> Result<String> {
        match x {
            Value::String(s) => Ok(s.to_string()),
            Value::Array(a) => match a.first() {
                Some(Value::String(s)) => Ok(s.to_string()),
                Some(v) => bail!("operand {n} must be string but got {}", type_name(v)),
                None => bail!("operand {n}: element must be string or non-empty array"),
            },
            _ => bail!("operand {n}: element must be string or non-empty array"),
        }
    };
    Ok(match v {
        Value::String(s) => vec![(s.to_string(), v.clone())],
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, x)| Ok((elem(x)?, Value::from(i))))
            .collect::<Result<_>>()?,
        Value::Set(s) => s
            .iter()
            .map(|x| Ok((elem(x)?, x.clone())))
            .collect::<Result<_>>()?,
        Value::Object(o) => o
            .iter()
            .map(|(k, x)| Ok((elem(x)?, k.clone())))
            .collect::<Result<_>>()?,
        other => bail!(
            "operand {n} must be one of {{string, array, set, object}} but got {}",
            type_name(other)
        ),
    })
}

fn contains_matches(args: &[Value]) -> Result<Value> {
    let cidrs = operand(&args[0], 1)?;
    let others = operand(&args[1], 2)?;
    let mut out = BTreeSet::new();
    for (cidr, k1) in &cidrs {
        for (other, k2) in &others {
            if cidr_contains(cidr, other)? {
                out.insert(Value::from(vec![k1.clone(), k2.clone()]));
            }
        }
    }
    Ok(Value::from(out))
}

/// A contiguous address range; `net` is kept while the range is a single input network, so it
/// prints as written (OPA returns unmerged inputs unchanged).
struct Range {
    first: Addr,
    last: Addr,
    net: Option<Net>,
}

fn to_net(v: &Value) -> Result<Net> {
    let s = match v {
        Value::String(s) => s,
        other => bail!("element must be string but got {}", type_name(other)),
    };
    if let Ok(ip) = s.parse::<IpAddr>() {
        let addr = addr_bytes(ip);
        if addr.len() != 4 {
            bail!("IPv6 invalid: needs prefix length");
        }
        let prefix = match addr[0] {
            0..=0x7f => 8,
            0x80..=0xbf => 16,
            _ => 24,
        };
        return Ok(Net { addr, prefix });
    }
    parse_cidr(s)
}

fn increment(a: &[u8]) -> Option<Addr> {
    let mut out = a.to_vec();
    for b in out.iter_mut().rev() {
        if *b == 0xff {
            *b = 0;
        } else {
            *b += 1;
            return Some(out);
        }
    }
    None
}

fn format(net: &Net) -> String {
    let ip = match net.addr.len() {
        4 => Ipv4Addr::new(net.addr[0], net.addr[1], net.addr[2], net.addr[3]).to_string(),
        _ => {
            let mut o = [0u8; 16];
            o.copy_from_slice(&net.addr);
            Ipv6Addr::from(o).to_string()
        }
    };
    format!("{ip}/{}", net.prefix)
}

/// The fewest networks covering exactly `first..=last` (same address length).
fn range_to_cidrs(first: &[u8], end_at: &[u8]) -> Vec<Net> {
    let bits = 8 * first.len() as u32;
    let mut out = Vec::new();
    let mut cur = first.to_vec();
    loop {
        // Widest block starting at `cur` that is aligned and ends at or before `last`.
        let mut prefix = bits;
        while prefix > 0 {
            let wider = Net {
                addr: cur.clone(),
                prefix: prefix - 1,
            };
            if mask(&cur, prefix - 1) != cur || last(&wider).as_slice() > end_at {
                break;
            }
            prefix -= 1;
        }
        let net = Net {
            addr: cur.clone(),
            prefix,
        };
        let end = last(&net);
        out.push(net);
        if end.as_slice() >= end_at {
            break;
        }
        match increment(&end) {
            Some(n) => cur = n,
            None => break,
        }
    }
    out
}

fn merge(args: &[Value]) -> Result<Value> {
    let items: Vec<&Value> = match &args[0] {
        Value::Array(a) => a.iter().collect(),
        Value::Set(s) => s.iter().collect(),
        other => bail!(
            "operand 1 must be one of {{set, array}} but got {}",
            type_name(other)
        ),
    };
    let mut ranges = items
        .into_iter()
        .map(|v| {
            let net = to_net(v)?;
            Ok(Range {
                first: mask(&net.addr, net.prefix),
                last: last(&net),
                net: Some(net),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    ranges.sort_by(|a, b| a.first.cmp(&b.first));
    let mut merged: Vec<Range> = Vec::new();
    for r in ranges {
        if let Some(acc) = merged.last_mut() {
            let touches = r.first <= acc.last || increment(&acc.last).as_ref() == Some(&r.first);
            if touches {
                if r.last > acc.last {
                    acc.last = r.last;
                }
                acc.net = None;
                continue;
            }
        }
        merged.push(r);
    }
    let mut out = BTreeSet::new();
    for r in merged {
        let nets = match r.net {
            Some(n) => vec![n],
            None if r.first.len() == r.last.len() => range_to_cidrs(&r.first, &r.last),
            // An IPv4 range swallowed by an IPv6 one (Go compares their bytes): the wider wins.
            None => range_to_cidrs(&r.first, &vec![0xff; r.first.len()]),
        };
        for n in nets {
            out.insert(Value::from(format(&n)));
        }
    }
    Ok(Value::from(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strs(v: &[&str]) -> Value {
        Value::from(v.iter().map(|s| Value::from(*s)).collect::<Vec<_>>())
    }

    fn merged(v: &[&str]) -> Vec<String> {
        match merge(&[strs(v)]).unwrap() {
            Value::Set(s) => s
                .iter()
                .map(|v| v.as_string().unwrap().to_string())
                .collect(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn merge_matches_opa() {
        assert_eq!(merged(&["192.168.1.1", "192.168.1.0"]), ["192.168.1.0/24"]);
        assert_eq!(merged(&["10.0.0.1"]), ["10.0.0.1/8"]);
        assert_eq!(
            merged(&["192.0.128.0/24", "192.0.129.0/24"]),
            ["192.0.128.0/23"]
        );
        assert_eq!(
            merged(&["10.0.0.0/16", "10.1.0.0/16", "10.2.0.0/16"]),
            ["10.0.0.0/15", "10.2.0.0/16"]
        );
        assert_eq!(merged(&["::/1", "8000::/1"]), ["::/0"]);
        assert_eq!(merged(&["::/0", "10.0.0.0/8"]), ["::/0"]);
        assert!(merge(&[strs(&["2001:db8::1"])]).is_err());
    }

    #[test]
    fn contains_and_intersects() {
        assert!(cidr_contains("::ffff:0:0/96", "1.1.0.0").unwrap());
        assert!(!cidr_contains("::/0", "1.1.0.0").unwrap());
        assert!(cidr_contains("1.1.0.0/16", "1.1.0.0/24").unwrap());
        assert!(cidr_contains("bad", "1.1.0.0").is_err());
        let t = intersects(&[Value::from("10.0.0.0/8"), Value::from("10.1.0.0/16")]).unwrap();
        assert_eq!(t, Value::from(true));
    }
}
