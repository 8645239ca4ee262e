//! Builtins we provide as engine extensions (looked up before regorus's own builtins): OPA v1.20
//! builtins that regorus 0.14 lacks, one file per family, and Go-exact replacements for regorus
//! builtins whose results differ from OPA's.
//!
//! Layer: loading (the engine registers these when it makes an engine). A builtin uses regorus,
//! its siblings here (shared helpers: `type_name` and the registration helpers of this file,
//! `bigjson`, `encoding`'s Go quoting and Rego text, `der`, `gourl`) and the bottom layer
//! (`ast`); the rewrites only builtins know (`metadata`, `out_args`) also read the tree and
//! parse as every reader does (`tree`, `source`). Nothing here uses the checks, evaluation or the author tools
//! (`scripts/rego-layers` lists any edge that does).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use anyhow::{anyhow, Result};
use regorus::unstable::BUILTINS;
use regorus::{Engine, Value};

pub mod bigjson;
pub mod certs;
pub mod crypto;
pub mod der;
pub mod duration;
pub mod encoding;
pub mod glob;
pub mod globs_match;
pub mod gourl;
pub mod graphql;
pub mod jsonpaths;
pub mod jsonschema;
pub mod jwt;
pub mod keys;
pub mod metadata;
pub mod misc;
pub mod net;
#[cfg(test)]
mod odd_args;
pub mod offline;
pub mod opa_checks;
pub mod order;
pub mod ordered;
pub mod out_args;
pub mod panics;
pub mod providers;
pub mod semver;
pub mod sprintf;
pub mod strict;
mod strict_table;
pub mod strings;
pub mod template;
pub mod units;
pub mod uri;
pub mod verify;
pub mod words;
pub mod x509;

/// Registers every extension of every family; called once per engine by `Policy::load`.
pub fn register(engine: &mut Engine) -> Result<()> {
    crypto::register(engine)?;
    duration::register(engine)?;
    jwt::register(engine)?;
    misc::register(engine)?;
    net::register(engine)?;
    semver::register(engine)?;
    template::register(engine)?;
    strings::register(engine)?;
    encoding::register(engine)?;
    offline::register(engine)?;
    panics::register(engine)?;
    units::register(engine)?;
    opa_checks::register(engine)?;
    providers::register(engine)?;
    uri::register(engine)?;
    x509::register(engine)?;
    glob::register(engine)?;
    globs_match::register(engine)?;
    jsonschema::register(engine)?;
    jsonpaths::register(engine)?;
    graphql::register(engine)?;
    ordered::register(engine)?;
    // Last: it wraps only the builtins no family above replaces.
    strict::register(engine)?;
    Ok(())
}

thread_local! {
    /// While [`extension_only`] lists the extensions, the names and arities `add` registers.
    static RECORDING: RefCell<Option<BTreeMap<&'static str, u8>>> = const { RefCell::new(None) };
}

/// The builtins only our extensions provide (regorus has no builtin of that name), with their
/// arities: what `with` needs to know to make them replaceable (see `with.rs`).
pub fn extension_only() -> &'static BTreeMap<&'static str, u8> {
    static NAMES: OnceLock<BTreeMap<&'static str, u8>> = OnceLock::new();
    NAMES.get_or_init(|| {
        RECORDING.with(|r| *r.borrow_mut() = Some(BTreeMap::new()));
        // Registering on a scratch engine is the one list of what `register` adds.
        let _ = register(&mut Engine::new());
        let all = RECORDING
            .with(|r| r.borrow_mut().take())
            .unwrap_or_default();
        all.into_iter()
            .filter(|(name, _)| !BUILTINS.contains_key(name))
            .collect()
    })
}

/// A builtin body: the arguments in, a value (or `Value::Undefined`) out.
pub(crate) type Body = fn(&[Value]) -> Result<Value>;

/// Registers `name` with `nargs` arguments. An error carries the builtin's name as OPA's
/// `eval_builtin_error: <name>: ...` does.
pub(crate) fn add(engine: &mut Engine, name: &'static str, nargs: u8, f: Body) -> Result<()> {
    RECORDING.with(|r| {
        if let Some(names) = r.borrow_mut().as_mut() {
            names.insert(name, nargs);
        }
    });
    engine
        .add_extension(
            name.to_string(),
            nargs,
            Box::new(move |args: Vec<Value>| {
                f(&args).map_err(|e| {
                    // OPA tells operand type errors apart from other builtin errors.
                    let class = if e.is::<TypeError>() {
                        "eval_type_error"
                    } else {
                        "eval_builtin_error"
                    };
                    anyhow!("{class}: {name}: {e}")
                })
            }),
        )
        .map_err(|e| anyhow!("cannot register builtin {name}: {e}"))
}

/// An operand of the wrong type (OPA's `eval_type_error`).
#[derive(Debug)]
pub(crate) struct TypeError(pub String);

impl std::fmt::Display for TypeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TypeError {}

/// `operand N must be T but got U`, as OPA words it.
pub(crate) fn type_error(n: usize, want: &str, got: &Value) -> anyhow::Error {
    TypeError(format!(
        "operand {n} must be {want} but got {}",
        type_name(got)
    ))
    .into()
}

/// OPA's operand type names, for `operand N must be T but got U`.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Set(_) => "set",
        Value::Object(_) => "object",
        Value::Undefined => "undefined",
    }
}

/// The `i`th argument (0-based) as a string, or OPA's operand type error.
pub(crate) fn string(args: &[Value], i: usize) -> Result<&str> {
    match args.get(i) {
        Some(Value::String(s)) => Ok(s),
        Some(v) => Err(type_error(i + 1, "string", v)),
        None => Err(anyhow!("operand {} missing", i + 1)),
    }
}

/// The `i`th argument as an object (its entries), or OPA's operand type error.
pub(crate) fn object(args: &[Value], i: usize) -> Result<&regorus::Value> {
    match args.get(i) {
        Some(v @ Value::Object(_)) => Ok(v),
        Some(v) => Err(type_error(i + 1, "object", v)),
        None => Err(anyhow!("operand {} missing", i + 1)),
    }
}

/// A regorus value as JSON (sets become arrays, as OPA marshals them).
pub(crate) fn to_json(v: &Value) -> Result<serde_json::Value> {
    serde_json::to_value(v).map_err(|e| anyhow!("{e}"))
}

/// A JSON value as a regorus value.
pub(crate) fn from_json(v: serde_json::Value) -> Value {
    Value::from(v)
}
