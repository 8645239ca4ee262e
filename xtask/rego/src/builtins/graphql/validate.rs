//! Schema loading and query validation, after gqlparser v2's `LoadSchema` and its validator's
//! rules. Implemented: the schema's types, fields, arguments, interfaces, unions, enums,
//! extensions, directives and root operation types; for queries the rules on operations
//! (known root type, lone anonymous, unique names), fragments (known, unique, used, acyclic, on
//! composite types, possible spreads), fields (on the type, scalar leafs, arguments known, unique
//! and required), directives (known, arguments), variables (unique, input types, defined, used)
//! and literal values against their types. Not implemented: overlapping fields that cannot
//! merge and variables in disallowed positions (gqlparser refuses those; these accept them).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, bail, Result};
use serde_json::{json, Value as Json};

use super::parse::Parser;

const PRELUDE: &str = r#"
scalar Int
scalar Float
scalar String
scalar Boolean
scalar ID
directive @include(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @skip(if: Boolean!) on FIELD | FRAGMENT_SPREAD | INLINE_FRAGMENT
directive @deprecated(reason: String = "No longer supported") on FIELD_DEFINITION | ARGUMENT_DEFINITION | INPUT_FIELD_DEFINITION | ENUM_VALUE
directive @specifiedBy(url: String!) on SCALAR
directive @oneOf on INPUT_OBJECT
directive @defer(if: Boolean = true, label: String) on FRAGMENT_SPREAD | INLINE_FRAGMENT
"#;

/// A loaded schema: types by name (extensions merged), directives, root operation types.
pub struct Schema {
    types: BTreeMap<String, Json>,
    directives: BTreeMap<String, Json>,
    roots: BTreeMap<String, String>,
    /// gqlparser's `PossibleTypes`: the types that may stand where a type is wanted.
    possible: BTreeMap<String, Vec<String>>,
}

fn s<'a>(v: &'a Json, k: &str) -> &'a str {
    v[k].as_str().unwrap_or("")
}

fn items<'a>(v: &'a Json, k: &str) -> &'a [Json] {
    v[k].as_array().map_or(&[], |a| a.as_slice())
}

/// The named type under list and non-null wrappers.
fn base(ty: &Json) -> &str {
    match ty["Elem"].is_object() {
        true => base(&ty["Elem"]),
        false => s(ty, "NamedType"),
    }
}

/// gqlparser's `ValidateSchemaDocument` over the prelude merged with `doc`: the first error, in
/// its order.
pub fn load_schema(doc: &Json) -> Result<Schema> {
    let prelude = Parser::new(PRELUDE)?.schema_document()?;
    let mut types: BTreeMap<String, Json> = BTreeMap::new();
    // The definitions in document order (extensions of undefined types appended), as gqlparser
    // records which types may stand for which.
    let mut order: Vec<String> = Vec::new();
    for d in items(&prelude, "Definitions")
        .iter()
        .chain(items(doc, "Definitions"))
    {
        let name = s(d, "Name");
        if types.contains_key(name) {
            bail!("Cannot redeclare type {name}.");
        }
        types.insert(name.to_string(), d.clone());
        order.push(name.to_string());
    }
    for e in items(doc, "Extensions") {
        let name = s(e, "Name");
        // gqlparser makes an extension of an undefined type that type's definition.
        let def = types.entry(name.to_string()).or_insert_with(|| {
            order.push(name.to_string());
            json!({"Kind": s(e, "Kind"), "Name": name})
        });
        if s(def, "Kind") != s(e, "Kind") {
            bail!(
                "Cannot extend type {name} because the base type is a {}, not {}.",
                s(def, "Kind"),
                s(e, "Kind")
            );
        }
        for k in ["Directives", "Interfaces", "Fields", "Types", "EnumValues"] {
            if let Some(more) = e[k].as_array() {
                match def[k].as_array_mut() {
                    Some(a) => a.extend(more.iter().cloned()),
                    None => def[k] = Json::Array(more.clone()),
                }
            }
        }
    }
    let mut possible: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for name in &order {
        let d = &types[name];
        let mut add = |to: &str, t: &str| possible.entry(to.into()).or_default().push(t.into());
        match s(d, "Kind") {
            "UNION" => {
                for t in items(d, "Types") {
                    add(name, t.as_str().unwrap_or(""));
                }
            }
            "OBJECT" | "INPUT_OBJECT" => {
                for i in items(d, "Interfaces") {
                    add(i.as_str().unwrap_or(""), name);
                }
                add(name, name);
            }
            "INTERFACE" => {
                for i in items(d, "Interfaces") {
                    add(i.as_str().unwrap_or(""), name);
                }
            }
            _ => {}
        }
    }
    let mut directives = BTreeMap::new();
    for d in items(&prelude, "Directives")
        .iter()
        .chain(items(doc, "Directives"))
    {
        let name = s(d, "Name");
        if directives.contains_key(name)
            && !matches!(
                name,
                "include" | "skip" | "deprecated" | "specifiedBy" | "oneOf" | "defer"
            )
        {
            bail!("Cannot redeclare directive {name}.");
        }
        directives.insert(name.to_string(), d.clone());
    }
    let mut schema = Schema {
        types,
        directives,
        roots: BTreeMap::new(),
        possible,
    };
    let defs = items(doc, "Schema");
    if defs.len() > 1 {
        bail!("Cannot have multiple schema entry points, consider schema extensions instead.");
    }
    for d in defs.iter().chain(items(doc, "SchemaExtension")) {
        for o in items(d, "OperationTypes") {
            let (op, ty) = (s(o, "Operation"), s(o, "Type"));
            if !schema.types.contains_key(ty) {
                bail!("Schema root {op} refers to a type {ty} that does not exist.");
            }
            schema.roots.insert(op.into(), ty.into());
        }
        schema.check_directives(items(d, "Directives"), "SCHEMA", None, true)?;
    }
    for d in schema.types.values() {
        schema.check_definition(d)?;
    }
    for d in schema.directives.values() {
        let name = s(d, "Name");
        valid_name(name)?;
        schema.check_arguments(items(d, "Arguments"), Some(name))?;
    }
    // Root types by name only without a `schema` definition (any kind, as gqlparser).
    if defs.is_empty() {
        for (op, ty) in [
            ("query", "Query"),
            ("mutation", "Mutation"),
            ("subscription", "Subscription"),
        ] {
            if !schema.roots.contains_key(op) && schema.types.contains_key(ty) {
                schema.roots.insert(op.into(), ty.into());
            }
        }
    }
    Ok(schema)
}

/// gqlparser's `validateName`.
fn valid_name(name: &str) -> Result<()> {
    if name.starts_with("__") {
        bail!("Name \"{name}\" must not begin with \"__\", which is reserved by GraphQL introspection.");
    }
    Ok(())
}

impl Schema {
    fn kind(&self, name: &str) -> Option<&str> {
        self.types.get(name).map(|d| s(d, "Kind"))
    }

    fn is_input(&self, name: &str) -> bool {
        matches!(self.kind(name), Some("SCALAR" | "ENUM" | "INPUT_OBJECT"))
    }

    fn is_composite(&self, name: &str) -> bool {
        matches!(self.kind(name), Some("OBJECT" | "INTERFACE" | "UNION"))
    }

    /// gqlparser's `validateDirectives` (schema side): `single` when the list is one authored
    /// location (a type's own list merges its extensions' and is not).
    fn check_directives(
        &self,
        dirs: &[Json],
        location: &str,
        current: Option<&str>,
        single: bool,
    ) -> Result<()> {
        let mut seen = BTreeSet::new();
        for d in dirs {
            let name = s(d, "Name");
            valid_name(name)?;
            if current == Some(name) {
                bail!("Directive {name} cannot refer to itself.");
            }
            let Some(def) = self.directives.get(name) else {
                bail!("Undefined directive {name}.");
            };
            if single && !seen.insert(name) && def["IsRepeatable"] != json!(true) {
                bail!("The directive {name} can only be used once at this location.");
            }
            if !items(def, "Locations").iter().any(|l| l == location) {
                bail!("Directive {name} is not applicable on {location}.");
            }
            for a in items(d, "Arguments") {
                if !items(def, "Arguments")
                    .iter()
                    .any(|x| s(x, "Name") == s(a, "Name"))
                {
                    bail!("Undefined argument {} for directive {name}.", s(a, "Name"));
                }
            }
            for x in items(def, "Arguments") {
                let required = x["Type"]["NonNull"] == json!(true) && x["DefaultValue"].is_null();
                let given = items(d, "Arguments")
                    .iter()
                    .find(|a| s(a, "Name") == s(x, "Name"));
                // A null literal (Kind 6) is no value either.
                if required && given.is_none_or(|a| a["Value"]["Kind"] == json!(6)) {
                    bail!(
                        "Argument {} for directive {name} cannot be null.",
                        s(x, "Name")
                    );
                }
            }
        }
        Ok(())
    }

    /// gqlparser's `isCovariant`: a field of type `actual` may implement one of `required`.
    fn covariant(&self, required: &Json, actual: &Json) -> bool {
        if required["NonNull"] == json!(true) && actual["NonNull"] != json!(true) {
            return false;
        }
        let want = s(required, "NamedType");
        if !want.is_empty() {
            let have = s(actual, "NamedType");
            return want == have
                || self
                    .possible
                    .get(want)
                    .is_some_and(|p| p.iter().any(|t| t == have));
        }
        if !actual["Elem"].is_object() {
            return false;
        }
        self.covariant(&required["Elem"], &actual["Elem"])
    }

    /// gqlparser's `validateArgs`.
    fn check_arguments(&self, args: &[Json], directive: Option<&str>) -> Result<()> {
        for a in args {
            let name = s(a, "Name");
            valid_name(name)?;
            let ty = base(&a["Type"]);
            let Some(kind) = self.kind(ty) else {
                bail!("Undefined type {ty}.");
            };
            if !self.is_input(ty) {
                bail!(
                    "cannot use {} as argument {name} because {kind} is not a valid input type",
                    shown(&a["Type"])
                );
            }
            self.check_directives(
                items(a, "Directives"),
                "ARGUMENT_DEFINITION",
                directive,
                true,
            )?;
        }
        Ok(())
    }

    /// gqlparser's `validateImplements` and `validateTypeImplementsAncestors`.
    fn check_implements(&self, d: &Json, iname: &str) -> Result<()> {
        let name = s(d, "Name");
        let Some(idef) = self.types.get(iname) else {
            bail!("Undefined type \"{iname}\".");
        };
        if s(idef, "Kind") != "INTERFACE" {
            bail!("\"{iname}\" is a non interface type {}.", s(idef, "Kind"));
        }
        for f in items(idef, "Fields") {
            let fname = s(f, "Name");
            let Some(g) = items(d, "Fields").iter().find(|g| s(g, "Name") == fname) else {
                bail!("For {name} to implement {iname} it must have a field called {fname}.");
            };
            if !self.covariant(&f["Type"], &g["Type"]) {
                bail!(
                    "For {name} to implement {iname} the field {fname} must have type {}.",
                    shown(&f["Type"])
                );
            }
            for a in items(f, "Arguments") {
                let aname = s(a, "Name");
                let Some(b) = items(g, "Arguments").iter().find(|b| s(b, "Name") == aname) else {
                    bail!("For {name} to implement {iname} the field {fname} must have the same arguments but it is missing {aname}.");
                };
                if !compatible(&a["Type"], &b["Type"]) {
                    bail!("For {name} to implement {iname} the field {fname} must have the same arguments but {aname} has the wrong type.");
                }
            }
            for b in items(g, "Arguments") {
                let extra = !items(f, "Arguments")
                    .iter()
                    .any(|a| s(a, "Name") == s(b, "Name"));
                if extra && b["Type"]["NonNull"] == json!(true) && b["DefaultValue"].is_null() {
                    bail!("For {name} to implement {iname} any additional arguments on {fname} must be optional or have a default value but {} is required.", s(b, "Name"));
                }
            }
        }
        for t in items(idef, "Interfaces") {
            let t = t.as_str().unwrap_or("");
            if !items(d, "Interfaces").iter().any(|i| i == t) {
                if t == name {
                    bail!("Type {name} cannot implement {iname} because it would create a circular reference.");
                }
                bail!("Type {name} must implement {t} because it is implemented by {iname}.");
            }
        }
        Ok(())
    }

    /// gqlparser's `validateDefinition`.
    fn check_definition(&self, d: &Json) -> Result<()> {
        let (name, kind) = (s(d, "Name"), s(d, "Kind"));
        for f in items(d, "Fields") {
            valid_name(s(f, "Name"))?;
            let ty = base(&f["Type"]);
            if !self.types.contains_key(ty) {
                bail!("Undefined type {ty}.");
            }
            self.check_arguments(items(f, "Arguments"), None)?;
            let location = match kind {
                "INPUT_OBJECT" => "INPUT_FIELD_DEFINITION",
                _ => "FIELD_DEFINITION",
            };
            self.check_directives(items(f, "Directives"), location, None, true)?;
        }
        for t in items(d, "Types") {
            let t = t.as_str().unwrap_or("");
            match self.kind(t) {
                None => bail!("Undefined type \"{t}\"."),
                Some("OBJECT") => {}
                Some(_) => bail!("{kind} type \"{t}\" must be OBJECT."),
            }
        }
        for i in items(d, "Interfaces") {
            self.check_implements(d, i.as_str().unwrap_or(""))?;
        }
        match kind {
            "OBJECT" | "INTERFACE" | "INPUT_OBJECT" => {
                if items(d, "Fields").is_empty() {
                    match kind {
                        "INPUT_OBJECT" => {
                            bail!("{kind} {name}: must define one or more input fields.")
                        }
                        _ => bail!("{kind} {name}: must define one or more fields."),
                    }
                }
                for f in items(d, "Fields") {
                    let Some(fkind) = self.kind(base(&f["Type"])) else {
                        continue;
                    };
                    match kind {
                        "INPUT_OBJECT" if !matches!(fkind, "SCALAR" | "ENUM" | "INPUT_OBJECT") => {
                            bail!(
                                "{fkind} {}: field must be one of SCALAR, ENUM, INPUT_OBJECT.",
                                s(f, "Name")
                            )
                        }
                        "OBJECT" | "INTERFACE" if fkind == "INPUT_OBJECT" => bail!(
                            "{kind} {name}: field must be one of SCALAR, OBJECT, INTERFACE, UNION, ENUM."
                        ),
                        _ => {}
                    }
                }
            }
            "ENUM" => {
                if items(d, "EnumValues").is_empty() {
                    bail!("ENUM {name}: must define one or more unique enum values.");
                }
                for v in items(d, "EnumValues") {
                    let vname = s(v, "Name");
                    if matches!(vname, "true" | "false" | "null") {
                        bail!("ENUM {name}: non-enum value {vname}.");
                    }
                    self.check_directives(items(v, "Directives"), "ENUM_VALUE", None, true)?;
                }
            }
            _ => {}
        }
        for (k, what) in [("Fields", "Field"), ("EnumValues", "Enum value")] {
            let mut seen = BTreeSet::new();
            for f in items(d, k) {
                if !seen.insert(s(f, "Name")) {
                    bail!("{what} {name}.{} can only be defined once.", s(f, "Name"));
                }
            }
        }
        let mut seen = BTreeSet::new();
        for t in items(d, "Types") {
            let t = t.as_str().unwrap_or("");
            if !seen.insert(t) {
                bail!("Union type {name} can only include type {t} once.");
            }
        }
        valid_name(name)?;
        self.check_directives(items(d, "Directives"), kind, None, false)
    }
    fn field<'a>(&'a self, parent: &str, name: &str) -> Option<&'a Json> {
        items(self.types.get(parent)?, "Fields")
            .iter()
            .find(|f| s(f, "Name") == name)
    }

    /// The object types a value of type `name` may have.
    fn possible(&self, name: &str) -> BTreeSet<String> {
        match self.kind(name) {
            Some("OBJECT") => [name.to_string()].into(),
            Some("UNION") => items(&self.types[name], "Types")
                .iter()
                .filter_map(|t| t.as_str().map(String::from))
                .collect(),
            Some("INTERFACE") => self
                .types
                .values()
                .filter(|d| {
                    s(d, "Kind") == "OBJECT" && items(d, "Interfaces").iter().any(|i| i == name)
                })
                .map(|d| s(d, "Name").to_string())
                .collect(),
            _ => BTreeSet::new(),
        }
    }
}

/// Validates a parsed query document against a schema; the first error found.
pub fn validate(schema: &Schema, doc: &Json) -> Result<()> {
    let ops = items(doc, "Operations");
    let frags: BTreeMap<&str, &Json> = items(doc, "Fragments")
        .iter()
        .map(|f| (s(f, "Name"), f))
        .collect();
    if frags.len() != items(doc, "Fragments").len() {
        bail!("There can be only one fragment named.");
    }
    if ops.len() > 1 && ops.iter().any(|o| s(o, "Name").is_empty()) {
        bail!("This anonymous operation must be the only defined operation.");
    }
    let mut names = BTreeSet::new();
    for o in ops {
        if !s(o, "Name").is_empty() && !names.insert(s(o, "Name")) {
            bail!(
                "There can be only one operation named \"{}\".",
                s(o, "Name")
            );
        }
    }
    let mut v = Validator {
        schema,
        frags: &frags,
        owner: String::new(),
        positions: BTreeMap::new(),
    };
    for f in frags.values() {
        v.owner = format!("fragment {}", s(f, "Name"));
        let cond = s(f, "TypeCondition");
        if !schema.types.contains_key(cond) {
            bail!("Unknown type \"{cond}\".");
        }
        if !schema.is_composite(cond) {
            bail!(
                "Fragment \"{}\" cannot condition on non composite type \"{cond}\".",
                s(f, "Name")
            );
        }
        v.check_directives(f, "FRAGMENT_DEFINITION")?;
        v.selections(items(f, "SelectionSet"), cond)?;
        cycle(f, &frags, &mut Vec::new())?;
    }
    for (n, o) in ops.iter().enumerate() {
        v.owner = format!("op {n}");
        let op = s(o, "Operation");
        let Some(root) = schema.roots.get(op) else {
            bail!("Schema does not support operation type \"{op}\"");
        };
        let mut vars = BTreeSet::new();
        for d in items(o, "VariableDefinitions") {
            let name = s(d, "Variable");
            if !vars.insert(name) {
                bail!("There can be only one variable named \"${name}\".");
            }
            let ty = base(&d["Type"]);
            if !schema.types.contains_key(ty) {
                bail!("Unknown type \"{ty}\".");
            }
            if !schema.is_input(ty) {
                bail!("Variable \"${name}\" cannot be non-input type \"{ty}\".");
            }
            if !d["DefaultValue"].is_null() {
                v.value(&d["DefaultValue"], &d["Type"], false)?;
            }
        }
        v.check_directives(o, &op.to_ascii_uppercase())?;
        v.selections(items(o, "SelectionSet"), root)?;
        // Variables used through the fragments the operation spreads.
        let mut spread = BTreeSet::new();
        spreads(items(o, "SelectionSet"), &frags, &mut spread);
        let mut used = BTreeSet::new();
        uses(o, &mut used);
        for f in &spread {
            if let Some(f) = frags.get(f.as_str()) {
                uses(f, &mut used);
            }
        }
        for u in &used {
            if !vars.contains(u.as_str()) {
                bail!("Variable \"${u}\" is not defined.");
            }
        }
        for name in &vars {
            if !used.contains(*name) {
                bail!("Variable \"${name}\" is never used.");
            }
        }
        let owners =
            std::iter::once(v.owner.clone()).chain(spread.iter().map(|f| format!("fragment {f}")));
        for owner in owners {
            for (var, expected, has_default) in v.positions.get(&owner).into_iter().flatten() {
                let Some(d) = items(o, "VariableDefinitions")
                    .iter()
                    .find(|d| s(d, "Variable") == var)
                else {
                    continue;
                };
                let mut want = expected.clone();
                let defaulted =
                    !d["DefaultValue"].is_null() && d["DefaultValue"]["Kind"] != json!(6);
                if defaulted || *has_default {
                    want["NonNull"] = json!(false);
                }
                if !compatible(&d["Type"], &want) {
                    bail!(
                        "Variable \"${var}\" of type \"{}\" used in position expecting type \"{}\".",
                        shown(&d["Type"]),
                        shown(expected)
                    );
                }
            }
        }
        if op == "subscription" {
            let set = items(o, "SelectionSet");
            if set.len() != 1 {
                bail!("Subscription must select only one top level field.");
            }
            if s(&set[0], "Name").starts_with("__") && set[0].get("Alias").is_some() {
                bail!("Subscription must not select an introspection top level field.");
            }
        }
    }
    let mut reached = BTreeSet::new();
    for o in ops {
        spreads(items(o, "SelectionSet"), &frags, &mut reached);
    }
    for name in frags.keys() {
        if !reached.contains(*name) {
            bail!("Fragment \"{name}\" is never used.");
        }
    }
    Ok(())
}

/// The fragments `set` spreads, directly or through other fragments.
fn spreads(set: &[Json], frags: &BTreeMap<&str, &Json>, out: &mut BTreeSet<String>) {
    for sel in set {
        if sel.get("Alias").is_none() && sel.get("TypeCondition").is_none() {
            let name = s(sel, "Name");
            if out.insert(name.to_string()) {
                if let Some(f) = frags.get(name) {
                    spreads(items(f, "SelectionSet"), frags, out);
                }
            }
        }
        spreads(items(sel, "SelectionSet"), frags, out);
    }
}

/// The variables a node uses (values in arguments and directives, recursively), fragments' own
/// selections included but not what they spread.
fn uses(node: &Json, out: &mut BTreeSet<String>) {
    match node {
        Json::Object(o) => {
            if o.get("Kind") == Some(&json!(0)) && o.contains_key("Raw") {
                out.insert(s(node, "Raw").to_string());
            }
            for (k, v) in o {
                if k != "VariableDefinitions" {
                    uses(v, out);
                }
            }
        }
        Json::Array(a) => a.iter().for_each(|v| uses(v, out)),
        _ => {}
    }
}

fn cycle<'a>(f: &'a Json, frags: &BTreeMap<&str, &'a Json>, path: &mut Vec<&'a str>) -> Result<()> {
    let name = s(f, "Name");
    if path.contains(&name) {
        bail!("Cannot spread fragment \"{name}\" within itself.");
    }
    path.push(name);
    let mut direct = BTreeSet::new();
    direct_spreads(items(f, "SelectionSet"), &mut direct);
    for d in direct {
        if let Some(g) = frags.get(d) {
            cycle(g, frags, path)?;
        }
    }
    path.pop();
    Ok(())
}

fn direct_spreads<'a>(set: &'a [Json], out: &mut BTreeSet<&'a str>) {
    for sel in set {
        if sel.get("Alias").is_none() && sel.get("TypeCondition").is_none() {
            out.insert(s(sel, "Name"));
        }
        direct_spreads(items(sel, "SelectionSet"), out);
    }
}

struct Validator<'a> {
    schema: &'a Schema,
    frags: &'a BTreeMap<&'a str, &'a Json>,
    /// Who the values checked now belong to: an operation (`op N`) or a fragment.
    owner: String,
    /// Per owner, each variable use: name, expected type, whether the place has a default.
    positions: BTreeMap<String, Vec<(String, Json, bool)>>,
}

/// gqlparser's `Type.IsCompatible`: a variable of type `var` fits where `want` is expected.
fn compatible(var: &Json, want: &Json) -> bool {
    if s(var, "NamedType") != s(want, "NamedType") {
        return false;
    }
    match (var["Elem"].is_object(), want["Elem"].is_object()) {
        (true, false) => return false,
        (true, true) if !compatible(&var["Elem"], &want["Elem"]) => return false,
        _ => {}
    }
    want["NonNull"] != json!(true) || var["NonNull"] == json!(true)
}

/// The same type once names are left out of composite ones (list and non-null wrappers).
fn same_shape(schema: &Schema, a: &Json, b: &Json) -> bool {
    let (ea, eb) = (a["Elem"].is_object(), b["Elem"].is_object());
    if a["NonNull"] != b["NonNull"] || ea != eb {
        return false;
    }
    if ea {
        return same_shape(schema, &a["Elem"], &b["Elem"]);
    }
    let (na, nb) = (s(a, "NamedType"), s(b, "NamedType"));
    (schema.is_composite(na) && schema.is_composite(nb)) || na == nb
}

impl Validator<'_> {
    /// Fields of one selection set (through fragments) answering under one name must be the
    /// same field with the same arguments (unless their parents are distinct object types) and
    /// of the same type (gqlparser's OverlappingFieldsCanBeMerged, one level deep).
    fn overlapping(&self, set: &[Json], parent: &str) -> Result<()> {
        let mut fields: Vec<(&str, &str, &Json, String)> = Vec::new();
        self.collect(set, parent, &mut fields, &mut BTreeSet::new());
        for (i, a) in fields.iter().enumerate() {
            for b in &fields[i + 1..] {
                if a.0 != b.0 {
                    continue;
                }
                let exclusive = a.3 != b.3
                    && self.schema.kind(&a.3) == Some("OBJECT")
                    && self.schema.kind(&b.3) == Some("OBJECT");
                if !exclusive && (a.1 != b.1 || a.2["Arguments"] != b.2["Arguments"]) {
                    bail!(
                        "Fields \"{}\" conflict because {} and {} are different fields.",
                        a.0,
                        a.1,
                        b.1
                    );
                }
                let ta = self.schema.field(&a.3, a.1).map(|f| &f["Type"]);
                let tb = self.schema.field(&b.3, b.1).map(|f| &f["Type"]);
                if let (Some(ta), Some(tb)) = (ta, tb) {
                    if !same_shape(self.schema, ta, tb) {
                        bail!(
                            "Fields \"{}\" conflict because they return conflicting types.",
                            a.0
                        );
                    }
                }
            }
        }
        Ok(())
    }

    fn collect<'s>(
        &'s self,
        set: &'s [Json],
        parent: &str,
        out: &mut Vec<(&'s str, &'s str, &'s Json, String)>,
        seen: &mut BTreeSet<&'s str>,
    ) {
        for sel in set {
            if sel.get("Alias").is_some() {
                out.push((s(sel, "Alias"), s(sel, "Name"), sel, parent.to_string()));
            } else if sel.get("TypeCondition").is_some() {
                let cond = match s(sel, "TypeCondition") {
                    "" => parent,
                    c => c,
                };
                self.collect(items(sel, "SelectionSet"), cond, out, seen);
            } else if let Some(f) = self.frags.get(s(sel, "Name")) {
                if seen.insert(s(f, "Name")) {
                    self.collect(items(f, "SelectionSet"), s(f, "TypeCondition"), out, seen);
                }
            }
        }
    }

    fn selections(&mut self, set: &[Json], parent: &str) -> Result<()> {
        self.overlapping(set, parent)?;
        for sel in set {
            if sel.get("Alias").is_some() {
                self.field(sel, parent)?;
            } else if sel.get("TypeCondition").is_some() {
                let cond = match s(sel, "TypeCondition") {
                    "" => parent,
                    c => c,
                };
                if !self.schema.types.contains_key(cond) {
                    bail!("Unknown type \"{cond}\".");
                }
                if !self.schema.is_composite(cond) {
                    bail!("Fragment cannot condition on non composite type \"{cond}\".");
                }
                self.spread_possible(cond, parent)?;
                self.check_directives(sel, "INLINE_FRAGMENT")?;
                self.selections(items(sel, "SelectionSet"), cond)?;
            } else {
                let name = s(sel, "Name");
                let Some(f) = self.frags.get(name) else {
                    bail!("Unknown fragment \"{name}\".");
                };
                self.spread_possible(s(f, "TypeCondition"), parent)?;
                self.check_directives(sel, "FRAGMENT_SPREAD")?;
            }
        }
        Ok(())
    }

    fn spread_possible(&self, cond: &str, parent: &str) -> Result<()> {
        let a = self.schema.possible(cond);
        let b = self.schema.possible(parent);
        if a.is_disjoint(&b) {
            bail!("Fragment cannot be spread here as objects of type \"{parent}\" can never be of type \"{cond}\".");
        }
        Ok(())
    }

    fn field(&mut self, f: &Json, parent: &str) -> Result<()> {
        let name = s(f, "Name");
        self.check_directives(f, "FIELD")?;
        if name == "__typename" {
            return Ok(());
        }
        let is_root = self.schema.roots.get("query").is_some_and(|q| q == parent);
        if is_root && (name == "__schema" || name == "__type") {
            return Ok(()); // introspection: not modelled further
        }
        let Some(def) = self.schema.field(parent, name) else {
            bail!("Cannot query field \"{name}\" on type \"{parent}\".");
        };
        self.arguments(f, def, &format!("field \"{name}\""))?;
        let ty = base(&def["Type"]);
        let leaf = !self.schema.is_composite(ty);
        let set = items(f, "SelectionSet");
        match (leaf, set.is_empty()) {
            (true, false) => bail!(
                "Field \"{name}\" must not have a selection since type \"{ty}\" has no subfields."
            ),
            (false, true) => {
                bail!("Field \"{name}\" of type \"{ty}\" must have a selection of subfields.")
            }
            _ => {}
        }
        self.selections(set, ty)
    }

    /// Arguments of a field or directive against their definitions.
    fn arguments(&mut self, call: &Json, def: &Json, what: &str) -> Result<()> {
        let mut seen = BTreeSet::new();
        for a in items(call, "Arguments") {
            let name = s(a, "Name");
            if !seen.insert(name) {
                bail!("There can be only one argument named \"{name}\".");
            }
            let Some(d) = items(def, "Arguments")
                .iter()
                .find(|d| s(d, "Name") == name)
            else {
                bail!("Unknown argument \"{name}\" on {what}.");
            };
            self.value(&a["Value"], &d["Type"], !d["DefaultValue"].is_null())?;
        }
        for d in items(def, "Arguments") {
            let required = d["Type"]["NonNull"] == json!(true) && d["DefaultValue"].is_null();
            if required && !seen.contains(s(d, "Name")) {
                // gqlparser's words for a field, at the field when its position is known.
                if let Some(field) = what.strip_prefix("field ") {
                    let at = &call["Position"];
                    let msg = format!(
                        "Field {field} argument \"{}\" of type \"{}\" is required, but it was not provided",
                        s(d, "Name"),
                        shown(&d["Type"])
                    );
                    match (at["Line"].as_u64(), at["Column"].as_u64()) {
                        (Some(l), Some(c)) => bail!("{msg} in GraphQL string at location {l}:{c}"),
                        _ => bail!("GraphQL parse error: input: {msg}."),
                    }
                }
                bail!(
                    "{what} argument \"{}\" is required but not provided.",
                    s(d, "Name")
                );
            }
        }
        Ok(())
    }

    fn check_directives(&mut self, on: &Json, location: &str) -> Result<()> {
        let mut seen = BTreeSet::new();
        for d in items(on, "Directives") {
            let name = s(d, "Name");
            let Some(def) = self.schema.directives.get(name) else {
                bail!("Unknown directive \"@{name}\".");
            };
            if !items(def, "Locations").iter().any(|l| l == location) {
                bail!("Directive \"@{name}\" may not be used on {location}.");
            }
            if def["IsRepeatable"] != json!(true) && !seen.insert(name) {
                bail!("The directive \"@{name}\" can only be used once at this location.");
            }
            self.arguments(d, def, &format!("directive \"@{name}\""))?;
        }
        Ok(())
    }

    /// A value against its expected type (variables are checked by the variables rules).
    fn value(&mut self, v: &Json, ty: &Json, has_default: bool) -> Result<()> {
        let kind = v["Kind"].as_u64().unwrap_or(99);
        let raw = s(v, "Raw");
        if kind == 0 {
            let at = (raw.to_string(), ty.clone(), has_default);
            self.positions
                .entry(self.owner.clone())
                .or_default()
                .push(at);
            return Ok(());
        }
        if kind == 6 {
            if ty["NonNull"] == json!(true) {
                bail!("Expected value of type \"{}\", found null.", shown(ty));
            }
            return Ok(());
        }
        if ty["Elem"].is_object() {
            return match kind {
                8 => items(v, "Children")
                    .iter()
                    .try_for_each(|c| self.value(&c["Value"], &ty["Elem"], false)),
                _ => self.value(v, &ty["Elem"], false),
            };
        }
        let name = s(ty, "NamedType");
        let bad = || anyhow!("{} cannot represent value: {}", name, raw);
        match self.schema.kind(name) {
            Some("SCALAR") => {
                let ok = match name {
                    "Int" => kind == 1,
                    "Float" => kind == 1 || kind == 2,
                    "String" => kind == 3 || kind == 4,
                    "Boolean" => kind == 5,
                    "ID" => kind == 1 || kind == 3 || kind == 4,
                    _ => true,
                };
                if !ok {
                    return Err(bad());
                }
            }
            Some("ENUM") => {
                let known = items(&self.schema.types[name], "EnumValues")
                    .iter()
                    .any(|e| s(e, "Name") == raw);
                if kind != 7 || !known {
                    return Err(bad());
                }
            }
            Some("INPUT_OBJECT") => {
                if kind != 9 {
                    return Err(bad());
                }
                let def = &self.schema.types[name];
                let mut seen = BTreeSet::new();
                for c in items(v, "Children") {
                    let field = s(c, "Name");
                    if !seen.insert(field) {
                        bail!("There can be only one input field named \"{field}\".");
                    }
                    let Some(fd) = items(def, "Fields").iter().find(|f| s(f, "Name") == field)
                    else {
                        bail!("Field \"{field}\" is not defined by type \"{name}\".");
                    };
                    self.value(&c["Value"], &fd["Type"], !fd["DefaultValue"].is_null())?;
                }
                for fd in items(def, "Fields") {
                    let required =
                        fd["Type"]["NonNull"] == json!(true) && fd["DefaultValue"].is_null();
                    if required && !seen.contains(s(fd, "Name")) {
                        bail!(
                            "Field \"{name}.{}\" of required type was not provided.",
                            s(fd, "Name")
                        );
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }
}

fn shown(ty: &Json) -> String {
    let inner = match ty["Elem"].is_object() {
        true => format!("[{}]", shown(&ty["Elem"])),
        false => s(ty, "NamedType").to_string(),
    };
    match ty["NonNull"] == json!(true) {
        true => format!("{inner}!"),
        false => inner,
    }
}
