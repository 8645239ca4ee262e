//! One query over a policy tree or a built bundle, like `opa eval`, with OPA's result shape
//! (`{"result":[{"expressions":[{"value","text","location"}],"bindings"}]}`) and its renderings;
//! the command (`policy-eval`, OPA's exit codes) is the xtask's (`xtask/src/policy/eval.rs`).

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use regorus::{QueryResults, Value};
use serde_json::Value as Json;

use super::engine::Policy;
use super::tree::{DataFile, PolicyTree, RegoFile};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum Format {
    Json,
    Raw,
    Pretty,
}

/// A loaded policy, ready for queries: what `policy-eval` and the tests of it share.
pub struct Evaluator {
    policy: Policy,
}

impl Evaluator {
    /// A policy already loaded (a tree built in memory, with its data), for queries.
    pub fn new(policy: Policy) -> Evaluator {
        Evaluator { policy }
    }

    /// The tree as `opa eval -d DIR` loads it (every data file), or the bundle as the Runner
    /// loads it (its modules and data documents), plus any `extra` files.
    pub fn load(dir: &Path, bundle: Option<&Path>, extra: &[PathBuf]) -> Result<Evaluator> {
        let mut tree = match bundle {
            // A bundle unpacked by `policy-verify --extract`: only what OPA reads from a bundle
            // directory (modules, `data.json`/`data.yaml`), not `rule_inventory.json`.
            Some(b) if b.is_dir() => {
                let mut t = PolicyTree::load(b)?;
                t.data.retain(|f| f.shipped());
                t
            }
            Some(b) => super::inspect::read_bundle_file(b)?.tree,
            None => PolicyTree::load(dir)?,
        };
        for path in extra {
            add_file(&mut tree, path)?;
        }
        let data = tree.merged_data(false)?;
        let policy = Policy::load(&tree, &data)?;
        Ok(Evaluator { policy })
    }

    pub fn query(&mut self, query: &str, input: Option<Value>) -> Result<QueryResults> {
        // Inside the engine's panic boundary, like every other evaluation.
        // Kept from regorus's scheduler, which would print to stderr (see `quiet.rs`).
        // Output arguments of extension-only builtins, as in modules (`builtins/out_args.rs`).
        // Template strings (`$"a {x}"`), as in modules (`templates.rs`).
        let templated = match super::templates::rewrite(query) {
            Some(Ok(q)) => Some(q),
            Some(Err(e)) => {
                let (line, col) = super::ast::line_col(query, e.offset);
                bail!("<query.rego>:{line}:{col}: rego_parse_error: {}", e.message);
            }
            None => None,
        };
        let query = templated.as_deref().unwrap_or(query);
        let rewritten = super::builtins::out_args::rewrite_query(query);
        let query = rewritten.as_deref().unwrap_or(query);
        // Comparisons in OPA's order of objects and sets, as in modules (`order_rewrite.rs`).
        let ordered = super::order_rewrite::rewrite_query(query);
        let query = ordered.as_ref().map_or(query, |(q, _)| q.as_str());
        if let Some(e) = super::quiet::unschedulable_query(query) {
            bail!(e);
        }
        let mut results = self.policy.guarded(format!("query {query}"), |policy| {
            policy.engine.set_input(input.unwrap_or(Value::Undefined));
            policy
                .engine
                .eval_query(query.to_string(), false)
                .map_err(|e| anyhow!(policy.error_line(&e)))
        })?;
        // Each expression shown as written, not as rewritten for its order.
        if let Some((_, written)) = &ordered {
            for r in results.result.iter_mut() {
                // The literals in order (regorus stops at a false one).
                for (e, text) in r.expressions.iter_mut().zip(written) {
                    e.text = text.as_str().into();
                }
            }
        }
        Ok(results)
    }
}

/// Adds a `--data` file to the tree: a module, or a document at the root of `data`.
fn add_file(tree: &mut PolicyTree, path: &Path) -> Result<()> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read", path.display()))?;
    let shown = path.display().to_string();
    // Absolute, so that messages (which show paths under the tree's root) name the file itself.
    let rel = std::path::absolute(path)
        .with_context(|| format!("{shown}: cannot resolve path"))?
        .display()
        .to_string();
    if shown.ends_with(".rego") {
        tree.modules.push(RegoFile { rel, text });
        return Ok(());
    }
    let value = parse_document(&text, path)?;
    if !value.is_object() {
        bail!("{shown}: a --data document must be an object");
    }
    // At the root of `data`, as `opa eval -d FILE` puts a document.
    tree.data.push(DataFile {
        rel,
        path: Vec::new(),
        value,
    });
    Ok(())
}

/// JSON, else YAML (OPA takes either for `--input` and `--data`).
fn parse_document(text: &str, path: &Path) -> Result<Json> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match serde_json::from_str(text) {
        Ok(v) => Ok(v),
        Err(json_err) => {
            let is_json = path.extension().is_some_and(|e| e == "json");
            if is_json {
                bail!(
                    "{}:{}:{}: invalid JSON: {}",
                    path.display(),
                    json_err.line(),
                    json_err.column(),
                    json_err
                        .to_string()
                        .rsplit_once(" at line ")
                        .map_or(json_err.to_string(), |(m, _)| m.to_string())
                );
            }
            yaml_serde::from_str(text)
                .map_err(|e| anyhow!("{}: neither JSON nor YAML: {e}", path.display()))
        }
    }
}

/// The input document of a query: a JSON or YAML file, or `-` for stdin, read as `opa eval
/// --input` reads it.
pub fn read_input(path: &Path) -> Result<Value> {
    let text = if path == Path::new("-") {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("stdin: cannot read the input")?;
        s
    } else {
        std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?
    };
    let shown = if path == Path::new("-") {
        Path::new("stdin")
    } else {
        path
    };
    let json = parse_document(&text, shown)?;
    Value::from_json_str(&json.to_string()).map_err(|e| anyhow!("{}: {e}", shown.display()))
}

/// The text `opa eval --format F` prints for these results.
pub fn render(results: &QueryResults, format: Format) -> Result<String> {
    // Integers beyond 64 bits (certificate serial numbers, RSA moduli) print every digit.
    if let Some(marked) = crate::builtins::bigjson::mark_results(results) {
        return Ok(crate::builtins::bigjson::unmark(&render(&marked, format)?));
    }
    // Sets holding sets and objects list them in OPA's order.
    if let Some(sorted) = crate::builtins::order::results_for_json(results) {
        return render(&sorted, format);
    }
    let mut s = String::new();
    match format {
        Format::Json => {
            s = serde_json::to_string_pretty(results)?;
            s.push('\n');
        }
        Format::Raw => {
            // One value per expression; strings bare, everything else as compact JSON.
            for r in &results.result {
                for e in &r.expressions {
                    match &e.value {
                        Value::String(v) => s.push_str(v),
                        v => s.push_str(&serde_json::to_string(v)?),
                    }
                    s.push('\n');
                }
            }
        }
        Format::Pretty => {
            let r = &results.result;
            if r.is_empty() {
                s.push_str("undefined\n");
            } else if r.len() == 1 && is_empty_object(&r[0].bindings) {
                for e in &r[0].expressions {
                    s.push_str(&serde_json::to_string_pretty(&json_of(&e.value)?)?);
                    s.push('\n');
                }
            } else {
                s.push_str(&table(r)?);
            }
        }
    }
    Ok(s)
}

/// OPA's pretty table: a column per variable bound (sorted) and per expression whose value is
/// not `true`, a row per result, values as compact JSON.
fn table(results: &[regorus::QueryResult]) -> Result<String> {
    let mut headers: Vec<String> = Vec::new();
    for r in results {
        if let Value::Object(b) = &r.bindings {
            for k in b.keys() {
                let k = json_str(k)?;
                if !headers.contains(&k) {
                    headers.push(k);
                }
            }
        }
    }
    headers.sort();
    let vars = headers.len();
    for r in results {
        for e in &r.expressions {
            if e.value != Value::from(true) && !headers.iter().skip(vars).any(|h| **h == *e.text) {
                headers.push(e.text.to_string());
            }
        }
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    for r in results {
        let mut row = Vec::new();
        for (i, h) in headers.iter().enumerate() {
            let v = if i < vars {
                match &r.bindings {
                    Value::Object(b) => b.get(&Value::from(h.as_str())).cloned(),
                    _ => None,
                }
            } else {
                r.expressions
                    .iter()
                    .find(|e| *e.text == **h)
                    .map(|e| e.value.clone())
            };
            row.push(match v {
                Some(v) => serde_json::to_string(&v)?,
                None => String::new(),
            });
        }
        rows.push(row);
    }
    let widths: Vec<usize> = (0..headers.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].chars().count())
                .chain([headers[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let rule: String = widths
        .iter()
        .map(|w| format!("+{}", "-".repeat(w + 2)))
        .collect::<String>()
        + "+\n";
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("| {c:<w$} "))
            .collect::<String>()
            + "|\n"
    };
    let mut out = rule.clone();
    out.push_str(&line(&headers));
    out.push_str(&rule);
    for r in &rows {
        out.push_str(&line(r));
    }
    out.push_str(&rule);
    Ok(out)
}

fn is_empty_object(v: &Value) -> bool {
    match v {
        Value::Object(o) => o.is_empty(),
        Value::Undefined => true,
        _ => false,
    }
}

fn json_of(v: &Value) -> Result<Json> {
    Ok(serde_json::from_str(&v.to_json_str()?)?)
}

fn json_str(v: &Value) -> Result<String> {
    Ok(match v {
        Value::String(s) => s.to_string(),
        v => v.to_json_str()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn eval(src: &str, q: &str, input: Option<&str>) -> QueryResults {
        let t = PolicyTree::of(&[("p.rego", src)]);
        let mut ev = Evaluator {
            policy: Policy::load(&t, &serde_json::json!({"d": {"x": 1}})).unwrap(),
        };
        let input = input.map(|i| Value::from_json_str(i).unwrap());
        ev.query(q, input).unwrap()
    }

    const P: &str = "package p\nimport rego.v1\nallow if input.ok\nxs := {1, 2}\n";

    #[test]
    fn results_have_opas_shape() {
        let r = eval(P, "data.p.allow", Some(r#"{"ok": true}"#));
        let j: Json = serde_json::from_str(&render(&r, Format::Json).unwrap()).unwrap();
        assert_eq!(
            j,
            serde_json::json!({"result": [{"expressions": [
                {"value": true, "text": "data.p.allow", "location": {"row": 1, "col": 1}}
            ]}]})
        );
        let undefined = eval(P, "data.p.allow", None);
        assert_eq!(render(&undefined, Format::Json).unwrap(), "{}\n");
        assert_eq!(render(&undefined, Format::Pretty).unwrap(), "undefined\n");
        assert_eq!(render(&undefined, Format::Raw).unwrap(), "");
        let set = eval(P, "data.p.xs", None);
        assert_eq!(render(&set, Format::Raw).unwrap(), "[1,2]\n");
        let b = eval(P, "some x in data.p.xs", None);
        let j: Json = serde_json::from_str(&render(&b, Format::Json).unwrap()).unwrap();
        assert_eq!(j["result"][1]["bindings"], serde_json::json!({"x": 2}));
        assert_eq!(
            render(&b, Format::Pretty).unwrap(),
            "+---+\n| x |\n+---+\n| 1 |\n| 2 |\n+---+\n"
        );
        let s = eval(P, "data.d", None);
        assert_eq!(render(&s, Format::Pretty).unwrap(), "{\n  \"x\": 1\n}\n");
    }
}
