//! A property test: every builtin the engine offers (regorus's and ours), called with odd
//! arguments (empty strings, negative, huge and fractional numbers, Unicode, deep nesting, wrong
//! types), returns a value, undefined or an error, and never panics.

use std::panic::{self, AssertUnwindSafe};

use regorus::{Engine, Value};

/// Builtins left out: they reach the network, allocate in proportion to a number argument
/// (`numbers.range(0, 1e300)` asks for memory no machine has, which is not a panic), or print.
const SKIP: &[&str] = &[
    "http.send",
    "net.lookup_ip_addr",
    "numbers.range",
    "numbers.range_step",
    "strings.repeat",
    "print",
    "trace",
    "opa.runtime",
];

fn odd_values() -> Vec<Value> {
    let mut deep = serde_json::json!(1);
    for _ in 0..64 {
        deep = serde_json::json!([deep]);
    }
    let mut v: Vec<Value> = [
        serde_json::json!(""),
        serde_json::json!("a"),
        serde_json::json!("héllo wörld ǆ 𝄞"),
        serde_json::json!("\u{0}"),
        serde_json::json!("%"),
        serde_json::json!("["),
        serde_json::json!("*"),
        serde_json::json!("-1"),
        serde_json::json!("1e400"),
        serde_json::json!("0x"),
        serde_json::json!("::"),
        serde_json::json!("a.b.c"),
        serde_json::json!(0),
        serde_json::json!(-1),
        serde_json::json!(1),
        serde_json::json!(2.5),
        serde_json::json!(-0.5),
        serde_json::json!(1e300),
        serde_json::json!(-1e300),
        serde_json::json!(i64::MAX),
        serde_json::json!(i64::MIN),
        serde_json::json!(u64::MAX),
        serde_json::json!(null),
        serde_json::json!(true),
        serde_json::json!([]),
        serde_json::json!({}),
        serde_json::json!(["a", 1, null]),
        serde_json::json!({"a": [1, {"b": ""}]}),
        deep,
    ]
    .into_iter()
    .map(Value::from)
    .collect();
    v.push(Value::new_set());
    v
}

/// Calls `name` on every combination of `values` (a smaller set for 3+ arguments) and returns
/// the calls that panicked, with the panic message.
fn panics_of(engine: &mut Engine, name: &str, arity: usize, values: &[Value]) -> Vec<String> {
    // Every value alone; pairs and triples from thinner slices keep the run to seconds.
    let half: Vec<Value> = values.iter().step_by(2).cloned().collect();
    let few: Vec<Value> = values.iter().step_by(4).cloned().collect();
    let pool = match arity {
        0 | 1 => values,
        2 => &half,
        _ => &few,
    };
    let params: Vec<String> = (0..arity).map(|i| format!("input[{i}]")).collect();
    let query = format!("x := {name}({})", params.join(", "));
    let mut found = Vec::new();
    let mut idx = vec![0usize; arity];
    loop {
        let args: Vec<Value> = idx.iter().map(|&i| pool[i].clone()).collect();
        let shown = format!("{name}({})", Value::from(args.clone()));
        let mut e = engine.clone();
        e.set_input(Value::from(args));
        let r = panic::catch_unwind(AssertUnwindSafe(|| e.eval_query(query.clone(), false)));
        if let Err(p) = r {
            let msg = p
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| p.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            found.push(format!("{shown}: {msg}"));
        }
        // Next combination (odometer).
        let mut k = 0;
        loop {
            if k == arity {
                return found;
            }
            idx[k] += 1;
            if idx[k] < pool.len() {
                break;
            }
            idx[k] = 0;
            k += 1;
        }
    }
}

#[test]
fn no_builtin_panics_on_odd_arguments() {
    let mut engine = crate::engine::new_engine().unwrap();
    let values = odd_values();
    let mut names: Vec<(&str, usize)> = regorus::unstable::BUILTINS
        .iter()
        .map(|(n, (_, arity))| (*n, usize::from(*arity)))
        // Our extensions too (those under a regorus name are already listed).
        .chain(
            super::extension_only()
                .iter()
                .map(|(n, arity)| (*n, usize::from(*arity))),
        )
        .filter(|(n, _)| !SKIP.contains(n))
        .collect();
    names.sort();
    // Quiet: the panics are collected and reported together below.
    let hook = panic::take_hook();
    panic::set_hook(Box::new(|_| {}));
    let mut all = Vec::new();
    for (name, arity) in names {
        all.extend(panics_of(&mut engine, name, arity, &values));
    }
    panic::set_hook(hook);
    assert!(all.is_empty(), "{} panics:\n{}", all.len(), all.join("\n"));
}
