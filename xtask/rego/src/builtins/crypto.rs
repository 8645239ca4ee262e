//! `crypto.md5`, `crypto.sha1`, `crypto.sha256` and `crypto.hmac.*`: lowercase hex digests of a
//! string's bytes, as OPA returns them.

use anyhow::Result;
use hmac::{Hmac, Mac};
use regorus::{Engine, Value};
use sha2::Digest;

use super::{add, string};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "crypto.md5", 1, digest::<md5::Md5>)?;
    add(engine, "crypto.sha1", 1, digest::<sha1::Sha1>)?;
    add(engine, "crypto.sha256", 1, digest::<sha2::Sha256>)?;
    add(engine, "crypto.hmac.md5", 2, mac::<Hmac<md5::Md5>>)?;
    add(engine, "crypto.hmac.sha1", 2, |a| {
        mac::<Hmac<sha1::Sha1>>(a)
    })?;
    add(engine, "crypto.hmac.sha256", 2, |a| {
        mac::<Hmac<sha2::Sha256>>(a)
    })?;
    add(engine, "crypto.hmac.sha512", 2, |a| {
        mac::<Hmac<sha2::Sha512>>(a)
    })?;
    add(engine, "crypto.hmac.equal", 2, equal)?;
    Ok(())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn digest<D: Digest>(args: &[Value]) -> Result<Value> {
    Ok(Value::from(hex(&D::digest(string(args, 0)?.as_bytes()))))
}

fn mac<M: Mac + hmac::digest::KeyInit>(args: &[Value]) -> Result<Value> {
    let msg = string(args, 0)?;
    let key = string(args, 1)?;
    // HMAC takes keys of any length; this cannot fail.
    let mut m = <M as Mac>::new_from_slice(key.as_bytes())
        .map_err(|_| anyhow::anyhow!("invalid key length"))?;
    m.update(msg.as_bytes());
    Ok(Value::from(hex(&m.finalize().into_bytes())))
}

/// Constant-time comparison, like Go's `hmac.Equal`.
fn equal(args: &[Value]) -> Result<Value> {
    let a = string(args, 0)?.as_bytes();
    let b = string(args, 1)?.as_bytes();
    let same = a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0;
    Ok(Value::from(same))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(f: Body2, a: &[&str]) -> Value {
        f(&a.iter().map(|s| Value::from(*s)).collect::<Vec<_>>()).unwrap()
    }
    type Body2 = fn(&[Value]) -> Result<Value>;

    #[test]
    fn digests_as_opa() {
        assert_eq!(
            call(digest::<md5::Md5>, &["abc"]),
            Value::from("900150983cd24fb0d6963f7d28e17f72")
        );
        assert_eq!(
            call(mac::<Hmac<sha2::Sha256>>, &["msg", "key"]),
            Value::from("2d93cbc1be167bcb1637a4a23cbff01a7878f0c50ee833954ea5221bb1b8c628")
        );
        assert_eq!(call(equal, &["a", "b"]), Value::from(false));
    }
}
