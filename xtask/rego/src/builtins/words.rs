//! OPA's words for the errors regorus raises itself, which no extension can replace: Rego's
//! infix operators (`&` is `and`, `|` is `or`, `-` is `minus`, `+` `plus`, `*` `mul`, `/` `div`,
//! `%` `rem`, as in `eval_type_error: and: operand 1 must be set but got number`) and conflicts
//! (`eval_conflict_error: complete rules must not produce multiple outputs`).

/// regorus's error (the whole multi-line text: location, source line, caret, message) in OPA's
/// words; `None` when it is not an operator error or a conflict.
pub fn opa_words(text: &str) -> Option<String> {
    let msg = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))?
        .trim();
    // A rule that makes an object through a variable key (`p[k] := v`), or an object
    // comprehension: OPA's conflict is about the object's keys.
    if msg.contains("generated multiple times") {
        return Some(OBJECT.into());
    }
    if let Some(other) = msg.strip_prefix("rule conflicts with rule at ") {
        if object_head(text) {
            return Some(OBJECT.into());
        }
        return Some(format!("{COMPLETE} (the other rule at {other})"));
    }
    if msg.starts_with("function produced multiple outputs")
        || msg == "functions must not produce multiple outputs for same inputs"
    {
        return Some(FUNCTIONS.into());
    }
    if msg.ends_with("rules should not produce multiple outputs")
        || msg.ends_with("rules should not produce multiple outputs.")
        || msg == "rules must not produce multiple outputs"
    {
        if object_head(text) {
            return Some(OBJECT.into());
        }
        return Some(COMPLETE.into());
    }
    match msg {
        "modulo on floating-point number" | "modulo by zero" => {
            return Some(format!("eval_builtin_error: rem: {msg}"))
        }
        "divide by zero" => return Some(format!("eval_builtin_error: div: {msg}")),
        _ => {}
    }
    // "`union` expects set argument. Got `V` instead"
    let rest = msg.strip_prefix('`')?;
    let (fcn, rest) = rest.split_once('`')?;
    let got = rest
        .strip_prefix(" expects set argument. Got `")
        .or_else(|| rest.strip_prefix(" expects numeric argument. Got `"))?
        .strip_suffix("` instead")?;
    let (name, op) = match fcn {
        "intersection" => ("and", '&'),
        "union" => ("or", '|'),
        "difference" | "sub" => ("minus", '-'),
        "add" => ("plus", '+'),
        "mul" => ("mul", '*'),
        "div" => ("div", '/'),
        "mod" => ("rem", '%'),
        _ => return None,
    };
    let t = type_of(got);
    let n = operand(text, op);
    let want = match (fcn, n) {
        ("intersection" | "union", _) | ("difference", 2) => "set",
        // `x - {..}` with a number x: OPA wants a number on the right.
        ("difference", _) if t == "number" => {
            return Some("eval_type_error: minus: operand 2 must be number but got set".into())
        }
        ("difference" | "sub", _) if n == 1 => "one of {number, set}",
        _ => "number",
    };
    Some(format!(
        "eval_type_error: {name}: operand {n} must be {want} but got {t}"
    ))
}

const COMPLETE: &str = "eval_conflict_error: complete rules must not produce multiple outputs";
const OBJECT: &str = "eval_conflict_error: object keys must be unique";

/// Whether the source line an error shows (`3 | p[k] := v if {`) starts a rule whose head ends
/// in an index that is not a constant (`p[k] :=`, `p.q[s] =`): a rule making an object.
fn object_head(text: &str) -> bool {
    let Some(line) = text.lines().find_map(|l| {
        let (n, code) = l.split_once(" | ")?;
        n.trim().parse::<u32>().ok().map(|_| code)
    }) else {
        return false;
    };
    let head = line.split([':', '=']).next().unwrap_or("").trim_end();
    let Some(inner) = head
        .strip_suffix(']')
        .and_then(|h| h.rsplit_once('['))
        .map(|(_, i)| i)
    else {
        return false;
    };
    let inner = inner.trim();
    let constant = inner.starts_with(['"', '`'])
        || inner.parse::<f64>().is_ok()
        || matches!(inner, "true" | "false" | "null");
    !inner.is_empty() && !constant && !head.starts_with("default")
}
const FUNCTIONS: &str =
    "eval_conflict_error: functions must not produce multiple outputs for same inputs";

/// OPA's type name of a value as regorus shows it (JSON; a set shows as an array).
fn type_of(shown: &str) -> &'static str {
    match serde_json::from_str::<serde_json::Value>(shown) {
        Ok(serde_json::Value::Null) => "null",
        Ok(serde_json::Value::Bool(_)) => "boolean",
        Ok(serde_json::Value::Number(_)) => "number",
        Ok(serde_json::Value::String(_)) => "string",
        Ok(serde_json::Value::Array(_)) => "array",
        Ok(serde_json::Value::Object(_)) => "object",
        // Numbers past JSON's range and the like.
        Err(_) => "number",
    }
}

/// Which operand (1 or 2) the error's caret points into: the side of the nearest occurrence
/// of the operator on the source line (outside string literals; a `-` that is a sign does not
/// count). regorus checks the left operand first, so 1 when in doubt.
fn operand(text: &str, op: char) -> usize {
    let Some((line, caret)) = source_line(text) else {
        return 1;
    };
    let chars: Vec<char> = line.chars().collect();
    let mut best: Option<(usize, usize)> = None; // (distance, operand)
    let (mut in_str, mut raw, mut escaped) = (false, false, false);
    let mut prev = ' ';
    for (i, &c) in chars.iter().enumerate() {
        if in_str {
            if escaped {
                escaped = false;
            } else if c == '\\' && !raw {
                escaped = true;
            } else if (c == '"' && !raw) || (c == '`' && raw) {
                in_str = false;
            }
            continue;
        }
        match c {
            '"' | '`' => {
                in_str = true;
                raw = c == '`';
            }
            _ if c == op => {
                let sign = op == '-' && matches!(prev, ' ' | '(' | '[' | '{' | ',' | '=' | ':');
                let binary = !sign || chars.get(i + 1).is_some_and(|n| n.is_whitespace());
                if binary {
                    let (d, side) = if i >= caret {
                        (i - caret, 1)
                    } else {
                        (caret - i, 2)
                    };
                    if best.is_none_or(|(bd, _)| d < bd) {
                        best = Some((d, side));
                    }
                }
            }
            _ => {}
        }
        if !c.is_whitespace() {
            prev = c;
        }
    }
    best.map_or(1, |(_, side)| side)
}

/// The source line of a regorus error and the caret's 0-based column on it.
fn source_line(text: &str) -> Option<(&str, usize)> {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.iter().position(|l| l.starts_with("--> "))?;
    let src = lines.get(at + 2)?;
    let caret_line = lines.get(at + 3)?;
    let (gutter, code) = src.split_once("| ")?;
    let caret = caret_line.get(gutter.len() + 2..)?.find('^')?;
    Some((code, caret))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(line: &str, col: usize, msg: &str) -> String {
        format!(
            "\n--> p.rego:3:{}\n  |\n3 | {line}\n  | {:<w$}^\nerror: {msg}",
            col,
            "",
            w = col - 1
        )
    }

    #[test]
    fn operators_in_opa_words() {
        let l = "r := x if { x := input.a & input.b }";
        let e = err(
            l,
            23,
            "`intersection` expects set argument. Got `1` instead",
        );
        assert_eq!(
            opa_words(&e).unwrap(),
            "eval_type_error: and: operand 1 must be set but got number"
        );
        let e = err(
            l,
            33,
            "`intersection` expects set argument. Got `[]` instead",
        );
        assert_eq!(
            opa_words(&e).unwrap(),
            "eval_type_error: and: operand 2 must be set but got array"
        );
        let l = "r := x if { x := input.a - input.b }";
        let e = err(l, 23, "`sub` expects numeric argument. Got `{}` instead");
        assert_eq!(
            opa_words(&e).unwrap(),
            "eval_type_error: minus: operand 1 must be one of {number, set} but got object"
        );
        let e = err(l, 33, "`sub` expects numeric argument. Got `\"-\"` instead");
        assert_eq!(
            opa_words(&e).unwrap(),
            "eval_type_error: minus: operand 2 must be number but got string"
        );
        let e = err(l, 23, "modulo on floating-point number");
        assert_eq!(
            opa_words(&e).unwrap(),
            "eval_builtin_error: rem: modulo on floating-point number"
        );
        assert_eq!(opa_words(&err(l, 23, "something else")), None);
        assert_eq!(
            opa_words(&err(
                "q[y] := x if {",
                1,
                "rule conflicts with rule at p.rego:2:1"
            )),
            Some(OBJECT.into())
        );
        assert_eq!(
            opa_words(&err(
                "q[\"a\"] := x if {",
                1,
                "rules must not produce multiple outputs"
            )),
            Some(COMPLETE.into())
        );
        assert_eq!(
            opa_words(&err(l, 1, "rule conflicts with rule at p.rego:2:1")).unwrap(),
            "eval_conflict_error: complete rules must not produce multiple outputs \
             (the other rule at p.rego:2:1)"
        );
        assert_eq!(
            opa_words(&err(
                l,
                1,
                "functions must not produce multiple outputs for same inputs"
            ))
            .unwrap(),
            FUNCTIONS
        );
    }
}
