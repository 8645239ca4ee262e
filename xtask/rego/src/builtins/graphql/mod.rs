//! `graphql.*` as OPA v1.20 runs them on gqlparser v2: `parse_query`, `parse_schema`,
//! `schema_is_valid`, `is_valid`, `parse` and `parse_and_verify`. Documents come back as
//! gqlparser's AST marshalled to JSON with OPA's pruning (no `Position`, no null or empty
//! fields). A query or schema may be given as text or as such an AST object.
//!
//! Part of `builtins/` (layer: loading): uses regorus, the helpers of `builtins/mod.rs` and its
//! own files (`parse.rs`, the documents; `validate.rs`, the spec's rules) only.
//!
//! No crate fits: `apollo-compiler` (spec validation) adds 75 crates to a cold build, and
//! neither it nor `graphql-parser` gives gqlparser's AST; `parse.rs` and `validate.rs` are
//! written after gqlparser.

use anyhow::Result;
use regorus::{Engine, Value};
use serde_json::Value as Json;

use super::{add, from_json, to_json, type_error};

mod parse;
mod validate;

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "graphql.parse_query", 1, parse_query)?;
    add(engine, "graphql.parse_schema", 1, parse_schema)?;
    add(engine, "graphql.schema_is_valid", 1, schema_is_valid)?;
    add(engine, "graphql.is_valid", 2, is_valid)?;
    add(engine, "graphql.parse", 2, parse_both)?;
    add(engine, "graphql.parse_and_verify", 2, parse_and_verify)?;
    Ok(())
}

fn text(args: &[Value], i: usize) -> Result<&str> {
    match &args[i] {
        Value::String(s) => Ok(s),
        other => Err(type_error(i + 1, "string", other)),
    }
}

/// A query (`schema` false) or schema document from text or an AST object, unpruned.
fn document(v: &Value, i: usize, schema: bool) -> Result<Json> {
    match v {
        Value::String(s) => {
            let mut p = parse::Parser::new(s)?;
            match schema {
                true => p.schema_document(),
                false => p.query_document(),
            }
        }
        Value::Object(_) => {
            // Go decodes the object into gqlparser's document: a list field of another kind
            // fails that.
            let doc = to_json(v)?;
            let lists: &[&str] = match schema {
                true => &[
                    "Schema",
                    "SchemaExtension",
                    "Directives",
                    "Definitions",
                    "Extensions",
                ],
                false => &["Operations", "Fragments"],
            };
            for k in lists {
                if !matches!(doc.get(*k), None | Some(Json::Null | Json::Array(_))) {
                    anyhow::bail!("cannot decode the {k} of a GraphQL document");
                }
            }
            Ok(doc)
        }
        other => Err(type_error(i + 1, "one of {string, object}", other)),
    }
}

/// The query and schema checked: `Err` says why they do not fit.
fn verified(args: &[Value]) -> Result<(Json, Json)> {
    let schema = document(&args[1], 1, true)?;
    let loaded = validate::load_schema(&schema)?;
    let query = document(&args[0], 0, false)?;
    validate::validate(&loaded, &query)?;
    Ok((query, schema))
}

fn parse_query(args: &[Value]) -> Result<Value> {
    let doc = parse::Parser::new(text(args, 0)?)?.query_document()?;
    Ok(from_json(prune(doc)))
}

fn parse_schema(args: &[Value]) -> Result<Value> {
    let doc = parse::Parser::new(text(args, 0)?)?.schema_document()?;
    Ok(from_json(prune(doc)))
}

/// Anything but a schema that loads (another kind of operand too) is `false`.
fn schema_is_valid(args: &[Value]) -> Result<Value> {
    let doc = document(&args[0], 0, true);
    Ok(Value::from(
        doc.and_then(|d| validate::load_schema(&d)).is_ok(),
    ))
}

fn is_valid(args: &[Value]) -> Result<Value> {
    Ok(Value::from(verified(args).is_ok()))
}

fn parse_both(args: &[Value]) -> Result<Value> {
    check_kinds(args)?;
    let (q, s) = verified(args)?;
    Ok(Value::from(vec![from_json(prune(q)), from_json(prune(s))]))
}

fn parse_and_verify(args: &[Value]) -> Result<Value> {
    Ok(match verified(args) {
        Ok((q, s)) => Value::from(vec![
            Value::from(true),
            from_json(prune(q)),
            from_json(prune(s)),
        ]),
        Err(_) => Value::from(vec![
            Value::from(false),
            Value::new_object(),
            Value::new_object(),
        ]),
    })
}

fn check_kinds(args: &[Value]) -> Result<()> {
    for (i, v) in args.iter().enumerate() {
        if !matches!(v, Value::String(_) | Value::Object(_)) {
            return Err(type_error(i + 1, "one of {string, object}", v));
        }
    }
    Ok(())
}

/// OPA's `pruneIrrelevantGraphQLASTNodes`: no `Position`, no nulls, no empty arrays or objects
/// (after pruning), in objects and arrays alike.
fn prune(v: Json) -> Json {
    let keep = |v: &Json| match v {
        Json::Null => false,
        Json::Array(a) => !a.is_empty(),
        Json::Object(o) => !o.is_empty(),
        _ => true,
    };
    match v {
        Json::Array(a) => Json::Array(a.into_iter().map(prune).filter(keep).collect()),
        Json::Object(o) => Json::Object(
            o.into_iter()
                .filter(|(k, _)| k != "Position")
                .map(|(k, v)| (k, prune(v)))
                .filter(|(_, v)| keep(v))
                .collect(),
        ),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHEMA: &str = "type Query { user(id: ID!): User } type User { name: String age: Int }";

    fn call(f: fn(&[Value]) -> Result<Value>, args: &[&str]) -> Result<Value> {
        let args: Vec<Value> = args.iter().map(|a| Value::from(*a)).collect();
        f(&args)
    }

    #[test]
    fn queries_are_checked_against_the_schema() {
        let ok = |q: &str| call(is_valid, &[q, SCHEMA]).unwrap() == Value::from(true);
        assert!(ok(r#"{ user(id: "1") { name } }"#));
        assert!(ok(
            r#"query Q($id: ID!) { user(id: $id) { ...F } } fragment F on User { age }"#
        ));
        assert!(!ok(r#"{ user(id: "1") { nope } }"#), "unknown field");
        assert!(!ok(r#"{ user { name } }"#), "required argument");
        assert!(!ok(r#"{ user(id: "1") }"#), "composite without selection");
        assert!(
            !ok(r#"query Q($id: ID) { user(id: $id) { name } }"#),
            "nullable in non-null"
        );
        assert!(
            !ok(r#"{ user(id: "1") { a: name a: age } }"#),
            "conflicting fields"
        );
        assert!(!ok("{ user(id: "), "parse error");
    }

    #[test]
    fn asts_are_gqlparsers_pruned() {
        let q = call(parse_query, &["{ a(x: [1]) }"]).unwrap();
        let want = serde_json::json!({"Operations": [{"Name": "", "Operation": "query",
            "SelectionSet": [{"Alias": "a", "Name": "a", "Arguments": [{"Name": "x",
            "Value": {"Kind": 8, "Raw": "", "ExpectedTypeHasDefault": false, "Children": [
            {"Name": "", "Value": {"Kind": 1, "Raw": "1", "ExpectedTypeHasDefault": false}}]}}]}]}]});
        assert_eq!(q, from_json(want));
        let e = call(parse_query, &["{ a"]).unwrap_err().to_string();
        assert!(e.contains("Expected Name, found <EOF>"), "{e}");
        let bad = call(schema_is_valid, &["type Query { a: Foo }"]).unwrap();
        assert_eq!(bad, Value::from(false));
    }
}
