//! `json.match_schema` and `json.verify_schema` as OPA v1.20 evaluates them: JSON Schema drafts
//! 4, 6 and 7 (and gojsonschema's "hybrid" mode when `$schema` names none of them) with the
//! error list, wording, fields and order of OPA's copy of gojsonschema.
//!
//! Part of `builtins/` (layer: loading): uses regorus, the helpers of `builtins/mod.rs`, its own
//! files (`json.rs`, exact numbers; `formats.rs`) and the sibling `gourl` (Go's URL parser, for
//! the `uri` formats) only.
//!
//! Where Go's answer depends on its random map order (several errors from sibling properties,
//! additional properties, pattern properties or dependencies), we take keys in sorted order.
//! `$ref`s to other documents are not fetched: OPA v1.20 reads `file://` and `http(s)://`
//! references from wherever it runs; we answer that the reference was not loaded.

mod formats;
mod json;

use std::cmp::Ordering;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

use anyhow::{bail, Result};
use regex::Regex;
use regorus::{Engine, Value};

use self::json::{go_marshal, Dec, J};
use super::add;
use super::gourl::{self, Url};

pub fn register(engine: &mut Engine) -> Result<()> {
    add(engine, "json.match_schema", 2, match_schema)?;
    add(engine, "json.verify_schema", 1, verify_schema)?;
    Ok(())
}

/// How deep schema parsing and validation may recurse (a `$ref` cycle that never descends into
/// the document would recurse forever; Go then runs out of stack).
const MAX_NESTING: usize = 256;

/// OPA's `astValueToJSONSchemaLoader`: a JSON string or an object/array value.
fn load(v: &Value) -> Result<J> {
    match v {
        Value::String(s) => json::parse(s).ok_or_else(|| anyhow::anyhow!("invalid JSON string")),
        Value::Object(_) | Value::Array(_) => json::from_value(v, 0),
        _ => bail!("wrong type, expected string or object"),
    }
}

fn verify_schema(args: &[Value]) -> Result<Value> {
    let Some(arg) = args.first() else {
        bail!("operand 1 missing")
    };
    let answer = match load(arg).and_then(compile) {
        Ok(_) => Value::Null,
        Err(e) => Value::from(format!("jsonschema: {e}")),
    };
    let valid = answer == Value::Null;
    Ok(Value::from(vec![Value::from(valid), answer]))
}

fn match_schema(args: &[Value]) -> Result<Value> {
    let (Some(doc), Some(schema)) = (args.first(), args.get(1)) else {
        bail!("operands missing")
    };
    let doc = load(doc)?;
    let schema = compile(load(schema)?)?;
    let mut v = Validator {
        s: &schema,
        depth: 0,
        overflow: false,
    };
    let mut result = Res::default();
    v.validate(schema.root, &doc, &mut result, &Ctx::root());
    if v.overflow {
        bail!("schema recursion deeper than {MAX_NESTING} levels ($ref cycle?)");
    }
    let errors: Vec<Value> = result
        .errors
        .iter()
        .map(|e| {
            let field = e.ctx.field();
            Value::from(BTreeMap::from([
                (
                    Value::from("error"),
                    Value::from(format!("{field}: {}", e.desc)),
                ),
                (Value::from("type"), Value::from(e.kind)),
                (Value::from("field"), Value::from(field)),
                (Value::from("desc"), Value::from(e.desc.as_str())),
            ]))
        })
        .collect();
    Ok(Value::from(vec![
        Value::from(errors.is_empty()),
        Value::from(errors),
    ]))
}

// ---------------------------------------------------------------------------------------------
// References: gojsonreference on Go's net/url.

/// A JSON reference: the URL and its `String()`.
#[derive(Clone)]
struct Ref {
    url: Rc<Url>,
    text: String,
}

impl Ref {
    fn parse(s: &str) -> Result<Ref> {
        let url = gourl::parse(s).map_err(|e| anyhow::anyhow!("parse {s:?}: {e}"))?;
        let text = url.text();
        Ok(Ref {
            url: Rc::new(url),
            text,
        })
    }

    fn empty() -> Ref {
        Ref {
            url: Rc::new(Url::default()),
            text: String::new(),
        }
    }

    fn canonical(&self) -> bool {
        let u = &self.url;
        if u.scheme == "file" {
            u.path.starts_with('/')
        } else {
            !u.scheme.is_empty() && !u.host.is_empty()
        }
    }

    fn without_fragment(&self) -> String {
        let mut u = (*self.url).clone_url();
        u.fragment.clear();
        u.raw_fragment.clear();
        u.text()
    }

    /// gojsonreference's `Inherits`: Go's `ResolveReference` against this reference with its
    /// fragment removed.
    fn inherits(&self, child: &Ref) -> Result<Ref> {
        let (b, r) = (&*self.url, &*child.url);
        let mut s = String::new();
        let scheme = if r.scheme.is_empty() {
            &b.scheme
        } else {
            &r.scheme
        };
        let (user, host, path, query, force_query);
        if !r.opaque.is_empty() {
            return Ok(child.clone());
        }
        if r.path.is_empty() && !b.opaque.is_empty() && r.scheme.is_empty() && r.host.is_empty() {
            let mut t = format!("{}:{}", b.scheme, b.opaque);
            if r.force_query || !r.raw_query.is_empty() {
                t = format!("{t}?{}", r.raw_query);
            } else if !b.raw_query.is_empty() {
                t = format!("{t}?{}", b.raw_query);
            }
            if let Some(i) = child.text.find('#') {
                t.push_str(&child.text[i..]);
            }
            return Ref::parse(&t);
        }
        if !r.scheme.is_empty() || !r.host.is_empty() || r.user.is_some() {
            (user, host) = (r.user.clone(), r.host.clone());
            path = resolve_path(&r.escaped_path(), "");
            (query, force_query) = (r.raw_query.clone(), r.force_query);
        } else {
            (user, host) = (b.user.clone(), b.host.clone());
            path = resolve_path(&b.escaped_path(), &r.escaped_path());
            if r.path.is_empty() && !r.force_query && r.raw_query.is_empty() {
                (query, force_query) = (b.raw_query.clone(), b.force_query);
            } else {
                (query, force_query) = (r.raw_query.clone(), r.force_query);
            }
        }
        if !scheme.is_empty() {
            s.push_str(scheme);
            s.push(':');
        }
        if !host.is_empty() || user.is_some() {
            s.push_str("//");
            if let Some(u) = &user {
                s.push_str(u);
                s.push('@');
            }
            s.push_str(&host);
        }
        s.push_str(&path);
        if force_query || !query.is_empty() {
            s.push('?');
            s.push_str(&query);
        }
        if !r.fragment.is_empty() {
            s.push('#');
            s.push_str(&child.text[child.text.find('#').map_or(0, |i| i + 1)..]);
        }
        Ref::parse(&s)
    }

    /// The JSON pointer of the fragment (gojsonpointer ignores one not starting with `/`).
    fn pointer(&self) -> Vec<String> {
        let f = &self.url.fragment;
        match f.strip_prefix('/') {
            Some(rest) => rest.split('/').map(String::from).collect(),
            None => Vec::new(),
        }
    }
}

trait CloneUrl {
    fn clone_url(&self) -> Url;
}

impl CloneUrl for Url {
    fn clone_url(&self) -> Url {
        Url {
            scheme: self.scheme.clone(),
            opaque: self.opaque.clone(),
            user: self.user.clone(),
            host: self.host.clone(),
            path: self.path.clone(),
            raw_path: self.raw_path.clone(),
            omit_host: self.omit_host,
            force_query: self.force_query,
            raw_query: self.raw_query.clone(),
            fragment: self.fragment.clone(),
            raw_fragment: self.raw_fragment.clone(),
        }
    }
}

/// Go's `resolvePath` (RFC 3986 dot-segment removal).
fn resolve_path(base: &str, r: &str) -> String {
    let full = if r.is_empty() {
        base.to_string()
    } else if !r.starts_with('/') {
        let i = base.rfind('/').map_or(0, |i| i + 1);
        format!("{}{r}", &base[..i])
    } else {
        r.to_string()
    };
    if full.is_empty() {
        return String::new();
    }
    let mut dst = String::from("/");
    let mut first = true;
    let mut last = "";
    for elem in full.split('/') {
        last = elem;
        if elem == "." {
            first = false;
            continue;
        }
        if elem == ".." {
            let s = dst[1..].to_string();
            dst = String::from("/");
            match s.rfind('/') {
                Some(i) => dst.push_str(&s[..i]),
                None => first = true,
            }
        } else {
            if !first {
                dst.push('/');
            }
            dst.push_str(elem);
            first = false;
        }
    }
    if last == "." || last == ".." {
        dst.push('/');
    }
    if dst.len() > 1 && dst.as_bytes()[1] == b'/' {
        dst.remove(0);
    }
    dst
}

/// gojsonpointer's `Get`.
fn pointer_get<'a>(doc: &'a J, tokens: &[String]) -> Result<&'a J> {
    let mut node = doc;
    for t in tokens {
        node = match node {
            J::Obj(m) => {
                let key = t.replace("~1", "/").replace("~0", "~");
                match m.get(&key) {
                    Some(v) => v,
                    None => bail!("Object has no key '{key}'"),
                }
            }
            J::Arr(a) => {
                let Some(i) = go_atoi(t) else {
                    bail!("Invalid array index '{t}'");
                };
                if i < 0 || i as usize >= a.len() {
                    bail!("Out of bound array[0,{}] index '{i}'", a.len());
                }
                &a[i as usize]
            }
            _ => bail!("Invalid token reference '{t}'"),
        };
    }
    Ok(node)
}

/// Go's `strconv.Atoi`.
fn go_atoi(s: &str) -> Option<i64> {
    let d = s.strip_prefix(['+', '-']).unwrap_or(s);
    if d.is_empty() || !d.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

// ---------------------------------------------------------------------------------------------
// The schema pool: gojsonschema's first pass rewrites every `$ref` to an absolute reference
// (against the `$id`/`id` in scope) and registers every subschema with an `$id`.

struct Pool {
    docs: HashMap<String, J>,
}

impl Pool {
    fn rewrite(
        &mut self,
        node: &mut J,
        base: &Ref,
        ids: &mut Vec<(String, Vec<String>)>,
        path: &mut Vec<String>,
    ) {
        match node {
            J::Arr(a) => {
                for (i, v) in a.iter_mut().enumerate() {
                    path.push(i.to_string());
                    self.rewrite(v, base, ids, path);
                    path.pop();
                }
            }
            J::Obj(m) => {
                let key = if m.contains_key("id") { "id" } else { "$id" };
                let mut local = base.clone();
                if let Some(J::Str(id)) = m.get(key) {
                    if let Ok(r) = Ref::parse(id) {
                        if let Ok(l) = base.inherits(&r) {
                            if self.docs.contains_key(&l.text)
                                || ids.iter().any(|(t, _)| *t == l.text)
                            {
                                // Go reports this only at the top level; below, it skips the
                                // subschema silently.
                                return;
                            }
                            ids.push((l.text.clone(), path.clone()));
                            local = l;
                        }
                    }
                }
                if let Some(J::Str(r)) = m.get("$ref") {
                    if let Ok(r) = Ref::parse(r) {
                        if let Ok(abs) = local.inherits(&r) {
                            m.insert("$ref".into(), J::Str(abs.text));
                        }
                    }
                }
                for (k, v) in m.iter_mut() {
                    if k == "const" || k == "enum" {
                        continue;
                    }
                    path.push(k.clone());
                    if k == "properties" || k == "dependencies" || k == "patternProperties" {
                        if let J::Obj(child) = v {
                            for (ck, cv) in child.iter_mut() {
                                path.push(ck.clone());
                                self.rewrite(cv, &local, ids, path);
                                path.pop();
                            }
                        }
                    } else {
                        self.rewrite(v, &local, ids, path);
                    }
                    path.pop();
                }
            }
            _ => {}
        }
    }

    /// gojsonschema's `GetDocument`.
    fn get(&mut self, r: &Ref) -> Result<J> {
        if let Some(d) = self.docs.get(&r.text) {
            return Ok(d.clone());
        }
        let base = r.without_fragment();
        if let Some(d) = self.docs.get(&base) {
            let found = pointer_get(d, &r.pointer())?.clone();
            self.docs.insert(r.text.clone(), found.clone());
            return Ok(found);
        }
        if !r.canonical() {
            bail!("Reference {} must be canonical", r.text);
        }
        bail!(
            "Reference {} is not loaded: remote schemas are not fetched",
            r.text
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Compiled schemas.

#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Draft {
    D4 = 4,
    D6 = 6,
    D7 = 7,
    Hybrid = 1000,
}

enum Extra {
    Bool(bool),
    Schema(usize),
}

enum Dep {
    Names(Vec<String>),
    Schema(usize),
}

#[derive(Default)]
struct Sub {
    pass: Option<bool>,
    ref_schema: Option<usize>,
    types: Vec<String>,
    properties: Vec<(String, usize)>,
    additional_properties: Option<Extra>,
    pattern_properties: Vec<(Regex, usize)>,
    property_names: Option<usize>,
    dependencies: BTreeMap<String, Dep>,
    items: Vec<usize>,
    items_single: bool,
    additional_items: Option<Extra>,
    multiple_of: Option<Dec>,
    maximum: Option<Dec>,
    exclusive_maximum: Option<Dec>,
    minimum: Option<Dec>,
    exclusive_minimum: Option<Dec>,
    min_length: Option<i64>,
    max_length: Option<i64>,
    pattern: Option<(String, Regex)>,
    format: String,
    min_properties: Option<i64>,
    max_properties: Option<i64>,
    required: Vec<String>,
    min_items: Option<i64>,
    max_items: Option<i64>,
    unique_items: bool,
    contains: Option<usize>,
    constant: Option<String>,
    enum_present: bool,
    enumeration: Vec<String>,
    one_of: Vec<usize>,
    any_of: Vec<usize>,
    all_of: Vec<usize>,
    not: Option<usize>,
    if_: Option<usize>,
    then: Option<usize>,
    else_: Option<usize>,
}

struct Schema {
    subs: Vec<Sub>,
    root: usize,
}

struct Compiler {
    pool: Pool,
    subs: Vec<Sub>,
    refs: HashMap<String, usize>,
    draft: Draft,
    depth: usize,
}

fn invalid_type(expected: &str, given: &str) -> anyhow::Error {
    anyhow::anyhow!("Invalid type. Expected: {expected}, given: {given}")
}

fn parse_error() -> anyhow::Error {
    anyhow::anyhow!("Expected: Valid Schema, given: Invalid JSON")
}

/// gojsonschema's `SchemaLoader.Compile` with OPA's settings (pattern validation on).
fn compile(mut doc: J) -> Result<Schema> {
    // parseSchemaURL: the draft named by `$schema`, if any.
    let named = match &doc {
        J::Bool(_) => None,
        J::Obj(m) => match m.get("$schema") {
            None => None,
            Some(J::Str(s)) => {
                let r = Ref::parse(s)?;
                match r.text.as_str() {
                    "http://json-schema.org/draft-04/schema" => Some(Draft::D4),
                    "http://json-schema.org/draft-06/schema" => Some(Draft::D6),
                    "http://json-schema.org/draft-07/schema" => Some(Draft::D7),
                    _ => None,
                }
            }
            Some(_) => bail!("$schema must be of type string"),
        },
        _ => bail!("schema is invalid"),
    };
    let mut pool = Pool {
        docs: HashMap::new(),
    };
    let mut ids = Vec::new();
    pool.rewrite(&mut doc, &Ref::empty(), &mut ids, &mut Vec::new());
    for (text, path) in ids {
        if let Ok(node) = pointer_get(&doc, &path) {
            pool.docs.insert(text, node.clone());
        }
    }
    pool.docs.insert(String::new(), doc.clone());
    let mut c = Compiler {
        pool,
        subs: Vec::new(),
        refs: HashMap::new(),
        draft: named.unwrap_or(Draft::Hybrid),
        depth: 0,
    };
    let root = c.new_sub();
    c.parse(&doc, root, true)?;
    Ok(Schema { subs: c.subs, root })
}

fn get_string<'a>(m: &'a BTreeMap<String, J>, key: &str) -> Result<Option<&'a str>> {
    match m.get(key) {
        None => Ok(None),
        Some(J::Str(s)) => Ok(Some(s)),
        Some(_) => Err(invalid_type("string", key)),
    }
}

fn get_slice<'a>(m: &'a BTreeMap<String, J>, key: &str) -> Result<Option<&'a [J]>> {
    match m.get(key) {
        None => Ok(None),
        Some(J::Arr(a)) => Ok(Some(a)),
        Some(_) => bail!("{key} must be of an array"),
    }
}

fn must_be_integer(v: &J) -> Option<i64> {
    match v {
        J::Num(d) => d.to_i64(),
        _ => None,
    }
}

fn is_schema_like(v: &J) -> bool {
    matches!(v, J::Bool(_) | J::Obj(_))
}

impl Compiler {
    fn new_sub(&mut self) -> usize {
        self.subs.push(Sub::default());
        self.subs.len() - 1
    }

    fn child(&mut self, v: &J) -> Result<usize> {
        let id = self.new_sub();
        self.parse(v, id, false)?;
        Ok(id)
    }

    fn parse(&mut self, v: &J, id: usize, root: bool) -> Result<()> {
        self.depth += 1;
        if self.depth > MAX_NESTING {
            bail!("schema nested deeper than {MAX_NESTING} levels");
        }
        let r = self.parse_inner(v, id, root);
        self.depth -= 1;
        r
    }

    fn parse_inner(&mut self, v: &J, id: usize, root: bool) -> Result<()> {
        let draft = self.draft;
        if draft >= Draft::D6 {
            if let J::Bool(b) = v {
                self.subs[id].pass = Some(*b);
                return Ok(());
            }
        }
        let J::Obj(m) = v else {
            return Err(parse_error());
        };
        let key_id = match draft {
            Draft::D4 => "id",
            Draft::Hybrid if m.contains_key("id") => "id",
            _ => "$id",
        };
        if let Some(s) = get_string(m, key_id)? {
            Ref::parse(s)?;
        }
        let _ = root;
        if let Some(defs) = m.get("definitions") {
            let J::Obj(defs) = defs else {
                return Err(invalid_type("Array Of Schemas", "definitions"));
            };
            for dv in defs.values() {
                if !is_schema_like(dv) {
                    return Err(invalid_type("Array Of Schemas", "definitions"));
                }
                self.child(dv)?;
            }
        }
        get_string(m, "title")?;
        get_string(m, "description")?;
        if let Some(r) = get_string(m, "$ref")? {
            let r = Ref::parse(r)?;
            match self.refs.get(&r.text) {
                Some(&target) => self.subs[id].ref_schema = Some(target),
                None => return self.parse_reference(&r, id),
            }
        }
        match m.get("type") {
            None => {}
            Some(J::Str(t)) => self.add_type(id, t)?,
            Some(J::Arr(ts)) => {
                for t in ts {
                    let J::Str(t) = t else {
                        return Err(invalid_type("type", "string/Array Of Strings"));
                    };
                    self.add_type(id, t)?;
                }
            }
            Some(_) => return Err(invalid_type("type", "string/Array Of Strings")),
        }
        if let Some(p) = m.get("properties") {
            let J::Obj(p) = p else {
                bail!("Properties must be of type object");
            };
            for (k, pv) in p {
                let c = self.child(pv)?;
                self.subs[id].properties.push((k.clone(), c));
            }
        }
        if let Some(ap) = m.get("additionalProperties") {
            let e = match ap {
                J::Bool(b) => Extra::Bool(*b),
                J::Obj(_) => Extra::Schema(self.child(ap)?),
                _ => return Err(invalid_type("boolean/Valid Schema", "additionalProperties")),
            };
            self.subs[id].additional_properties = Some(e);
        }
        match m.get("patternProperties") {
            None => {}
            Some(J::Obj(pp)) => {
                for (k, pv) in pp {
                    let Some(re) = formats::go_regex(k) else {
                        bail!("Invalid regex pattern '{k}'");
                    };
                    let c = self.child(pv)?;
                    self.subs[id].pattern_properties.push((re, c));
                }
            }
            Some(_) => return Err(invalid_type("Valid Schema", "patternProperties")),
        }
        if let Some(pn) = m.get("propertyNames") {
            if draft >= Draft::D6 {
                if !is_schema_like(pn) {
                    return Err(invalid_type("Valid Schema", "patternProperties"));
                }
                let c = self.child(pn)?;
                self.subs[id].property_names = Some(c);
            }
        }
        if let Some(deps) = m.get("dependencies") {
            let J::Obj(deps) = deps else {
                bail!("dependencies must be of type object");
            };
            for (k, dv) in deps {
                match dv {
                    J::Arr(names) => {
                        let mut list = Vec::new();
                        for n in names {
                            let J::Str(n) = n else {
                                bail!("Dependency must be of type Schema Or Array Of Strings");
                            };
                            list.push(n.clone());
                        }
                        if !list.is_empty() {
                            self.subs[id]
                                .dependencies
                                .insert(k.clone(), Dep::Names(list));
                        }
                    }
                    J::Bool(_) | J::Obj(_) => {
                        let c = self.child(dv)?;
                        self.subs[id].dependencies.insert(k.clone(), Dep::Schema(c));
                    }
                    _ => bail!("Dependency must be of type Schema Or Array Of Strings"),
                }
            }
        }
        match m.get("items") {
            None => {}
            Some(J::Arr(items)) => {
                for it in items {
                    if !is_schema_like(it) {
                        return Err(invalid_type("Valid Schema/Array Of Schemas", "items"));
                    }
                    let c = self.child(it)?;
                    self.subs[id].items.push(c);
                }
            }
            Some(it @ (J::Obj(_) | J::Bool(_))) => {
                let c = self.child(it)?;
                self.subs[id].items.push(c);
                self.subs[id].items_single = true;
            }
            Some(_) => return Err(invalid_type("Valid Schema/Array Of Schemas", "items")),
        }
        if let Some(ai) = m.get("additionalItems") {
            let e = match ai {
                J::Bool(b) => Extra::Bool(*b),
                J::Obj(_) => Extra::Schema(self.child(ai)?),
                _ => return Err(invalid_type("boolean/Valid Schema", "additionalItems")),
            };
            self.subs[id].additional_items = Some(e);
        }
        if let Some(mo) = m.get("multipleOf") {
            let J::Num(d) = mo else {
                return Err(invalid_type("Number", "multipleOf"));
            };
            if d.mant <= num_bigint::BigInt::from(0u8) {
                bail!("multipleOf must be strictly greater than 0");
            }
            self.subs[id].multiple_of = Some(d.clone());
        }
        if let Some(x) = m.get("minimum") {
            let J::Num(d) = x else {
                bail!("minimum must be of a Number");
            };
            self.subs[id].minimum = Some(d.clone());
        }
        self.exclusive(m, id, "exclusiveMinimum", "minimum")?;
        if let Some(x) = m.get("maximum") {
            let J::Num(d) = x else {
                bail!("maximum must be of a Number");
            };
            self.subs[id].maximum = Some(d.clone());
        }
        self.exclusive(m, id, "exclusiveMaximum", "maximum")?;
        let min_length = self.count(m, "minLength")?;
        let max_length = self.count(m, "maxLength")?;
        if let (Some(a), Some(b)) = (min_length, max_length) {
            if a > b {
                bail!("minLength cannot be greater than maxLength");
            }
        }
        (self.subs[id].min_length, self.subs[id].max_length) = (min_length, max_length);
        if let Some(p) = get_string(m, "pattern")? {
            let Some(re) = formats::go_regex(p) else {
                bail!("pattern must be a valid regex");
            };
            self.subs[id].pattern = Some((p.to_string(), re));
        }
        if let Some(f) = get_string(m, "format")? {
            self.subs[id].format = f.to_string();
        }
        let min_p = self.count(m, "minProperties")?;
        let max_p = self.count(m, "maxProperties")?;
        if let (Some(a), Some(b)) = (min_p, max_p) {
            if a > b {
                bail!("minProperties cannot be greater than maxProperties");
            }
        }
        (self.subs[id].min_properties, self.subs[id].max_properties) = (min_p, max_p);
        for r in get_slice(m, "required")?.unwrap_or_default() {
            let J::Str(r) = r else {
                return Err(invalid_type("string", "required"));
            };
            if self.subs[id].required.contains(r) {
                bail!("required items must be unique");
            }
            self.subs[id].required.push(r.clone());
        }
        self.subs[id].min_items = self.count(m, "minItems")?;
        self.subs[id].max_items = self.count(m, "maxItems")?;
        if let Some(u) = m.get("uniqueItems") {
            let J::Bool(u) = u else {
                bail!("uniqueItems must be of a boolean");
            };
            self.subs[id].unique_items = *u;
        }
        if let Some(c) = m.get("contains") {
            if draft >= Draft::D6 {
                let c = self.child(c)?;
                self.subs[id].contains = Some(c);
            }
        }
        if let Some(c) = m.get("const") {
            if draft >= Draft::D6 {
                self.subs[id].constant = Some(go_marshal(c));
            }
        }
        let en = get_slice(m, "enum")?;
        self.subs[id].enum_present = en.is_some();
        for e in en.unwrap_or_default() {
            let s = go_marshal(e);
            if self.subs[id].enumeration.contains(&s) {
                bail!("enum items must be unique");
            }
            self.subs[id].enumeration.push(s);
        }
        for (key, which) in [("oneOf", 0), ("anyOf", 1), ("allOf", 2)] {
            for s in get_slice(m, key)?.unwrap_or_default() {
                let c = self.child(s)?;
                let list = match which {
                    0 => &mut self.subs[id].one_of,
                    1 => &mut self.subs[id].any_of,
                    _ => &mut self.subs[id].all_of,
                };
                list.push(c);
            }
        }
        if let Some(n) = m.get("not") {
            if !is_schema_like(n) {
                bail!("not must be of an object");
            }
            let c = self.child(n)?;
            self.subs[id].not = Some(c);
        }
        if draft >= Draft::D7 {
            for key in ["if", "then", "else"] {
                if let Some(s) = m.get(key) {
                    if !is_schema_like(s) {
                        bail!("{key} must be of an object");
                    }
                    let c = Some(self.child(s)?);
                    match key {
                        "if" => self.subs[id].if_ = c,
                        "then" => self.subs[id].then = c,
                        _ => self.subs[id].else_ = c,
                    }
                }
            }
        }
        Ok(())
    }

    fn parse_reference(&mut self, r: &Ref, id: usize) -> Result<()> {
        let target = self.new_sub();
        self.refs.entry(r.text.clone()).or_insert(target);
        let doc = self.pool.get(r)?;
        if !is_schema_like(&doc) {
            bail!("Valid Schema must be of type object");
        }
        self.parse(&doc, target, false)?;
        self.subs[id].ref_schema = Some(target);
        Ok(())
    }

    fn add_type(&mut self, id: usize, t: &str) -> Result<()> {
        const TYPES: [&str; 7] = [
            "array", "boolean", "integer", "number", "null", "object", "string",
        ];
        if !TYPES.contains(&t) {
            bail!(
                "has a primitive type that is NOT VALID -- given: /{t}/ Expected valid values are:[{}]",
                TYPES.join(" ")
            );
        }
        if self.subs[id].types.iter().any(|x| x == t) {
            bail!("{t} type is duplicated");
        }
        self.subs[id].types.push(t.to_string());
        Ok(())
    }

    /// A non-negative integer keyword (`minLength`, `maxItems`, ...).
    fn count(&self, m: &BTreeMap<String, J>, key: &str) -> Result<Option<i64>> {
        let Some(v) = m.get(key) else {
            return Ok(None);
        };
        let Some(n) = must_be_integer(v) else {
            bail!("{key} must be of an integer");
        };
        if n < 0 {
            bail!("{key} must be greater than or equal to 0");
        }
        Ok(Some(n))
    }

    /// `exclusiveMinimum`/`exclusiveMaximum`: a boolean beside `minimum`/`maximum` in draft 4,
    /// a number from draft 6, either in hybrid mode.
    fn exclusive(
        &mut self,
        m: &BTreeMap<String, J>,
        id: usize,
        key: &str,
        base: &str,
    ) -> Result<()> {
        let Some(v) = m.get(key) else { return Ok(()) };
        let max = key == "exclusiveMaximum";
        let sub = &mut self.subs[id];
        let (limit, excl) = if max {
            (&mut sub.maximum, &mut sub.exclusive_maximum)
        } else {
            (&mut sub.minimum, &mut sub.exclusive_minimum)
        };
        match (self.draft, v) {
            (Draft::D4 | Draft::Hybrid, J::Bool(b)) => {
                if limit.is_none() {
                    bail!("{key} cannot be used without {base}");
                }
                if *b {
                    *excl = limit.take();
                }
            }
            (Draft::D4, _) => return Err(invalid_type("boolean", key)),
            (_, J::Num(d)) => *excl = Some(d.clone()),
            (Draft::Hybrid, _) => return Err(invalid_type("boolean/number", key)),
            _ => return Err(invalid_type("number", key)),
        }
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------------
// Validation.

/// Where in the document an error is: `(Root)`, or the path below it.
#[derive(Clone)]
struct Ctx(Rc<Vec<String>>);

impl Ctx {
    fn root() -> Ctx {
        Ctx(Rc::new(Vec::new()))
    }

    fn child(&self, seg: &str) -> Ctx {
        let mut v = (*self.0).clone();
        v.push(seg.to_string());
        Ctx(Rc::new(v))
    }

    fn field(&self) -> String {
        if self.0.is_empty() {
            "(Root)".into()
        } else {
            self.0.join(".")
        }
    }
}

struct Error {
    ctx: Ctx,
    kind: &'static str,
    desc: String,
}

/// gojsonschema's `Result`: the errors and the score that picks the closest failing branch of
/// `anyOf`, `oneOf` and `contains`.
#[derive(Default)]
struct Res {
    errors: Vec<Error>,
    score: i64,
}

impl Res {
    fn add(&mut self, ctx: &Ctx, kind: &'static str, desc: String) {
        self.errors.push(Error {
            ctx: ctx.clone(),
            kind,
            desc,
        });
        self.score -= 2;
    }

    fn merge(&mut self, other: Res) {
        self.errors.extend(other.errors);
        self.score += other.score;
    }

    fn inc(&mut self) {
        self.score += 1;
    }

    fn valid(&self) -> bool {
        self.errors.is_empty()
    }
}

struct Validator<'a> {
    s: &'a Schema,
    depth: usize,
    overflow: bool,
}

fn type_of(v: &J) -> &'static str {
    match v {
        J::Null => "null",
        J::Bool(_) => "boolean",
        J::Num(d) if d.is_int() => "integer",
        J::Num(_) => "number",
        J::Str(_) => "string",
        J::Arr(_) => "array",
        J::Obj(_) => "object",
    }
}

impl Validator<'_> {
    fn sub_validate(&mut self, id: usize, v: &J, ctx: &Ctx) -> Res {
        let mut r = Res::default();
        self.validate(id, v, &mut r, ctx);
        r
    }

    fn validate(&mut self, id: usize, v: &J, res: &mut Res, ctx: &Ctx) {
        if self.overflow {
            return;
        }
        self.depth += 1;
        if self.depth > MAX_NESTING {
            self.overflow = true;
        } else {
            self.validate_inner(id, v, res, ctx);
        }
        self.depth -= 1;
    }

    fn validate_inner(&mut self, id: usize, v: &J, res: &mut Res, ctx: &Ctx) {
        let s = &self.s.subs[id];
        if let Some(pass) = s.pass {
            if !pass {
                res.add(ctx, "false", "False always fails validation".into());
            }
            return;
        }
        if let Some(target) = s.ref_schema {
            self.validate(target, v, res, ctx);
            return;
        }
        let given = type_of(v);
        let ok = s.types.is_empty()
            || s.types.iter().any(|t| t == given)
            || (given == "integer" && s.types.iter().any(|t| t == "number"));
        if !ok {
            let expected = if s.types.len() > 1 {
                format!("[{}]", s.types.join(","))
            } else {
                s.types[0].clone()
            };
            res.add(
                ctx,
                "invalid_type",
                format!("Invalid type. Expected: {expected}, given: {given}"),
            );
            return;
        }
        self.validate_schema(id, v, res, ctx);
        match v {
            J::Num(d) => {
                self.validate_number(id, d, res, ctx);
                self.validate_common(id, v, res, ctx);
            }
            J::Arr(a) => {
                self.validate_array(id, a, res, ctx);
                self.validate_common(id, v, res, ctx);
            }
            J::Obj(m) => {
                self.validate_object(id, m, res, ctx);
                self.validate_common(id, v, res, ctx);
                for (name, p) in &self.s.subs[id].properties {
                    if let Some(x) = m.get(name) {
                        self.validate(*p, x, res, &ctx.child(name));
                    }
                }
            }
            J::Str(st) => {
                self.validate_common(id, v, res, ctx);
                self.validate_string(id, st, res, ctx);
            }
            J::Null | J::Bool(_) => self.validate_common(id, v, res, ctx),
        }
        res.inc();
    }

    fn validate_schema(&mut self, id: usize, v: &J, res: &mut Res, ctx: &Ctx) {
        let s = &self.s.subs[id];
        if !s.any_of.is_empty() {
            let mut best: Option<Res> = None;
            let mut ok = false;
            for &c in &s.any_of {
                let r = self.sub_validate(c, v, ctx);
                ok = r.valid();
                if ok {
                    break;
                }
                if best.as_ref().is_none_or(|b| r.score > b.score) {
                    best = Some(r);
                }
            }
            if !ok {
                res.add(
                    ctx,
                    "number_any_of",
                    "Must validate at least one schema (anyOf)".into(),
                );
                if let Some(b) = best {
                    res.merge(b);
                }
            }
        }
        if !s.one_of.is_empty() {
            let mut n = 0;
            let mut best: Option<Res> = None;
            for &c in &s.one_of {
                let r = self.sub_validate(c, v, ctx);
                if r.valid() {
                    n += 1;
                } else if n == 0 && best.as_ref().is_none_or(|b| r.score > b.score) {
                    best = Some(r);
                }
            }
            if n != 1 {
                res.add(
                    ctx,
                    "number_one_of",
                    "Must validate one and only one schema (oneOf)".into(),
                );
                if n == 0 {
                    if let Some(b) = best {
                        res.merge(b);
                    }
                }
            }
        }
        if !s.all_of.is_empty() {
            let mut n = 0;
            for &c in &s.all_of {
                let r = self.sub_validate(c, v, ctx);
                if r.valid() {
                    n += 1;
                }
                res.merge(r);
            }
            if n != s.all_of.len() {
                res.add(
                    ctx,
                    "number_all_of",
                    "Must validate all the schemas (allOf)".into(),
                );
            }
        }
        if let Some(c) = s.not {
            if self.sub_validate(c, v, ctx).valid() {
                res.add(
                    ctx,
                    "number_not",
                    "Must not validate the schema (not)".into(),
                );
            }
        }
        if let J::Obj(m) = v {
            for key in m.keys() {
                match s.dependencies.get(key) {
                    Some(Dep::Names(names)) => {
                        for n in names {
                            if !m.contains_key(n) {
                                res.add(
                                    ctx,
                                    "missing_dependency",
                                    format!("Has a dependency on {n}"),
                                );
                            }
                        }
                    }
                    Some(Dep::Schema(c)) => self.validate(*c, v, res, ctx),
                    None => {}
                }
            }
        }
        if let Some(c) = s.if_ {
            let cond = self.sub_validate(c, v, ctx).valid();
            let (branch, kind, desc) = if cond {
                (
                    s.then,
                    "condition_then",
                    "Must validate \"then\" as \"if\" was valid",
                )
            } else {
                (
                    s.else_,
                    "condition_else",
                    "Must validate \"else\" as \"if\" was not valid",
                )
            };
            if let Some(b) = branch {
                let r = self.sub_validate(b, v, ctx);
                if !r.valid() {
                    res.add(ctx, kind, desc.into());
                    res.merge(r);
                }
            }
        }
        res.inc();
    }

    fn validate_common(&mut self, id: usize, v: &J, res: &mut Res, ctx: &Ctx) {
        let s = &self.s.subs[id];
        let field = ctx.field();
        if let Some(c) = &s.constant {
            if go_marshal(v) != *c {
                res.add(ctx, "const", format!("{field} does not match: {c}"));
            }
        }
        if s.enum_present && !s.enumeration.contains(&go_marshal(v)) {
            res.add(
                ctx,
                "enum",
                format!(
                    "{field} must be one of the following: {}",
                    s.enumeration.join(", ")
                ),
            );
        }
        if !s.format.is_empty() {
            if let J::Str(st) = v {
                if !formats::is_format(&s.format, st) {
                    res.add(
                        ctx,
                        "format",
                        format!("Does not match format '{}'", s.format),
                    );
                }
            }
        }
        res.inc();
    }

    fn validate_array(&mut self, id: usize, a: &[J], res: &mut Res, ctx: &Ctx) {
        let s = &self.s.subs[id];
        if s.items_single {
            for (i, x) in a.iter().enumerate() {
                let r = self.sub_validate(s.items[0], x, &ctx.child(&i.to_string()));
                res.merge(r);
            }
        } else if !s.items.is_empty() {
            for (i, (x, &c)) in a.iter().zip(&s.items).enumerate() {
                let r = self.sub_validate(c, x, &ctx.child(&i.to_string()));
                res.merge(r);
            }
            if s.items.len() < a.len() {
                match s.additional_items {
                    Some(Extra::Bool(false)) => res.add(
                        ctx,
                        "array_no_additional_items",
                        "No additional items allowed on array".into(),
                    ),
                    Some(Extra::Schema(c)) => {
                        for (i, x) in a.iter().enumerate().skip(s.items.len()) {
                            let r = self.sub_validate(c, x, &ctx.child(&i.to_string()));
                            res.merge(r);
                        }
                    }
                    _ => {}
                }
            }
        }
        let n = a.len() as i64;
        count_bounds(
            res,
            ctx,
            n,
            (s.min_items, s.max_items),
            ["array_min_items", "array_max_items"],
            [
                |v| format!("Array must have at least {v} items"),
                |v| format!("Array must have at most {v} items"),
            ],
        );
        if s.unique_items {
            let mut seen: HashMap<String, usize> = HashMap::new();
            for (j, x) in a.iter().enumerate() {
                let text = go_marshal(x);
                if let Some(i) = seen.get(&text) {
                    res.add(
                        ctx,
                        "unique",
                        format!("array items[{i},{j}] must be unique"),
                    );
                }
                seen.insert(text, j);
            }
        }
        if let Some(c) = s.contains {
            let mut ok = false;
            let mut best: Option<Res> = None;
            for (i, x) in a.iter().enumerate() {
                let r = self.sub_validate(c, x, &ctx.child(&i.to_string()));
                if r.valid() {
                    ok = true;
                    break;
                }
                if best.as_ref().is_none_or(|b| r.score > b.score) {
                    best = Some(r);
                }
            }
            if !ok {
                res.add(
                    ctx,
                    "contains",
                    "At least one of the items must match".into(),
                );
                if let Some(b) = best {
                    res.merge(b);
                }
            }
        }
        res.inc();
    }

    fn validate_object(&mut self, id: usize, m: &BTreeMap<String, J>, res: &mut Res, ctx: &Ctx) {
        let s = &self.s.subs[id];
        let n = m.len() as i64;
        count_bounds(
            res,
            ctx,
            n,
            (s.min_properties, s.max_properties),
            ["array_min_properties", "array_max_properties"],
            [
                |v| format!("Must have at least {v} properties"),
                |v| format!("Must have at most {v} properties"),
            ],
        );
        for r in &s.required {
            if m.contains_key(r) {
                res.inc();
            } else {
                res.add(ctx, "required", format!("{r} is required"));
            }
        }
        for (k, x) in m {
            let found = s.properties.iter().any(|(p, _)| p == k);
            let mut matched = false;
            for (re, c) in &s.pattern_properties {
                if re.is_match(k) {
                    matched = true;
                    let r = self.sub_validate(*c, x, &ctx.child(k));
                    res.merge(r);
                }
            }
            if matched {
                res.inc();
            }
            if !found && !matched {
                match s.additional_properties {
                    Some(Extra::Bool(false)) => res.add(
                        ctx,
                        "additional_property_not_allowed",
                        format!("Additional property {k} is not allowed"),
                    ),
                    Some(Extra::Schema(c)) => {
                        let r = self.sub_validate(c, x, &ctx.child(k));
                        res.merge(r);
                    }
                    _ => {}
                }
            }
        }
        if let Some(c) = s.property_names {
            for k in m.keys() {
                let r = self.sub_validate(c, &J::Str(k.clone()), ctx);
                if !r.valid() {
                    res.add(
                        ctx,
                        "invalid_property_name",
                        format!("Property name of \"{k}\" does not match"),
                    );
                    res.merge(r);
                }
            }
        }
        res.inc();
    }

    fn validate_string(&mut self, id: usize, st: &str, res: &mut Res, ctx: &Ctx) {
        let s = &self.s.subs[id];
        let runes = st.chars().count() as i64;
        count_bounds(
            res,
            ctx,
            runes,
            (s.min_length, s.max_length),
            ["string_gte", "string_lte"],
            [
                |v| format!("String length must be greater than or equal to {v}"),
                |v| format!("String length must be less than or equal to {v}"),
            ],
        );
        if let Some((p, re)) = &s.pattern {
            if !re.is_match(st) {
                res.add(ctx, "pattern", format!("Does not match pattern '{p}'"));
            }
        }
        res.inc();
    }

    fn validate_number(&mut self, id: usize, d: &Dec, res: &mut Res, ctx: &Ctx) {
        let s = &self.s.subs[id];
        if let Some(m) = &s.multiple_of {
            if !d.is_multiple_of(m) {
                res.add(
                    ctx,
                    "multiple_of",
                    format!("Must be a multiple of {}", m.go_float_text()),
                );
            }
        }
        // gojsonschema's order: maximum, exclusiveMaximum, minimum, exclusiveMinimum.
        type Bound<'a> = (
            &'a Option<Dec>,
            fn(Ordering) -> bool,
            &'static str,
            &'static str,
        );
        let bounds: [Bound; 4] = [
            (
                &s.maximum,
                Ordering::is_gt,
                "number_lte",
                "less than or equal to",
            ),
            (
                &s.exclusive_maximum,
                Ordering::is_ge,
                "number_lt",
                "less than",
            ),
            (
                &s.minimum,
                Ordering::is_lt,
                "number_gte",
                "greater than or equal to",
            ),
            (
                &s.exclusive_minimum,
                Ordering::is_le,
                "number_gt",
                "greater than",
            ),
        ];
        for (bound, breaks, kind, relation) in bounds {
            if let Some(m) = bound {
                if breaks(d.cmp(m)) {
                    res.add(
                        ctx,
                        kind,
                        format!("Must be {relation} {}", m.go_float_text()),
                    );
                }
            }
        }
        res.inc();
    }
}

/// A count (items, properties, runes) against its `min*`/`max*` keywords: OPA's error kinds and
/// messages for each bound, minimum first.
fn count_bounds(
    res: &mut Res,
    ctx: &Ctx,
    n: i64,
    (min, max): (Option<i64>, Option<i64>),
    kinds: [&'static str; 2],
    text: [fn(i64) -> String; 2],
) {
    if let Some(min) = min.filter(|&min| n < min) {
        res.add(ctx, kinds[0], text[0](min));
    }
    if let Some(max) = max.filter(|&max| n > max) {
        res.add(ctx, kinds[1], text[1](max));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn m(doc: serde_json::Value, schema: serde_json::Value) -> serde_json::Value {
        let v = match_schema(&[Value::from(doc), Value::from(schema)]).unwrap();
        serde_json::to_value(&v).unwrap()
    }

    fn verify(schema: serde_json::Value) -> serde_json::Value {
        serde_json::to_value(verify_schema(&[Value::from(schema)]).unwrap()).unwrap()
    }

    #[test]
    fn errors_are_opas() {
        assert_eq!(
            m(
                json!({"a": 1}),
                json!({"type":"object","properties":{"a":{"type":"string"}}})
            ),
            json!([false, [{"desc": "Invalid type. Expected: string, given: integer",
                "error": "a: Invalid type. Expected: string, given: integer",
                "field": "a", "type": "invalid_type"}]])
        );
        let r = m(
            json!({"x": [1, "a"]}),
            json!({"required": ["y"], "properties": {"x": {"items": {"type": "string"}, "minItems": 4}}}),
        );
        let errs: Vec<&str> = r[1]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["error"].as_str().unwrap())
            .collect();
        assert_eq!(
            errs,
            [
                "(Root): y is required",
                "x.0: Invalid type. Expected: string, given: integer",
                "x: Array must have at least 4 items"
            ]
        );
    }

    #[test]
    fn bad_schemas_are_worded_as_opa() {
        assert_eq!(
            verify(json!({"type": 12})),
            json!([
                false,
                "jsonschema: Invalid type. Expected: type, given: string/Array Of Strings"
            ])
        );
        assert_eq!(
            verify(json!({"$ref": "x.json"})),
            json!([false, "jsonschema: Reference /x.json must be canonical"])
        );
        assert_eq!(
            verify(json!({"$ref": "#/definitions/a"})),
            json!([false, "jsonschema: Object has no key 'definitions'"])
        );
        assert_eq!(
            verify(json!("[]")),
            json!([false, "jsonschema: schema is invalid"])
        );
        assert_eq!(verify(json!("true")), json!([true, null]));
        assert_eq!(
            verify(json!(1)),
            json!([false, "jsonschema: wrong type, expected string or object"])
        );
    }

    #[test]
    fn ref_cycles_end_in_an_error_not_a_crash() {
        let e = match_schema(&[Value::from(json!({})), Value::from(json!({"$ref": "#"}))]);
        assert!(e.is_err());
        let ok = m(
            json!({"a": {"a": {"a": 1}}}),
            json!({"properties": {"a": {"$ref": "#"}}, "type": "object"}),
        );
        assert_eq!(ok[1][0]["field"], json!("a.a.a"));
    }

    #[test]
    fn resolve_path_is_gos() {
        assert_eq!(resolve_path("", "x.json"), "/x.json");
        assert_eq!(resolve_path("/a/b", "../c"), "/c");
        assert_eq!(resolve_path("/a/b/", "./"), "/a/b/");
        assert_eq!(resolve_path("/a", ""), "/a");
    }
}
