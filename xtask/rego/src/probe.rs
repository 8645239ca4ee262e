//! The coverage probes' extension, which the engine registers on every engine it makes: the
//! author tool `coverage` writes calls to it into the modules it instruments and says, once, what
//! a firing records. Layer: loading; uses regorus only (so the engine needs nothing of coverage).

use std::sync::OnceLock;

use anyhow::Result;

/// The extension the coverage probes call: `__xtask_probe(id, conditions)` records `id` when
/// every condition is true, and is always true itself, so a probe never changes a result.
pub const PROBE: &str = "__xtask_probe";

/// What a firing records (`coverage`'s bookkeeping); unset until a coverage run, before which no
/// module calls the probe.
static RECORD: OnceLock<fn(usize)> = OnceLock::new();

/// Sets what a firing records (the first setting stays: there is one coverage bookkeeping).
pub(crate) fn on_fire(record: fn(usize)) {
    let _ = RECORD.set(record);
}

/// Registers [`PROBE`] on an engine.
pub fn register(engine: &mut regorus::Engine) -> Result<()> {
    engine.add_extension(
        PROBE.into(),
        2,
        Box::new(|args: Vec<regorus::Value>| {
            let all = match args.get(1).map(|v| v.as_array()) {
                Some(Ok(conds)) => conds.iter().all(|c| *c == regorus::Value::from(true)),
                _ => false,
            };
            if let (true, Some(Ok(id))) = (all, args.first().map(|v| v.as_u64())) {
                if let Some(record) = RECORD.get() {
                    record(id as usize);
                }
            }
            Ok(regorus::Value::from(true))
        }),
    )
}
