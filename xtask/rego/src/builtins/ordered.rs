//! The extensions of OPA's order (`order.rs`): the comparison operators as calls
//! (`__xtask_lt(a, b)`, written by `order_rewrite.rs`), `some x in s` over a set holding
//! collections (written by `lang.rs`), and `sort`/`min`/`max` with OPA's type errors first
//! (`strict.rs`), then re-sorted where regorus's order differs.

use std::cmp::Ordering;

use anyhow::Result;
use regorus::unstable::BoolOp;
use regorus::{Engine, Value};

use super::order::{cmp, holds_collection, items, mixed, sorted};
use crate::lang::ITER_ORDERED;

/// The comparison extensions, by operator.
pub(crate) const OPERATORS: &[(BoolOp, &str)] = &[
    (BoolOp::Lt, "__xtask_lt"),
    (BoolOp::Le, "__xtask_lte"),
    (BoolOp::Gt, "__xtask_gt"),
    (BoolOp::Ge, "__xtask_gte"),
];

pub fn register(engine: &mut Engine) -> Result<()> {
    for (i, &(_, name)) in OPERATORS.iter().enumerate() {
        engine.add_extension(
            name.into(),
            2,
            Box::new(move |args: Vec<Value>| {
                let c = cmp(&args[0], &args[1]);
                // In the order of `OPERATORS`: `<`, `<=`, `>`, `>=`.
                Ok(Value::from(match i {
                    0 => c == Ordering::Less,
                    1 => c != Ordering::Greater,
                    2 => c == Ordering::Greater,
                    _ => c != Ordering::Less,
                }))
            }),
        )?;
    }
    engine.add_extension(
        ITER_ORDERED.into(),
        1,
        Box::new(|mut args: Vec<Value>| {
            Ok(match args.pop() {
                Some(Value::Set(s)) if s.iter().any(holds_collection) => {
                    Value::from(items(&s).into_iter().cloned().collect::<Vec<_>>())
                }
                Some(v @ (Value::Array(_) | Value::Set(_) | Value::Object(_))) => v,
                _ => Value::new_array(),
            })
        }),
    )?;
    engine.add_extension(
        "sort".into(),
        1,
        Box::new(|args: Vec<Value>| {
            let out = super::strict::checked_call("sort", &args)?;
            Ok(match mixed(&args[0]) {
                Some(all) => Value::from(
                    sorted(all.into_iter())
                        .into_iter()
                        .cloned()
                        .collect::<Vec<_>>(),
                ),
                None => out,
            })
        }),
    )?;
    for (name, want) in [("min", Ordering::Less), ("max", Ordering::Greater)] {
        engine.add_extension(
            name.into(),
            1,
            Box::new(move |args: Vec<Value>| {
                let out = super::strict::checked_call(name, &args)?;
                Ok(match mixed(&args[0]) {
                    Some(all) => all
                        .into_iter()
                        .reduce(|best, x| if cmp(x, best) == want { x } else { best })
                        .cloned()
                        .unwrap_or(Value::Undefined),
                    None => out,
                })
            }),
        )?;
    }
    Ok(())
}
