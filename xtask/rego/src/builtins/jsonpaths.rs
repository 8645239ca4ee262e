//! `json.remove`, `json.filter` and `json.patch`'s paths as OPA v1.20 runs them
//! (topdown/json.go).
//!
//! Each path is a string in JSON-pointer form, with or without its leading `/`s (`"/a/b"`,
//! `"a/b"`; `~1` is `/` and `~0` is `~`; `""` is the empty path, which names nothing) or an
//! array of segments, each any value (`["a", "0"]`; a number never matches an array index,
//! which OPA looks up by its decimal string). The paths become one tree of segments; a path
//! that ends where another goes on cuts the longer one. regorus splits strings at every `/`
//! without the pointer rules, so `"/a"` named the key `""`.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{bail, Result};
use regorus::{Engine, Value};

use super::{add, object, type_error, TypeError};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "json.remove", 2, remove)?;
    add(engine, "json.filter", 2, filter)?;
    add(engine, "json.patch", 2, patch)?;
    Ok(())
}

/// `json.patch`: OPA checks each operation's attributes and paths as above, and a patch that
/// cannot apply (`test` failing, removing a missing key, an index out of bounds) is an error,
/// never undefined. regorus applies the patch; it says undefined for those.
fn patch(args: &[Value]) -> Result<Value> {
    let ops = match &args[1] {
        Value::Array(a) => a,
        other => return Err(type_error(2, "array", other)),
    };
    for op in ops.iter() {
        let Value::Object(o) = op else {
            bail!(
                "must be an array of JSON-Patch objects, but at least one element is not an object"
            );
        };
        let attr = |name: &str| o.get(&Value::from(name));
        let kind = match attr("op") {
            None => bail!("missing required attribute 'op'"),
            Some(Value::String(s)) => s.clone(),
            Some(v) => bail!(
                "attribute 'op' must be a string but found: {}",
                super::type_name(v)
            ),
        };
        match attr("path") {
            None => bail!("missing required attribute 'path'"),
            Some(p) => drop(path(p)?),
        }
        match &*kind {
            "move" | "copy" => match attr("from") {
                None => bail!("missing required attribute 'from'"),
                Some(p) => drop(path(p)?),
            },
            "add" | "replace" | "test" if attr("value").is_none() => {
                bail!("missing required attribute 'value'")
            }
            "add" | "replace" | "test" | "remove" => {}
            other => bail!("unrecognized op: '{other}'"),
        }
    }
    match super::panics::call_regorus("json.patch", args)? {
        Value::Undefined => bail!("the patch does not apply to the target"),
        v => Ok(v),
    }
}

/// The paths as a tree: a leaf ends a path (everything under it is named).
enum Node {
    Leaf,
    Branch(BTreeMap<Value, Node>),
}

fn remove(args: &[Value]) -> Result<Value> {
    let obj = object(args, 0)?;
    let tree = tree(&paths(&args[1])?);
    Ok(without(obj, Some(&tree)).unwrap_or(Value::Undefined))
}

fn filter(args: &[Value]) -> Result<Value> {
    let obj = object(args, 0)?;
    let tree = tree(&paths(&args[1])?);
    Ok(only(obj, &tree))
}

/// The second operand: an array or set of paths.
fn paths(v: &Value) -> Result<Vec<Vec<Value>>> {
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Set(s) => s.iter().collect(),
        other => return Err(type_error(2, "one of {set, array}", other)),
    };
    items.into_iter().map(path).collect()
}

fn path(v: &Value) -> Result<Vec<Value>> {
    match v {
        Value::String(s) if s.is_empty() => Ok(Vec::new()),
        Value::String(s) => Ok(s
            .trim_start_matches('/')
            .split('/')
            .map(|part| Value::from(part.replace("~1", "/").replace("~0", "~")))
            .collect()),
        Value::Array(a) => Ok(a.to_vec()),
        other => Err(TypeError(format!(
            "operand 2 must be one of {{set, array}} containing string paths or array of path segments but got {}",
            super::type_name(other)
        ))
        .into()),
    }
}

/// OPA's `pathsToObject`: in order, each path descends through branches, stops at a leaf (a
/// shorter path already names it), and puts a leaf at its last segment (replacing a branch).
fn tree(paths: &[Vec<Value>]) -> Node {
    let mut root = BTreeMap::new();
    'paths: for path in paths {
        let Some((last, init)) = path.split_last() else {
            continue;
        };
        let mut node = &mut root;
        for k in init {
            let child = node
                .entry(k.clone())
                .or_insert_with(|| Node::Branch(BTreeMap::new()));
            match child {
                Node::Leaf => continue 'paths,
                Node::Branch(m) => node = m,
            }
        }
        node.insert(last.clone(), Node::Leaf);
    }
    Node::Branch(root)
}

/// OPA's `jsonRemove`: `v` without what `node` names; `None` when all of it is.
fn without(v: &Value, node: Option<&Node>) -> Option<Value> {
    let m = match node {
        None => return Some(v.clone()),
        Some(Node::Leaf) => return None,
        Some(Node::Branch(m)) => m,
    };
    Some(match v {
        Value::Object(o) => {
            let kept: BTreeMap<Value, Value> = o
                .iter()
                .filter_map(|(k, x)| Some((k.clone(), without(x, m.get(k))?)))
                .collect();
            Value::from(kept)
        }
        Value::Set(s) => Value::from(
            s.iter()
                .filter_map(|x| without(x, m.get(x)))
                .collect::<BTreeSet<_>>(),
        ),
        // Removed elements close up, as in JSON patch; an index is its decimal string.
        Value::Array(a) => Value::from(
            a.iter()
                .enumerate()
                .filter_map(|(i, x)| without(x, m.get(&Value::from(i.to_string()))))
                .collect::<Vec<_>>(),
        ),
        scalar => scalar.clone(),
    })
}

/// OPA's `filterObject`: only what `node` names of `v`.
fn only(v: &Value, node: &Node) -> Value {
    let Node::Branch(m) = node else {
        return v.clone();
    };
    match v {
        Value::Object(o) => {
            let kept: BTreeMap<Value, Value> = o
                .iter()
                .filter_map(|(k, x)| Some((k.clone(), only(x, m.get(k)?))))
                .collect();
            Value::from(kept)
        }
        Value::Set(s) => Value::from(
            s.iter()
                .filter_map(|x| Some(only(x, m.get(x)?)))
                .collect::<BTreeSet<_>>(),
        ),
        Value::Array(a) => Value::from(
            a.iter()
                .enumerate()
                .filter_map(|(i, x)| Some(only(x, m.get(&Value::from(i.to_string()))?)))
                .collect::<Vec<_>>(),
        ),
        scalar => scalar.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Value {
        Value::from_json_str(s).unwrap()
    }

    #[test]
    fn pointer_strings_arrays_and_escapes() {
        let all = r#"{"a": {"b": [1, 2, 3], "c/d": 4, "e~f": 5}, "g": 6}"#;
        let obj = v(all);
        let cases = [
            (
                r#"["/g"]"#,
                r#"{"a": {"b": [1, 2, 3], "c/d": 4, "e~f": 5}}"#,
            ),
            (
                r#"["a/b/1"]"#,
                r#"{"a": {"b": [1, 3], "c/d": 4, "e~f": 5}, "g": 6}"#,
            ),
            (r#"[["a", "b", 1]]"#, all),
            (
                r#"["/a/c~1d", "//a/e~0f"]"#,
                r#"{"a": {"b": [1, 2, 3]}, "g": 6}"#,
            ),
            (r#"["a", "a/b"]"#, r#"{"g": 6}"#),
            (r#"[""]"#, all),
        ];
        for (paths, want) in cases {
            let got = remove(&[obj.clone(), v(paths)]).unwrap();
            assert_eq!(got, v(want), "json.remove with {paths}");
        }
        let got = filter(&[obj.clone(), v(r#"["/a/b/0", "g"]"#)]).unwrap();
        assert_eq!(got, v(r#"{"a": {"b": [1]}, "g": 6}"#));
    }

    #[test]
    fn bad_paths_are_type_errors() {
        let e = remove(&[v("{}"), v("[1]")]).unwrap_err();
        assert!(e.is::<TypeError>(), "{e}");
        let e = filter(&[v("[]"), v("[]")]).unwrap_err();
        assert!(e.to_string().contains("operand 1 must be object"), "{e}");
    }
}
