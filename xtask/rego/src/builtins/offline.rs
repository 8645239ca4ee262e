//! `http.send` and `net.lookup_ip_addr`: OPA accepts policies that call them, and so do we (a
//! tree OPA loads must not be refused here), but a test run or `policy-eval` has no network. An
//! unmocked call is an error naming the builtin; `with http.send as mock` replaces it as in
//! `opa test`, the usual way such policies are tested.

use anyhow::{bail, Result};
use regorus::Engine;

use super::add;

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "http.send", 1, |_| {
        bail!("not evaluated here (no network); replace it in tests with `with http.send as ...`")
    })?;
    add(engine, "net.lookup_ip_addr", 1, |_| {
        bail!(
            "not evaluated here (no DNS); replace it in tests with `with net.lookup_ip_addr as ...`"
        )
    })?;
    Ok(())
}
