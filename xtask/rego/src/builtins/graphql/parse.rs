//! A GraphQL lexer and parser (October 2021 spec, as gqlparser v2 reads it) for query and schema
//! documents. Documents come out as gqlparser's structs marshalled to JSON (field names
//! `Operations`, `SelectionSet`, ...), every field present (`null` where Go has nil), before
//! OPA's pruning (see `mod.rs`).

use anyhow::{bail, Result};
use serde_json::{json, Value as Json};

#[derive(Clone, Debug, PartialEq)]
enum Tok {
    Name(String),
    Int(String),
    Float(String),
    Str(String),
    Block(String),
    Punct(&'static str),
    Eof,
    /// Text the lexer refused, with its error: gqlparser reports that error only when the
    /// parser consumes the token; a parser that only looks at it says `Unexpected <Invalid>`.
    Invalid(String),
}

impl Tok {
    /// gqlparser's `Token.String()`: the kind, then the value quoted when there is one.
    fn shown(&self) -> String {
        let value = match self {
            Tok::Name(v) | Tok::Int(v) | Tok::Float(v) | Tok::Str(v) | Tok::Block(v) => v,
            _ => return self.kind().into(),
        };
        match value.is_empty() {
            true => self.kind().into(),
            false => format!("{} {}", self.kind(), super::super::encoding::quote(value)),
        }
    }

    /// gqlparser's `Type.String()`, what `expect` names.
    fn kind(&self) -> &'static str {
        match self {
            Tok::Name(_) => "Name",
            Tok::Int(_) => "Int",
            Tok::Float(_) => "Float",
            Tok::Str(_) => "String",
            Tok::Block(_) => "BlockString",
            Tok::Punct(p) => p,
            Tok::Eof => "<EOF>",
            Tok::Invalid(_) => "<Invalid>",
        }
    }
}

struct Lexer {
    chars: Vec<char>,
    pos: usize,
    line: usize,
    line_start: usize,
    /// The comments read since the last token (gqlparser attaches them to schema nodes).
    comments: Vec<String>,
}

const PUNCTS: &[&str] = &[
    "!", "$", "&", "(", ")", ":", "=", "@", "[", "]", "{", "|", "}",
];

impl Lexer {
    fn err<T>(&self, at: (usize, usize), msg: impl std::fmt::Display) -> Result<T> {
        bail!("{msg} in GraphQL string at location {}:{}", at.0, at.1)
    }

    fn here(&self) -> (usize, usize) {
        (self.line, self.pos - self.line_start + 1)
    }

    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.pos + k).copied()
    }

    fn newline(&mut self) {
        self.line += 1;
        self.line_start = self.pos;
    }

    /// The next token and where it starts, or an `Invalid` token where the lexer stopped.
    fn token(&mut self) -> (Tok, (usize, usize)) {
        match self.next() {
            Ok(t) => t,
            Err(e) => (Tok::Invalid(e.to_string()), self.here()),
        }
    }

    /// The next token and where it starts (line, column).
    fn next(&mut self) -> Result<(Tok, (usize, usize))> {
        loop {
            match self.peek(0) {
                Some('\u{feff}' | ' ' | '\t' | ',') => self.pos += 1,
                Some('\n') => {
                    self.pos += 1;
                    self.newline();
                }
                Some('\r') => {
                    self.pos += 1;
                    if self.peek(0) == Some('\n') {
                        self.pos += 1;
                    }
                    self.newline();
                }
                Some('#') => {
                    let start = self.pos;
                    while !matches!(self.peek(0), None | Some('\n' | '\r')) {
                        self.pos += 1;
                    }
                    self.comments
                        .push(self.chars[start..self.pos].iter().collect());
                }
                _ => break,
            }
        }
        let at = self.here();
        let Some(c) = self.peek(0) else {
            return Ok((Tok::Eof, at));
        };
        if c == '.' {
            if self.peek(1) == Some('.') && self.peek(2) == Some('.') {
                self.pos += 3;
                return Ok((Tok::Punct("..."), at));
            }
            return self.err(at, "Unexpected .");
        }
        if let Some(p) = PUNCTS.iter().find(|p| p.starts_with(c)) {
            self.pos += 1;
            return Ok((Tok::Punct(p), at));
        }
        if c == '_' || c.is_ascii_alphabetic() {
            let start = self.pos;
            while self
                .peek(0)
                .is_some_and(|c| c == '_' || c.is_ascii_alphanumeric())
            {
                self.pos += 1;
            }
            return Ok((Tok::Name(self.chars[start..self.pos].iter().collect()), at));
        }
        if c == '-' || c.is_ascii_digit() {
            return self.number(at);
        }
        if c == '"' {
            if self.peek(1) == Some('"') && self.peek(2) == Some('"') {
                return self.block(at);
            }
            return self.string(at);
        }
        self.err(at, format!("Unexpected {c}"))
    }

    fn digits(&mut self, at: (usize, usize)) -> Result<()> {
        if !self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
            let found = self.peek(0).map_or("<EOF>".into(), |c| c.to_string());
            return self.err(
                at,
                format!("Invalid number, expected digit but got: {found}"),
            );
        }
        while self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        Ok(())
    }

    fn number(&mut self, at: (usize, usize)) -> Result<(Tok, (usize, usize))> {
        let start = self.pos;
        let mut float = false;
        if self.peek(0) == Some('-') {
            self.pos += 1;
        }
        if self.peek(0) == Some('0') {
            self.pos += 1;
            if self.peek(0).is_some_and(|c| c.is_ascii_digit()) {
                return self.err(at, "Invalid number, unexpected digit after 0");
            }
        } else {
            self.digits(at)?;
        }
        if self.peek(0) == Some('.') {
            float = true;
            self.pos += 1;
            self.digits(at)?;
        }
        if matches!(self.peek(0), Some('e' | 'E')) {
            float = true;
            self.pos += 1;
            if matches!(self.peek(0), Some('+' | '-')) {
                self.pos += 1;
            }
            self.digits(at)?;
        }
        if self
            .peek(0)
            .is_some_and(|c| c == '_' || c == '.' || c.is_ascii_alphabetic())
        {
            return self.err(at, "Invalid number");
        }
        let text: String = self.chars[start..self.pos].iter().collect();
        Ok((
            if float {
                Tok::Float(text)
            } else {
                Tok::Int(text)
            },
            at,
        ))
    }

    fn string(&mut self, at: (usize, usize)) -> Result<(Tok, (usize, usize))> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek(0) {
                None | Some('\n' | '\r') => return self.err(at, "Unterminated string."),
                Some('"') => {
                    self.pos += 1;
                    // gqlparser's column is past the opening quote.
                    return Ok((Tok::Str(out), (at.0, at.1 + 1)));
                }
                Some('\\') => {
                    let e = self.peek(1);
                    self.pos += 2;
                    match e {
                        Some('"') => out.push('"'),
                        Some('\\') => out.push('\\'),
                        Some('/') => out.push('/'),
                        Some('b') => out.push('\u{8}'),
                        Some('f') => out.push('\u{c}'),
                        Some('n') => out.push('\n'),
                        Some('r') => out.push('\r'),
                        Some('t') => out.push('\t'),
                        Some('u') => {
                            let hex: String = (0..4).filter_map(|k| self.peek(k)).collect();
                            let Some(c) = u32::from_str_radix(&hex, 16)
                                .ok()
                                .filter(|_| hex.len() == 4)
                                .and_then(char::from_u32)
                            else {
                                return self.err(at, "Invalid character escape sequence");
                            };
                            out.push(c);
                            self.pos += 4;
                        }
                        _ => return self.err(at, "Invalid character escape sequence"),
                    }
                }
                Some(c) if c < ' ' && c != '\t' => {
                    return self.err(at, "Invalid character within String")
                }
                Some(c) => {
                    out.push(c);
                    self.pos += 1;
                }
            }
        }
    }

    fn block(&mut self, at: (usize, usize)) -> Result<(Tok, (usize, usize))> {
        self.pos += 3;
        let mut raw = String::new();
        loop {
            match self.peek(0) {
                None => return self.err(at, "Unterminated string."),
                Some('"') if self.peek(1) == Some('"') && self.peek(2) == Some('"') => {
                    self.pos += 3;
                    return Ok((Tok::Block(block_value(&raw)), (at.0, at.1 + 3)));
                }
                Some('\\')
                    if self.peek(1) == Some('"')
                        && self.peek(2) == Some('"')
                        && self.peek(3) == Some('"') =>
                {
                    raw.push_str("\"\"\"");
                    self.pos += 4;
                }
                Some(c) => {
                    raw.push(c);
                    self.pos += 1;
                    if c == '\n' || (c == '\r' && self.peek(0) != Some('\n')) {
                        self.newline();
                    }
                }
            }
        }
    }
}

/// The spec's BlockStringValue: common indentation and blank first/last lines removed.
fn block_value(raw: &str) -> String {
    let lines: Vec<&str> = raw.split('\n').map(|l| l.trim_end_matches('\r')).collect();
    let indent = lines
        .iter()
        .skip(1)
        .filter_map(|l| {
            let n = l.len() - l.trim_start_matches([' ', '\t']).len();
            (n < l.len()).then_some(n)
        })
        .min();
    let mut out: Vec<String> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| match (i, indent) {
            (0, _) | (_, None) => l.to_string(),
            (_, Some(n)) => l.get(n..).unwrap_or("").to_string(),
        })
        .collect();
    let blank = |l: &String| l.trim_matches([' ', '\t']).is_empty();
    while out.first().is_some_and(blank) {
        out.remove(0);
    }
    while out.last().is_some_and(blank) {
        out.pop();
    }
    out.join("\n")
}

pub struct Parser {
    lexer: Lexer,
    tok: Tok,
    at: (usize, usize),
    /// The comments before `tok`.
    comments: Vec<String>,
    /// The comments before the closing token of the last `many`.
    close_comments: Json,
    /// Reading a type extension.
    extension: bool,
}

impl Parser {
    pub fn new(src: &str) -> Result<Parser> {
        let mut lexer = Lexer {
            chars: src.chars().collect(),
            pos: 0,
            line: 1,
            line_start: 0,
            comments: Vec::new(),
        };
        let (tok, at) = lexer.token();
        let comments = std::mem::take(&mut lexer.comments);
        Ok(Parser {
            lexer,
            tok,
            at,
            comments,
            close_comments: Json::Null,
            extension: false,
        })
    }

    /// gqlparser's `CommentGroup` of the comments before the current token (`null`: none).
    fn comment(&self) -> Json {
        if self.comments.is_empty() {
            return Json::Null;
        }
        let list: Vec<Json> = self
            .comments
            .iter()
            .map(|c| json!({"Value": c, "Position": null}))
            .collect();
        json!({ "List": list })
    }

    fn err<T>(&self, msg: impl std::fmt::Display) -> Result<T> {
        self.lexer.err(self.at, msg)
    }

    fn unexpected<T>(&self) -> Result<T> {
        self.err(format!("Unexpected {}", self.tok.shown()))
    }

    fn bump(&mut self) -> Result<Tok> {
        if let Tok::Invalid(e) = &self.tok {
            bail!("{e}");
        }
        let (next, at) = self.lexer.token();
        self.comments = std::mem::take(&mut self.lexer.comments);
        self.at = at;
        Ok(std::mem::replace(&mut self.tok, next))
    }

    fn is(&self, p: &str) -> bool {
        matches!(&self.tok, Tok::Punct(q) if *q == p)
    }

    fn is_name(&self, n: &str) -> bool {
        matches!(&self.tok, Tok::Name(m) if m == n)
    }

    fn skip(&mut self, p: &str) -> Result<bool> {
        if self.is(p) {
            self.bump()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn expect(&mut self, p: &str) -> Result<()> {
        if !self.skip(p)? {
            return self.err(format!("Expected {p}, found {}", self.tok.kind()));
        }
        Ok(())
    }

    fn name(&mut self) -> Result<String> {
        match &self.tok {
            Tok::Name(n) => {
                let n = n.clone();
                self.bump()?;
                Ok(n)
            }
            other => self.err(format!("Expected Name, found {}", other.kind())),
        }
    }

    fn keyword(&mut self, k: &str) -> Result<()> {
        if !self.is_name(k) {
            return self.err(format!("Expected \"{k}\", found {}", self.tok.shown()));
        }
        self.bump()?;
        Ok(())
    }

    /// `open item+ close` (`many` in gqlparser); `some`: zero items allowed.
    fn many(
        &mut self,
        open: &str,
        close: &str,
        some: bool,
        mut item: impl FnMut(&mut Self) -> Result<Json>,
    ) -> Result<Vec<Json>> {
        self.expect(open)?;
        let mut out = Vec::new();
        if self.is(close) {
            if !some {
                return self.err(format!("expected at least one definition, found {close}"));
            }
            self.bump()?;
            return Ok(out);
        }
        loop {
            out.push(item(self)?);
            // At the end of the text the next item reports what it expected (as gqlparser).
            if self.is(close) {
                self.close_comments = self.comment();
                self.bump()?;
                return Ok(out);
            }
        }
    }

    fn list(v: Vec<Json>) -> Json {
        if v.is_empty() {
            Json::Null
        } else {
            Json::Array(v)
        }
    }

    // ---- query documents ----------------------------------------------------------------

    pub fn query_document(&mut self) -> Result<Json> {
        let (mut ops, mut frags) = (Vec::new(), Vec::new());
        while self.tok != Tok::Eof {
            if self.is("{") {
                ops.push(self.operation()?);
                continue;
            }
            match &self.tok {
                Tok::Name(n) if matches!(n.as_str(), "query" | "mutation" | "subscription") => {
                    ops.push(self.operation()?)
                }
                Tok::Name(n) if n == "fragment" => frags.push(self.fragment()?),
                _ => return self.unexpected(),
            }
        }
        Ok(json!({
            "Operations": Self::list(ops),
            "Fragments": Self::list(frags),
            "Position": null,
        }))
    }

    fn operation(&mut self) -> Result<Json> {
        if self.is("{") {
            return Ok(json!({
                "Operation": "query", "Name": "", "VariableDefinitions": null,
                "Directives": null, "SelectionSet": self.selection_set()?,
                "Position": null, "Comment": null,
            }));
        }
        let comment = self.comment();
        let op = self.name()?;
        let name = match &self.tok {
            Tok::Name(_) => self.name()?,
            _ => String::new(),
        };
        let vars = match self.is("(") {
            true => self.many("(", ")", false, Self::variable_definition)?,
            false => Vec::new(),
        };
        Ok(json!({
            "Operation": op, "Name": name, "VariableDefinitions": Self::list(vars),
            "Directives": self.directives(false)?, "SelectionSet": self.selection_set()?,
            "Position": null, "Comment": comment,
        }))
    }

    fn variable_definition(&mut self) -> Result<Json> {
        let comment = self.comment();
        self.expect("$")?;
        let var = self.name()?;
        self.expect(":")?;
        let ty = self.type_ref()?;
        let default = match self.skip("=")? {
            true => self.value(true)?,
            false => Json::Null,
        };
        Ok(json!({
            "Variable": var, "Type": ty, "DefaultValue": default,
            "Directives": self.directives(true)?, "Position": null, "Comment": comment,
            "Definition": null, "Used": false,
        }))
    }

    fn selection_set(&mut self) -> Result<Json> {
        Ok(Json::Array(self.many("{", "}", false, Self::selection)?))
    }

    fn selection(&mut self) -> Result<Json> {
        let comment = self.comment();
        if self.skip("...")? {
            if matches!(&self.tok, Tok::Name(n) if n != "on") {
                return Ok(json!({
                    "Name": self.name()?, "Directives": self.directives(false)?,
                    "ObjectDefinition": null, "Definition": null, "Position": null,
                    "Comment": comment,
                }));
            }
            let cond = match self.is_name("on") {
                true => {
                    self.bump()?;
                    self.name()?
                }
                false => String::new(),
            };
            return Ok(json!({
                "TypeCondition": cond, "Directives": self.directives(false)?,
                "SelectionSet": self.selection_set()?, "ObjectDefinition": null,
                "Position": null, "Comment": comment,
            }));
        }
        // Kept for the validator's messages; OPA's pruning drops every `Position`.
        let at = json!({"Line": self.at.0, "Column": self.at.1});
        let mut name = self.name()?;
        let mut alias = name.clone();
        if self.skip(":")? {
            name = self.name()?;
        }
        let args = match self.is("(") {
            true => self.arguments(false)?,
            false => Json::Null,
        };
        let dirs = self.directives(false)?;
        let set = match self.is("{") {
            true => self.selection_set()?,
            false => Json::Null,
        };
        if alias.is_empty() {
            alias = name.clone();
        }
        Ok(json!({
            "Alias": alias, "Name": name, "Arguments": args, "Directives": dirs,
            "SelectionSet": set, "Position": at, "Comment": comment, "Definition": null,
            "ObjectDefinition": null,
        }))
    }

    fn arguments(&mut self, constant: bool) -> Result<Json> {
        let args = self.many("(", ")", false, |p| {
            let comment = p.comment();
            let name = p.name()?;
            p.expect(":")?;
            Ok(json!({"Name": name, "Value": p.value(constant)?, "Position": null, "Comment": comment}))
        })?;
        Ok(Json::Array(args))
    }

    fn directives(&mut self, constant: bool) -> Result<Json> {
        let mut out = Vec::new();
        while self.skip("@")? {
            let name = self.name()?;
            let args = match self.is("(") {
                true => self.arguments(constant)?,
                false => Json::Null,
            };
            out.push(json!({
                "Name": name, "Arguments": args, "Position": null,
                "ParentDefinition": null, "Definition": null, "Location": "",
            }));
        }
        Ok(Self::list(out))
    }

    fn fragment(&mut self) -> Result<Json> {
        let comment = self.comment();
        self.keyword("fragment")?;
        if self.is_name("on") {
            return self.unexpected();
        }
        let name = self.name()?;
        // gqlparser reads (experimental) variable definitions on fragments too.
        let vars = match self.is("(") {
            true => self.many("(", ")", false, Self::variable_definition)?,
            false => Vec::new(),
        };
        self.keyword("on")?;
        let cond = self.name()?;
        Ok(json!({
            "Name": name, "VariableDefinition": Self::list(vars), "TypeCondition": cond,
            "Directives": self.directives(false)?, "SelectionSet": self.selection_set()?,
            "Definition": null, "Position": null, "Comment": comment,
        }))
    }

    fn value(&mut self, constant: bool) -> Result<Json> {
        let v = |raw: &str, kind: u8, children: Json| {
            json!({
                "Raw": raw, "Children": children, "Kind": kind, "Position": null,
                "Comment": null, "Definition": null, "VariableDefinition": null,
                "ExpectedType": null, "ExpectedTypeHasDefault": false,
            })
        };
        if self.is("[") {
            let items = self.many("[", "]", true, |p| {
                Ok(json!({"Name": "", "Value": p.value(constant)?, "Position": null, "Comment": null}))
            })?;
            return Ok(v("", 8, Self::list(items)));
        }
        if self.is("{") {
            let fields = self.many("{", "}", true, |p| {
                let comment = p.comment();
                let name = p.name()?;
                p.expect(":")?;
                Ok(json!({"Name": name, "Value": p.value(constant)?, "Position": null, "Comment": comment}))
            })?;
            return Ok(v("", 9, Self::list(fields)));
        }
        if self.is("$") {
            if constant {
                return self.unexpected();
            }
            self.bump()?;
            return Ok(v(&self.name()?, 0, Json::Null));
        }
        let (raw, kind) = match &self.tok {
            Tok::Int(n) => (n.clone(), 1),
            Tok::Float(n) => (n.clone(), 2),
            Tok::Str(s) => (s.clone(), 3),
            Tok::Block(s) => (s.clone(), 4),
            Tok::Name(n) if n == "true" || n == "false" => (n.clone(), 5),
            Tok::Name(n) if n == "null" => (n.clone(), 6),
            Tok::Name(n) => (n.clone(), 7),
            _ => return self.unexpected(),
        };
        self.bump()?;
        Ok(v(&raw, kind, Json::Null))
    }

    fn type_ref(&mut self) -> Result<Json> {
        let mut ty = if self.skip("[")? {
            let elem = self.type_ref()?;
            self.expect("]")?;
            json!({"NamedType": "", "Elem": elem, "NonNull": false, "Position": null})
        } else {
            json!({"NamedType": self.name()?, "Elem": null, "NonNull": false, "Position": null})
        };
        if self.skip("!")? {
            ty["NonNull"] = json!(true);
        }
        Ok(ty)
    }

    // ---- schema documents ---------------------------------------------------------------

    pub fn schema_document(&mut self) -> Result<Json> {
        let mut doc = json!({
            "Schema": [], "SchemaExtension": [], "Directives": [], "Definitions": [],
            "Extensions": [], "Comment": null,
        });
        while self.tok != Tok::Eof {
            let described = (self.tok.shown(), self.at);
            let (description, before) = self.description()?;
            let after = self.comment();
            let notes = (before, after);
            if self.is_name("extend") {
                // An extension takes no description: gqlparser points at the description.
                if !description.is_empty() {
                    let (tok, at) = described;
                    return self.lexer.err(at, format!("Unexpected {tok}"));
                }
                self.bump()?;
                let (key, def) = match self.is_name("schema") {
                    true => (
                        "SchemaExtension",
                        self.schema_definition(String::new(), notes)?,
                    ),
                    false => ("Extensions", self.type_extension(notes)?),
                };
                // An extension that adds nothing is refused at the token after it.
                let adds = [
                    "Directives",
                    "OperationTypes",
                    "Interfaces",
                    "Fields",
                    "Types",
                    "EnumValues",
                ]
                .iter()
                .any(|k| def[*k].as_array().is_some_and(|a| !a.is_empty()));
                if !adds {
                    return self.unexpected();
                }
                push(&mut doc[key], def);
                continue;
            }
            let key = match &self.tok {
                Tok::Name(n) if n == "schema" => "Schema",
                Tok::Name(n) if n == "directive" => "Directives",
                _ => "Definitions",
            };
            let def = match key {
                "Schema" => self.schema_definition(description, notes)?,
                "Directives" => self.directive_definition(description, notes)?,
                _ => self.type_definition(description, notes)?,
            };
            push(&mut doc[key], def);
        }
        doc["Comment"] = self.comment();
        for v in doc.as_object_mut().into_iter().flat_map(|o| o.values_mut()) {
            if v.as_array().is_some_and(|a| a.is_empty()) {
                *v = Json::Null;
            }
        }
        Ok(doc)
    }

    /// A description, if any, and the comments before it.
    fn description(&mut self) -> Result<(String, Json)> {
        match &self.tok {
            Tok::Str(s) | Tok::Block(s) => {
                let s = s.clone();
                let before = self.comment();
                self.bump()?;
                Ok((s, before))
            }
            _ => Ok((String::new(), Json::Null)),
        }
    }

    fn schema_definition(&mut self, description: String, notes: (Json, Json)) -> Result<Json> {
        self.keyword("schema")?;
        let dirs = self.directives(true)?;
        let ops = match self.is("{") {
            true => self.many("{", "}", false, |p| {
                if !matches!(&p.tok, Tok::Name(n) if matches!(n.as_str(), "query" | "mutation" | "subscription")) {
                    return p.unexpected();
                }
                let comment = p.comment();
                let op = p.name()?;
                p.expect(":")?;
                Ok(json!({"Operation": op, "Type": p.name()?, "Position": null, "Comment": comment}))
            })?,
            false => Vec::new(),
        };
        let end = match ops.is_empty() {
            true => Json::Null,
            false => std::mem::take(&mut self.close_comments),
        };
        Ok(json!({
            "Description": description, "Directives": dirs, "OperationTypes": Self::list(ops),
            "Position": null, "BeforeDescriptionComment": notes.0,
            "AfterDescriptionComment": notes.1, "EndOfDefinitionComment": end,
        }))
    }

    fn directive_definition(&mut self, description: String, notes: (Json, Json)) -> Result<Json> {
        self.keyword("directive")?;
        self.expect("@")?;
        let name = self.name()?;
        let args = self.argument_definitions()?;
        let repeatable = self.is_name("repeatable");
        if repeatable {
            self.bump()?;
        }
        self.keyword("on")?;
        self.skip("|")?;
        let mut locations = vec![self.directive_location()?];
        while self.skip("|")? {
            locations.push(self.directive_location()?);
        }
        Ok(json!({
            "Description": description, "Name": name, "Arguments": args,
            "Locations": locations, "IsRepeatable": repeatable, "Position": null,
            "BeforeDescriptionComment": notes.0, "AfterDescriptionComment": notes.1,
        }))
    }

    fn directive_location(&mut self) -> Result<Json> {
        const LOCATIONS: &[&str] = &[
            "QUERY",
            "MUTATION",
            "SUBSCRIPTION",
            "FIELD",
            "FRAGMENT_DEFINITION",
            "FRAGMENT_SPREAD",
            "INLINE_FRAGMENT",
            "VARIABLE_DEFINITION",
            "SCHEMA",
            "SCALAR",
            "OBJECT",
            "FIELD_DEFINITION",
            "ARGUMENT_DEFINITION",
            "INTERFACE",
            "UNION",
            "ENUM",
            "ENUM_VALUE",
            "INPUT_OBJECT",
            "INPUT_FIELD_DEFINITION",
        ];
        let (tok, at) = (self.tok.shown(), self.at);
        let name = self.name()?;
        if !LOCATIONS.contains(&name.as_str()) {
            return self.lexer.err(at, format!("Unexpected {tok}"));
        }
        Ok(Json::from(name))
    }

    fn argument_definitions(&mut self) -> Result<Json> {
        if !self.is("(") {
            return Ok(Json::Null);
        }
        let args = self.many("(", ")", false, |p| {
            let (description, before) = p.description()?;
            let after = p.comment();
            let name = p.name()?;
            p.expect(":")?;
            let ty = p.type_ref()?;
            let default = match p.skip("=")? {
                true => p.value(true)?,
                false => Json::Null,
            };
            Ok(json!({
                "Description": description, "Name": name, "DefaultValue": default, "Type": ty,
                "Directives": p.directives(true)?, "Position": null,
                "BeforeDescriptionComment": before, "AfterDescriptionComment": after,
            }))
        })?;
        Ok(Json::Array(args))
    }

    fn field_definition(&mut self, input: bool) -> Result<Json> {
        let (description, before) = self.description()?;
        let after = self.comment();
        let name = self.name()?;
        let args = match input {
            true => Json::Null,
            false => self.argument_definitions()?,
        };
        self.expect(":")?;
        let ty = self.type_ref()?;
        let default = match input && self.skip("=")? {
            true => self.value(true)?,
            false => Json::Null,
        };
        Ok(json!({
            "Description": description, "Name": name, "Arguments": args,
            "DefaultValue": default, "Type": ty, "Directives": self.directives(true)?,
            "Position": null, "BeforeDescriptionComment": before, "AfterDescriptionComment": after,
        }))
    }

    /// `extend scalar|type|...`: a type definition, except that an extended interface names no
    /// interfaces (gqlparser reads `implements` there as the unexpected token).
    fn type_extension(&mut self, notes: (Json, Json)) -> Result<Json> {
        self.extension = true;
        let def = self.type_definition(String::new(), notes);
        self.extension = false;
        def
    }

    fn type_definition(&mut self, description: String, notes: (Json, Json)) -> Result<Json> {
        let kind = match &self.tok {
            Tok::Name(n) => match n.as_str() {
                "scalar" => "SCALAR",
                "type" => "OBJECT",
                "interface" => "INTERFACE",
                "union" => "UNION",
                "enum" => "ENUM",
                "input" => "INPUT_OBJECT",
                _ => return self.unexpected(),
            },
            _ => return self.unexpected(),
        };
        self.bump()?;
        let name = self.name()?;
        let mut interfaces = Vec::new();
        let implements = kind == "OBJECT" || (kind == "INTERFACE" && !self.extension);
        if implements && self.is_name("implements") {
            self.bump()?;
            self.skip("&")?;
            interfaces.push(Json::from(self.name()?));
            while self.skip("&")? {
                interfaces.push(Json::from(self.name()?));
            }
        }
        let dirs = self.directives(true)?;
        let (mut fields, mut types, mut values) = (Json::Null, Json::Null, Json::Null);
        let mut end = Json::Null;
        match kind {
            "OBJECT" | "INTERFACE" | "INPUT_OBJECT" if self.is("{") => {
                let input = kind == "INPUT_OBJECT";
                fields = Json::Array(self.many("{", "}", false, |p| p.field_definition(input))?);
                end = std::mem::take(&mut self.close_comments);
            }
            "UNION" if self.skip("=")? => {
                self.skip("|")?;
                let mut members = vec![Json::from(self.name()?)];
                while self.skip("|")? {
                    members.push(Json::from(self.name()?));
                }
                types = Json::Array(members);
            }
            "ENUM" if self.is("{") => {
                values = Json::Array(self.many("{", "}", false, |p| {
                    let (description, before) = p.description()?;
                    let after = p.comment();
                    let name = p.name()?;
                    if matches!(name.as_str(), "true" | "false" | "null") {
                        return p.err(format!(
                            "{name} is reserved and cannot be used for an enum value"
                        ));
                    }
                    Ok(json!({
                        "Description": description, "Name": name,
                        "Directives": p.directives(true)?, "Position": null,
                        "BeforeDescriptionComment": before, "AfterDescriptionComment": after,
                    }))
                })?);
                end = std::mem::take(&mut self.close_comments);
            }
            _ => {}
        }
        Ok(json!({
            "Kind": kind, "Description": description, "Name": name, "Directives": dirs,
            "Interfaces": Self::list(interfaces), "Fields": fields, "Types": types,
            "EnumValues": values, "Position": null, "BuiltIn": false,
            "BeforeDescriptionComment": notes.0, "AfterDescriptionComment": notes.1,
            "EndOfDefinitionComment": end,
        }))
    }
}

fn push(list: &mut Json, v: Json) {
    if let Some(a) = list.as_array_mut() {
        a.push(v);
    }
}
