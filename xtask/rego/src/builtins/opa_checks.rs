//! OPA's checks of operands that come before a builtin's value, for builtins regorus evaluates
//! (its value stays): a timestamp (`time.date`, `time.format`, ...) must be an integer that
//! fits 64 bits (`timestamp too big`, where regorus said `could not convert numeric value of
//! \`ns\` to int64`), and a shift must not be negative (`bits.lsh`/`bits.rsh`: an operand type
//! error in OPA, a builtin error in regorus's words here before); `hex.decode` fails with Go's
//! `encoding/hex` words (`invalid byte: U+0067 'g'`, `odd length hex string`).

use anyhow::{anyhow, bail, Result};
use regorus::{Engine, Value};

use super::strict::checked_call;

/// Builtins taking timestamps, their arity, and which operands are timestamps (a number, or an
/// array whose first element is one).
const TIMES: &[(&str, u8, &[usize])] = &[
    ("time.format", 1, &[0]),
    ("time.date", 1, &[0]),
    ("time.clock", 1, &[0]),
    ("time.weekday", 1, &[0]),
    ("time.add_date", 4, &[0]),
    ("time.diff", 2, &[0, 1]),
];

pub fn register(engine: &mut Engine) -> Result<()> {
    for &(name, arity, stamps) in TIMES {
        let f = move |args: Vec<Value>| {
            for &i in stamps {
                let ns = match args.get(i) {
                    Some(Value::Array(a)) => a.first().cloned(),
                    other => other.cloned(),
                };
                if let Some(Value::Number(n)) = ns {
                    if n.as_i64().is_none() {
                        bail!("eval_builtin_error: {name}: timestamp too big");
                    }
                }
            }
            checked_call(name, &args)
        };
        engine
            .add_extension(name.into(), arity, Box::new(f))
            .map_err(|e| anyhow!("cannot register builtin {name}: {e}"))?;
    }
    for name in ["bits.lsh", "bits.rsh"] {
        let f = move |args: Vec<Value>| {
            let int = |v: Option<&Value>| matches!(v, Some(Value::Number(n)) if n.is_integer());
            let negative = matches!(args.get(1), Some(Value::Number(n)) if n.as_f64().is_some_and(|f| f < 0.0));
            if int(args.first()) && int(args.get(1)) && negative {
                bail!(
                    "eval_type_error: {name}: operand 2 must be an unsigned integer number but got a negative integer"
                );
            }
            checked_call(name, &args)
        };
        engine
            .add_extension(name.into(), 2, Box::new(f))
            .map_err(|e| anyhow!("cannot register builtin {name}: {e}"))?;
    }
    let f = |args: Vec<Value>| {
        if let Some(Value::String(s)) = args.first() {
            if let Some(e) = hex_error(s.as_bytes()) {
                bail!("eval_builtin_error: hex.decode: encoding/hex: {e}");
            }
        }
        checked_call("hex.decode", &args)
    };
    engine
        .add_extension("hex.decode".into(), 1, Box::new(f))
        .map_err(|e| anyhow!("cannot register builtin hex.decode: {e}"))?;
    Ok(())
}

/// Go's `hex.DecodeString` error for `b`, if any: the first byte that is not a hex digit, in
/// pairs, else an odd length.
fn hex_error(b: &[u8]) -> Option<String> {
    let bad = |c: u8| {
        let ch = char::from(c);
        // Go's `%#U`: the code point, and the character when it prints.
        if ch.is_control() || c == 0x7f || (0x80..0xa0).contains(&c) {
            format!("invalid byte: U+{c:04X}")
        } else {
            format!("invalid byte: U+{c:04X} '{ch}'")
        }
    };
    if let Some(&c) = b.iter().find(|c| !c.is_ascii_hexdigit()) {
        return Some(bad(c));
    }
    (b.len() % 2 == 1).then(|| "odd length hex string".to_string())
}

#[cfg(test)]
mod tests {
    fn eval(q: &str) -> String {
        let mut e = crate::engine::new_engine().expect("an engine");
        match e.eval_query(q.into(), false) {
            Ok(r) => r.result[0].expressions[0]
                .value
                .to_json_str()
                .unwrap_or_default(),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn operands_checked_as_opa_checks_them() {
        assert!(
            eval("time.date(1e30)").contains("eval_builtin_error: time.date: timestamp too big")
        );
        assert!(eval("time.format([1.5, \"UTC\"])").contains("timestamp too big"));
        assert!(eval("time.date(0)").contains("1970"));
        assert!(eval("bits.lsh(1, -1)").contains(
            "eval_type_error: bits.lsh: operand 2 must be an unsigned integer number but got a negative integer"
        ));
        assert_eq!(eval("bits.rsh(8, 1)"), "4");
        assert!(eval("hex.decode(\"6g\")").contains("encoding/hex: invalid byte: U+0067 'g'"));
        assert!(eval("hex.decode(\"616\")").contains("encoding/hex: odd length hex string"));
        assert_eq!(eval("hex.decode(\"6162\")"), "\"ab\"");
    }
}
