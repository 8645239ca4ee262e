//! Random, well-formed Rego v1 programs (modules, data, input, queries) from a seed: a small
//! typed AST so that OPA's type checker and safety rules accept most of what comes out, and so
//! that the shrinker can take programs apart structurally.

use std::fmt::Write as _;

use serde_json::{json, Map, Value as Json};

/// SplitMix64: tiny, deterministic, good enough to pick grammar branches.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x5DEE_CE66_D1CE_4E5B)
    }
    // An endless generator, not an iterator: `next` reads best at its many call sites.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True with probability `pct` percent.
    pub fn chance(&mut self, pct: u64) -> bool {
        self.next() % 100 < pct
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Static types, as far as OPA's type checker can know them. `Dyn` is what the checker calls
/// `any` (input, base data): accepted everywhere. `Poly` is a value of statically mixed type
/// (an element of a mixed collection): only used where any type is welcome, so that the checker
/// never sees two disjoint types meet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ty {
    Num,
    Str,
    Bool,
    Arr,
    Set,
    Obj,
    Dyn,
    Poly,
}

#[derive(Clone, Debug)]
pub enum Expr {
    /// A scalar as written: `1`, `2.5`, `"a"`, `true`, `null`.
    Lit(String),
    Var(String),
    /// A reference written out in full: `input.a.b`, `data.p.r`, `x[0]`.
    Path(String),
    Array(Vec<Expr>),
    Set(Vec<Expr>),
    Object(Vec<(Expr, Expr)>),
    Bin(&'static str, Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
    ArrCompr(Box<Expr>, Vec<Lit>),
    SetCompr(Box<Expr>, Vec<Lit>),
    ObjCompr(Box<Expr>, Box<Expr>, Vec<Lit>),
}

#[derive(Clone, Debug)]
pub enum Lit {
    Expr(Expr),
    Cmp(&'static str, Expr, Expr),
    Assign(String, Expr),
    /// `some x in e` or `some k, v in e`.
    SomeIn(Vec<String>, Expr),
    /// `e in coll` as a condition.
    In(Expr, Expr),
    Every(Vec<String>, Expr, Vec<Lit>),
    Not(Box<Lit>),
    With(Box<Lit>, Vec<(String, Expr)>),
}

#[derive(Clone, Debug)]
pub enum Head {
    /// `name := value` (`name` may be a ref like `g0.a`).
    Complete(String, Expr),
    /// `name contains elem`.
    Contains(String, Expr),
    /// `name[key] := value`.
    Entry(String, Expr, Expr),
    /// `name(args) := value`.
    Func(String, Vec<String>, Expr),
    /// `default name := value`, or `default name(_, _) := value` with `Some(arity)`.
    Default(String, Option<usize>, Expr),
}

#[derive(Clone, Debug)]
pub struct Rule {
    pub head: Head,
    pub body: Vec<Lit>,
    /// `else := value if { body }`, in order.
    pub elses: Vec<(Expr, Vec<Lit>)>,
}

#[derive(Clone, Debug)]
pub struct Module {
    pub package: String,
    /// `import data.<path>` lines (the alias is the path's last name).
    pub imports: Vec<String>,
    pub rules: Vec<Rule>,
    /// Rendered over two files of the package: rules alternate, a function's definitions may
    /// appear in both (`Some(salt)` decides which).
    pub split: Option<u64>,
}

#[derive(Clone, Debug)]
pub struct Program {
    pub modules: Vec<Module>,
    pub data: Json,
    pub input: Json,
}

impl Program {
    /// File name and source text of every module (two files for a split one).
    pub fn files(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (i, m) in self.modules.iter().enumerate() {
            match m.split {
                None => out.push((format!("m{i}.rego"), m.render())),
                Some(salt) => {
                    let (a, b) = m.render_split(salt);
                    out.push((format!("m{i}.rego"), a));
                    out.push((format!("m{i}b.rego"), b));
                }
            }
        }
        out
    }

    /// What both engines evaluate: every package, and every non-function rule and ref-head
    /// prefix, as `pkg.path` (without `data.`), each once.
    pub fn queries(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut add = |q: String| {
            if !out.contains(&q) {
                out.push(q);
            }
        };
        for m in &self.modules {
            add(m.package.clone());
            for r in &m.rules {
                let name = match &r.head {
                    Head::Complete(n, _) | Head::Contains(n, _) | Head::Entry(n, _, _) => n,
                    Head::Default(n, None, _) => n,
                    _ => continue,
                };
                if let Some((first, _)) = name.split_once('.') {
                    add(format!("{}.{first}", m.package));
                }
                add(format!("{}.{name}", m.package));
            }
        }
        out
    }
}

impl Module {
    fn preamble(&self) -> String {
        let mut s = format!("package {}\n", self.package);
        for i in &self.imports {
            s.push_str(&format!("\nimport data.{i}\n"));
        }
        s
    }

    pub fn render(&self) -> String {
        let mut s = self.preamble();
        for r in &self.rules {
            s.push('\n');
            r.render(&mut s);
        }
        s
    }

    /// The module as two files of its package: rules alternate between them, and a function's
    /// definition (not its `default`) is now and then written in both, identically.
    fn render_split(&self, salt: u64) -> (String, String) {
        let (mut a, mut b) = (self.preamble(), self.preamble());
        for (i, r) in self.rules.iter().enumerate() {
            let mix = Rng::new(salt.wrapping_add(i as u64)).next();
            let both = matches!(r.head, Head::Func(..)) && mix.is_multiple_of(4);
            if both || i.is_multiple_of(2) {
                a.push('\n');
                r.render(&mut a);
            }
            if both || !i.is_multiple_of(2) {
                b.push('\n');
                r.render(&mut b);
            }
        }
        (a, b)
    }
}

fn body(lits: &[Lit]) -> String {
    if lits.is_empty() {
        return String::new();
    }
    let mut inner = String::new();
    for (i, l) in lits.iter().enumerate() {
        let text = l.render();
        // OPA reads a line that starts with `-` as the previous line's expression continued
        // (`x\n-1 in s` is `x - 1 in s`): such a literal joins the previous line after `;`.
        if i > 0 && text.starts_with('-') {
            inner.pop();
            inner.push_str(&format!("; {text}\n"));
        } else {
            inner.push_str(&format!("\t{text}\n"));
        }
    }
    format!(" if {{\n{inner}}}")
}

impl Rule {
    fn render(&self, s: &mut String) {
        let b = body(&self.body);
        let _ = match &self.head {
            Head::Complete(n, v) => write!(s, "{n} := {}{b}", v.render()),
            Head::Contains(n, e) => write!(s, "{n} contains {}{b}", e.render()),
            Head::Entry(n, k, v) => write!(s, "{n}[{}] := {}{b}", k.render(), v.render()),
            Head::Func(n, args, v) => write!(s, "{n}({}) := {}{b}", args.join(", "), v.render()),
            Head::Default(n, None, v) => write!(s, "default {n} := {}", v.render()),
            Head::Default(n, Some(k), v) => {
                write!(
                    s,
                    "default {n}({}) := {}",
                    vec!["_"; *k].join(", "),
                    v.render()
                )
            }
        };
        for (v, lits) in &self.elses {
            let b = body(lits);
            let _ = write!(s, " else := {}{b}", v.render());
        }
        s.push('\n');
    }
}

fn list(items: &[Expr]) -> String {
    items
        .iter()
        .map(Expr::render)
        .collect::<Vec<_>>()
        .join(", ")
}

fn inline(lits: &[Lit]) -> String {
    lits.iter().map(Lit::render).collect::<Vec<_>>().join("; ")
}

impl Expr {
    pub fn render(&self) -> String {
        match self {
            Expr::Lit(s) | Expr::Var(s) | Expr::Path(s) => s.clone(),
            Expr::Array(v) => format!("[{}]", list(v)),
            // `{}` is an empty object; an empty set is `set()`.
            Expr::Set(v) if v.is_empty() => "set()".into(),
            Expr::Set(v) => format!("{{{}}}", list(v)),
            Expr::Object(kv) => {
                let items: Vec<String> = kv
                    .iter()
                    .map(|(k, v)| format!("{}: {}", k.render(), v.render()))
                    .collect();
                format!("{{{}}}", items.join(", "))
            }
            Expr::Bin(op, a, b) => format!("({} {op} {})", a.render(), b.render()),
            Expr::Call(f, args) => format!("{f}({})", list(args)),
            Expr::ArrCompr(e, b) => format!("[{} | {}]", e.render(), inline(b)),
            Expr::SetCompr(e, b) => format!("{{{} | {}}}", e.render(), inline(b)),
            Expr::ObjCompr(k, v, b) => {
                format!("{{{}: {} | {}}}", k.render(), v.render(), inline(b))
            }
        }
    }
}

impl Lit {
    pub fn render(&self) -> String {
        match self {
            Lit::Expr(e) => e.render(),
            Lit::Cmp(op, a, b) => format!("{} {op} {}", a.render(), b.render()),
            Lit::Assign(v, e) => format!("{v} := {}", e.render()),
            Lit::SomeIn(vars, e) => format!("some {} in {}", vars.join(", "), e.render()),
            Lit::In(a, b) => format!("{} in {}", a.render(), b.render()),
            Lit::Every(vars, e, b) => {
                format!(
                    "every {} in {} {{ {} }}",
                    vars.join(", "),
                    e.render(),
                    inline(b)
                )
            }
            Lit::Not(l) => format!("not {}", l.render()),
            Lit::With(l, ws) => {
                let mut s = l.render();
                for (t, v) in ws {
                    let _ = write!(s, " with {t} as {}", v.render());
                }
                s
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generation

const NUMS: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "-1",
    "7",
    "10",
    "0.5",
    "2.5",
    "-1.25",
    "0.1",
    "0.2",
    "3.14159",
    "1e3",
    "1.5e2",
    "9007199254740993",
    "12345678901234567890",
    "-98765432109876543210",
    "1e20",
    "123456789.125",
    "100000000000000000000000000000",
    "0.000001",
];

const STRS: &[&str] = &[
    "",
    "a",
    "b",
    "abc",
    "Hello",
    "héllo",
    "日本語",
    "a,b,c",
    " x ",
    "foo.bar",
    "ab ab",
    "%",
    "A-1",
    "10",
    "2.5",
    "true",
];

/// What a generated rule offers to later rules: how to reference it and its type.
#[derive(Clone, Debug)]
struct Known {
    /// `data.p.r` (a value) or `data.p.f` (a function).
    path: String,
    ty: Ty,
    /// For functions: the parameter types.
    params: Option<Vec<Ty>>,
    /// Complete rules (not functions) can be replaced with `with`.
    mockable: bool,
}

pub struct Gen {
    rng: Rng,
    /// A second stream for the scoping forms (short names, import aliases, locals named like
    /// globals, split files): the first stream, and so the shape of every program, stays as it
    /// was before these forms existed.
    alt: Rng,
    /// The package being generated, and its import alias (`alias`, `data.<path>`) if any.
    pkg: String,
    alias: Option<(String, String)>,
    /// The current rule names its locals like globals (rules of the package, the alias); it
    /// then writes every rule and function of the tree in full.
    shadow: bool,
    /// Globals already used as local names in the current rule (each at most once).
    shadowed: Vec<String>,
    known: Vec<Known>,
    scope: Vec<(String, Ty)>,
    /// The current function's parameters.
    params: Vec<(String, Ty)>,
    fresh: usize,
    input_keys: Vec<String>,
}

pub fn program(seed: u64) -> Program {
    let mut g = Gen {
        rng: Rng::new(seed),
        alt: Rng::new(seed.wrapping_mul(0x2545_F491_4F6C_DD1D) ^ 0xA11A5),
        pkg: String::new(),
        alias: None,
        shadow: false,
        shadowed: Vec::new(),
        known: Vec::new(),
        scope: Vec::new(),
        params: Vec::new(),
        fresh: 0,
        input_keys: Vec::new(),
    };
    let input = g.json_object(3);
    g.input_keys = input
        .as_object()
        .map(|o| o.keys().cloned().collect())
        .unwrap_or_default();
    let data = json!({ "d": g.json_object(2) });
    let packages = ["p", "q", "p.sub"];
    let n_mod = 1 + g.rng.below(2);
    let mut modules = Vec::new();
    let mut rule_no = 0;
    for (i, pkg) in packages.iter().take(n_mod).enumerate() {
        g.pkg = pkg.to_string();
        // A later package may import the first one (`import data.p`: alias `p`).
        g.alias = (i > 0 && g.alt.chance(50)).then(|| ("p".to_string(), "p".to_string()));
        let imports = g.alias.iter().map(|(_, path)| path.clone()).collect();
        let split = g.alt.chance(30).then(|| g.alt.next());
        let mut rules = Vec::new();
        let n = 2 + g.rng.below(5);
        let mut groups = 0;
        for _ in 0..n {
            rule_no += 1;
            let mut new = g.rule(pkg, rule_no, &mut groups);
            new.iter_mut().for_each(Gen::blank_unused);
            rules.extend(new);
        }
        modules.push(Module {
            package: pkg.to_string(),
            imports,
            rules,
            split,
        });
    }
    // Last, so that every program before these rules stays as it was for its seed: builtins
    // called with an output argument, and `graphql.*`.
    if let Some(first) = modules.first_mut() {
        for _ in 0..g.rng.below(3) {
            rule_no += 1;
            g.scope.clear();
            first.rules.push(g.builtin_rule(rule_no));
        }
    }
    // Later still: `with` values that evaluate rules the literal reads too, and `walk` as a
    // relation (issue 22: a value built by a function reading a rule; `some _, v in walk(x)`).
    if let Some(first) = modules.first_mut() {
        g.pkg = first.package.clone();
        g.alias = None;
        g.shadow = false;
        if g.alt.chance(50) {
            rule_no += 2;
            first.rules.extend(g.scoping_rules(rule_no));
        }
    }
    Program {
        modules,
        data,
        input,
    }
}

const VERSIONS: &[&str] = &[
    "1.0.0",
    "2.0.0",
    "1.0.0-rc.1",
    "1.0.0+build",
    "1.2",
    "v1.0.0",
];

/// No repeated non-zero IPv6 host: OPA v1.20's `net.cidr_merge` panics on `["::1/128", "::1/128"]`.
const CIDRS: &[&str] = &[
    "10.0.0.0/24",
    "10.0.1.0/24",
    "10.0.0.0/8",
    "192.168.1.1/32",
    "2001:db8::/32",
];

/// GraphQL texts for `graphql.*`: valid and invalid queries and schemas.
const GQL_SCHEMAS: &[&str] = &[
    "type Query { user(id: ID!): User users: [User!]! } type User { name: String age: Int }",
    "type Query { a: Int b(x: Int = 1): String }",
    "type Query { a: Foo }",
    "type Query { a: Int",
    "schema { query: Q } type Q { a: Int } enum E { X Y }",
];

const GQL_QUERIES: &[&str] = &[
    "{ a }",
    "{ b(x: 2) }",
    "{ users { name } }",
    "query Q($id: ID!) { user(id: $id) { name ...F } } fragment F on User { age }",
    "{ user(id: \"1\") { nope } }",
    "{ users }",
    "{ a b: a }",
    "query { a(",
];

impl Gen {
    /// A function that reads an earlier rule (`mk9(x) := [{"v": data.p.r3, "x": x}]`), a rule
    /// that reads it too under a `with` whose value calls the function
    /// (`w9 := x4 if { x4 := [data.p.r3, input.a] with input.a as mk9(1) }`), and a rule that
    /// walks it (`w10 := {x5 | some _, x5 in walk(data.p.r3)}`). Drawn from the second stream.
    fn scoping_rules(&mut self, no: usize) -> Vec<Rule> {
        let values: Vec<Known> = self
            .known
            .iter()
            .filter(|k| k.params.is_none())
            .cloned()
            .collect();
        if values.is_empty() {
            return Vec::new();
        }
        let k = self.alt.pick(&values).clone();
        let key = match self.input_keys.is_empty() {
            true => "zz".to_string(),
            false => self.alt.pick(&self.input_keys).clone(),
        };
        let lit = |s: &str| Expr::Lit(format!("{s:?}"));
        let mk = format!("mk{no}");
        let read = Expr::Path(self.spell(&k.path));
        let func = Rule {
            head: Head::Func(
                mk.clone(),
                vec!["x".into()],
                Expr::Array(vec![Expr::Object(vec![
                    (lit("v"), read),
                    (lit("x"), Expr::Var("x".into())),
                ])]),
            ),
            body: vec![],
            elses: vec![],
        };
        let call = |n: &str| Expr::Call(mk.clone(), vec![Expr::Lit(n.into())]);
        let ws = match self.alt.below(2) {
            0 => vec![(format!("input.{key}"), call("1"))],
            _ => vec![(
                "input".to_string(),
                Expr::Object(vec![(lit(&key), call("2"))]),
            )],
        };
        let v = self.var();
        let both = Expr::Array(vec![
            Expr::Path(self.spell(&k.path)),
            Expr::Path(format!("input.{key}")),
        ]);
        let mocked = Rule {
            head: Head::Complete(format!("w{no}"), Expr::Var(v.clone())),
            body: vec![Lit::With(Box::new(Lit::Assign(v, both)), ws)],
            elses: vec![],
        };
        let w = self.var();
        let walk = Expr::Call("walk".into(), vec![Expr::Path(self.spell(&k.path))]);
        let walked = Rule {
            head: Head::Complete(
                format!("w{}", no + 1),
                Expr::SetCompr(
                    Box::new(Expr::Var(w.clone())),
                    vec![Lit::SomeIn(vec!["_".into(), w], walk)],
                ),
            ),
            body: vec![],
            elses: vec![],
        };
        vec![func, mocked, walked]
    }

    /// A rule whose body binds a builtin's result as the call's output argument (or compares
    /// it with a constant), or calls `graphql.*`: `w7 := x if { net.cidr_merge([..], x) }`.
    fn builtin_rule(&mut self, no: usize) -> Rule {
        let out = self.var();
        fn lit(s: &str) -> Expr {
            Expr::Lit(format!("{s:?}"))
        }
        let strs = |g: &mut Gen, from: &[&str]| {
            let n = 1 + g.rng.below(3);
            Expr::Array((0..n).map(|_| lit(g.rng.pick::<&str>(from))).collect())
        };
        let (name, mut args) = match self.rng.below(12) {
            0 => (
                "semver.compare",
                vec![
                    lit(self.rng.pick::<&str>(VERSIONS)),
                    lit(self.rng.pick::<&str>(VERSIONS)),
                ],
            ),
            1 => (
                "semver.is_valid",
                vec![lit(self.rng.pick::<&str>(VERSIONS))],
            ),
            2 => ("net.cidr_merge", vec![strs(self, CIDRS)]),
            3 => (
                "net.cidr_contains_matches",
                vec![strs(self, CIDRS), strs(self, CIDRS)],
            ),
            4 => (
                "glob.match",
                vec![
                    lit(self.rng.pick::<&str>(&["a*", "*.b", "{a,b}*", "**.c"])),
                    Expr::Array(vec![lit(".")]),
                    self.expr(Ty::Str, 1),
                ],
            ),
            5 => (
                *self
                    .rng
                    .pick(&["crypto.sha256", "crypto.md5", "upper", "strings.reverse"]),
                vec![self.expr(Ty::Str, 1)],
            ),
            6 => (
                *self.rng.pick(&["plus", "minus", "mul", "lt", "gte", "neq"]),
                vec![self.expr(Ty::Num, 1), self.expr(Ty::Num, 1)],
            ),
            7 => (
                *self.rng.pick(&["json.remove", "json.filter"]),
                vec![
                    self.expr(Ty::Obj, 1),
                    strs(self, &["a", "/a", "b/c", "/s/0", "//n", "e~1f", ""]),
                ],
            ),
            8 => (
                *self.rng.pick(&["count", "array.reverse", "type_name"]),
                vec![self.expr(Ty::Arr, 1)],
            ),
            9 => (
                *self
                    .rng
                    .pick(&["graphql.is_valid", "graphql.parse_and_verify"]),
                vec![
                    lit(self.rng.pick::<&str>(GQL_QUERIES)),
                    lit(self.rng.pick::<&str>(GQL_SCHEMAS)),
                ],
            ),
            10 => (
                "graphql.schema_is_valid",
                vec![lit(self.rng.pick::<&str>(GQL_SCHEMAS))],
            ),
            _ => (
                "graphql.parse_query",
                vec![lit(self.rng.pick::<&str>(GQL_QUERIES))],
            ),
        };
        let name = name.to_string();
        // Mostly a variable; sometimes a constant to compare, sometimes under `not`.
        let constant = match name.as_str() {
            "semver.compare" => Some(Expr::Lit(self.rng.pick(&["-1", "0", "1"]).to_string())),
            "count" | "plus" | "minus" | "mul" => Some(self.literal(Ty::Num)),
            "semver.is_valid"
            | "glob.match"
            | "lt"
            | "gte"
            | "neq"
            | "graphql.is_valid"
            | "graphql.schema_is_valid" => Some(self.literal(Ty::Bool)),
            _ => None,
        };
        let (body, value) = match (self.rng.below(6), constant) {
            (0, Some(c)) => {
                args.push(c);
                (
                    vec![Lit::Expr(Expr::Call(name, args))],
                    Expr::Lit("true".into()),
                )
            }
            (1, _) if name == "semver.is_valid" || name == "graphql.is_valid" => {
                args.push(Expr::Lit("true".into()));
                let not = Lit::Not(Box::new(Lit::Expr(Expr::Call(name, args))));
                (vec![not], Expr::Lit("true".into()))
            }
            _ => {
                args.push(Expr::Var(out.clone()));
                (vec![Lit::Expr(Expr::Call(name, args))], Expr::Var(out))
            }
        };
        Rule {
            head: Head::Complete(format!("w{no}"), value),
            body,
            elses: vec![],
        }
    }

    fn json_object(&mut self, depth: usize) -> Json {
        let mut m = Map::new();
        for k in ["a", "b", "c", "e", "n", "s"] {
            if self.rng.chance(70) {
                let v = self.json(depth);
                m.insert(k.to_string(), v);
            }
        }
        Json::Object(m)
    }

    /// A JSON value whose numbers survive a serde_json round trip exactly (big numbers come
    /// from Rego literals instead).
    fn json(&mut self, depth: usize) -> Json {
        let choice = if depth == 0 {
            self.rng.below(4)
        } else {
            self.rng.below(6)
        };
        match choice {
            0 => json!(self
                .rng
                .pick(&[0, 1, 2, -3, 42, 1000000, 9007199254740991i64])),
            1 => json!(self.rng.pick(&[0.5, 2.25, -1.5, 0.1, 1e-3, 3.0])),
            2 => json!(self.rng.pick(STRS)),
            3 => match self.rng.below(3) {
                0 => Json::Null,
                1 => json!(true),
                _ => json!(false),
            },
            4 => {
                let n = self.rng.below(4);
                Json::Array((0..n).map(|_| self.json(depth - 1)).collect())
            }
            _ => self.json_object(depth - 1),
        }
    }

    fn var(&mut self) -> String {
        self.fresh += 1;
        if self.shadow && self.alt.chance(35) {
            // A global's name for a local: a rule of the package, or the import alias.
            let mut globals: Vec<String> = self
                .known
                .iter()
                .filter_map(|k| self.short_name(&k.path))
                .collect();
            globals.extend(self.alias.iter().map(|(a, _)| a.clone()));
            globals.retain(|g| !self.shadowed.contains(g));
            if !globals.is_empty() {
                let name = self.alt.pick(&globals).clone();
                self.shadowed.push(name.clone());
                return name;
            }
        }
        format!("x{}", self.fresh)
    }

    /// Now and then, `not f(args)` of an earlier function, its operands maybe undefined
    /// (OPA evaluates them before the negation). Drawn from the second stream only.
    fn negated_call(&mut self) -> Option<Lit> {
        let funcs: Vec<Known> = self
            .known
            .iter()
            .filter(|k| k.params.is_some())
            .cloned()
            .collect();
        if funcs.is_empty() || !self.alt.chance(40) {
            return None;
        }
        // The arguments come from the second stream: the first one's draws stay as they were.
        std::mem::swap(&mut self.rng, &mut self.alt);
        let f = self.rng.pick(&funcs).clone();
        let args = f
            .params
            .unwrap_or_default()
            .iter()
            .map(|t| self.expr(*t, 1))
            .collect();
        std::mem::swap(&mut self.rng, &mut self.alt);
        let name = self.spell(&f.path);
        Some(Lit::Not(Box::new(Lit::Expr(Expr::Call(name, args)))))
    }

    /// The name a rule of the current package (`data.<pkg>.<name>`) goes by inside it.
    fn short_name(&self, path: &str) -> Option<String> {
        let rest = path
            .strip_prefix("data.")?
            .strip_prefix(self.pkg.as_str())?;
        let name = rest.strip_prefix('.')?;
        (!name.contains(['.', '['])).then(|| name.to_string())
    }

    /// `path` (`data.p.r3`) as this rule may write it: now and then by its short name inside
    /// its package, or through the import alias; never when a local could hide the name.
    fn spell(&mut self, path: &str) -> String {
        if self.shadow || !self.alt.chance(50) {
            return path.to_string();
        }
        if let Some(name) = self.short_name(path) {
            return name;
        }
        if let Some((alias, target)) = &self.alias {
            if let Some(rest) = path.strip_prefix(&format!("data.{target}.")) {
                return format!("{alias}.{rest}");
            }
        }
        path.to_string()
    }

    /// One rule, or several rules with the same name (multiple bodies, defaults).
    fn rule(&mut self, pkg: &str, no: usize, groups: &mut usize) -> Vec<Rule> {
        self.scope.clear();
        self.params.clear();
        self.shadow = self.alt.chance(30);
        self.shadowed.clear();
        let full = |name: &str| format!("data.{pkg}.{name}");
        match self.rng.below(10) {
            // Partial set rule, one or two bodies.
            0 | 1 => {
                let name = format!("s{no}");
                let mut out = Vec::new();
                for _ in 0..1 + self.rng.below(2) {
                    self.scope.clear();
                    let body = self.body(3);
                    let elem = self.expr(Ty::Poly, 2);
                    out.push(Rule {
                        head: Head::Contains(name.clone(), elem),
                        body,
                        elses: vec![],
                    });
                }
                self.known.push(Known {
                    path: full(&name),
                    ty: Ty::Set,
                    params: None,
                    mockable: false,
                });
                out
            }
            // Partial object rule.
            2 => {
                let name = format!("o{no}");
                let body = self.body(3);
                let key = self.expr(Ty::Str, 1);
                let value = self.expr(Ty::Poly, 2);
                self.known.push(Known {
                    path: full(&name),
                    ty: Ty::Obj,
                    params: None,
                    mockable: false,
                });
                vec![Rule {
                    head: Head::Entry(name, key, value),
                    body,
                    elses: vec![],
                }]
            }
            // Ref-head rules: `g0.k5 := v`, `g0.m[k] := v`, `g0.c contains x`.
            3 => {
                if *groups == 0 || self.rng.chance(30) {
                    *groups += 1;
                }
                let group = format!("g{}", self.rng.below(*groups));
                let body = self.body(3);
                let head = match self.rng.below(3) {
                    0 => Head::Complete(format!("{group}.k{no}"), self.expr(Ty::Poly, 2)),
                    1 => Head::Entry(
                        format!("{group}.m{no}"),
                        self.expr(Ty::Str, 1),
                        self.expr(Ty::Poly, 1),
                    ),
                    _ => Head::Contains(format!("{group}.c{no}"), self.expr(Ty::Poly, 1)),
                };
                vec![Rule {
                    head,
                    body,
                    elses: vec![],
                }]
            }
            // Functions: several bodies, maybe `else`, maybe a default.
            4 | 5 => {
                let name = format!("f{no}");
                let nargs = 1 + self.rng.below(2);
                let params: Vec<Ty> = (0..nargs)
                    .map(|_| *self.rng.pick(&[Ty::Num, Ty::Str, Ty::Poly]))
                    .collect();
                let ret = self.ty();
                let mut out = Vec::new();
                for _ in 0..1 + self.rng.below(3) {
                    self.scope.clear();
                    let args: Vec<String> = params
                        .iter()
                        .map(|t| {
                            let v = self.var();
                            self.scope.push((v.clone(), *t));
                            v
                        })
                        .collect();
                    self.params = self.scope.clone();
                    let body = self.body(2);
                    let value = self.expr(ret, 2);
                    let elses = if body.is_empty() {
                        vec![]
                    } else {
                        self.elses(ret)
                    };
                    out.push(Rule {
                        head: Head::Func(name.clone(), args, value),
                        body,
                        elses,
                    });
                }
                self.params.clear();
                if self.rng.chance(30) {
                    self.scope.clear();
                    let v = self.literal(ret);
                    out.push(Rule {
                        head: Head::Default(name.clone(), Some(nargs), v),
                        body: vec![],
                        elses: vec![],
                    });
                }
                self.known.push(Known {
                    path: full(&name),
                    ty: ret,
                    params: Some(params),
                    mockable: false,
                });
                out
            }
            // Complete rules: one or more bodies, `else`, `default`.
            _ => {
                let name = format!("r{no}");
                let ty = self.ty();
                let mut out = Vec::new();
                for _ in 0..1 + self.rng.below(2) {
                    self.scope.clear();
                    let body = self.body(4);
                    let value = self.expr(ty, 3);
                    let elses = if body.is_empty() {
                        vec![]
                    } else {
                        self.elses(ty)
                    };
                    out.push(Rule {
                        head: Head::Complete(name.clone(), value),
                        body,
                        elses,
                    });
                }
                if self.rng.chance(30) {
                    let v = self.literal(ty);
                    out.push(Rule {
                        head: Head::Default(name.clone(), None, v),
                        body: vec![],
                        elses: vec![],
                    });
                }
                self.known.push(Known {
                    path: full(&name),
                    ty,
                    params: None,
                    mockable: true,
                });
                out
            }
        }
    }

    /// OPA refuses a `some`/`every` variable that nothing uses: such variables become `_`.
    fn blank_unused(rule: &mut Rule) {
        let mut text = match &rule.head {
            Head::Complete(_, e) | Head::Contains(_, e) | Head::Func(_, _, e) => e.render(),
            Head::Entry(_, k, v) => format!("{} {}", k.render(), v.render()),
            Head::Default(..) => String::new(),
        };
        // Spaces keep one part's last name from running into the next part's first.
        for l in &rule.body {
            text.push(' ');
            text.push_str(&l.render());
        }
        for (v, b) in &rule.elses {
            text.push(' ');
            text.push_str(&v.render());
            for l in b {
                text.push(' ');
                text.push_str(&l.render());
            }
        }
        let used = |name: &str| {
            text.match_indices(name)
                .filter(|(i, _)| {
                    let end = i + name.len();
                    // Not a longer name, and not a field (`data.p.r3` does not use local `r3`).
                    !text[end..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
                        && !text[..*i].ends_with(|c: char| c.is_ascii_alphanumeric() || c == '.')
                })
                .count()
        };
        let mut fix = |vars: &mut Vec<String>| {
            for v in vars.iter_mut() {
                if v != "_" && used(v) <= 1 {
                    *v = "_".into();
                }
            }
        };
        fn walk(lits: &mut [Lit], fix: &mut dyn FnMut(&mut Vec<String>)) {
            for l in lits {
                match l {
                    Lit::SomeIn(vars, e) => {
                        fix(vars);
                        walk_expr(e, fix);
                    }
                    Lit::Every(vars, e, b) => {
                        fix(vars);
                        walk_expr(e, fix);
                        walk(b, fix);
                    }
                    Lit::Expr(e) | Lit::Assign(_, e) => walk_expr(e, fix),
                    Lit::Cmp(_, a, b) | Lit::In(a, b) => {
                        walk_expr(a, fix);
                        walk_expr(b, fix);
                    }
                    Lit::Not(inner) | Lit::With(inner, _) => {
                        walk(std::slice::from_mut(&mut **inner), fix)
                    }
                }
            }
        }
        fn walk_expr(e: &mut Expr, fix: &mut dyn FnMut(&mut Vec<String>)) {
            match e {
                Expr::ArrCompr(x, b) | Expr::SetCompr(x, b) => {
                    walk_expr(x, fix);
                    walk(b, fix);
                }
                Expr::ObjCompr(k, v, b) => {
                    walk_expr(k, fix);
                    walk_expr(v, fix);
                    walk(b, fix);
                }
                Expr::Array(v) | Expr::Set(v) | Expr::Call(_, v) => {
                    v.iter_mut().for_each(|x| walk_expr(x, fix))
                }
                Expr::Object(kv) => kv.iter_mut().for_each(|(k, v)| {
                    walk_expr(k, fix);
                    walk_expr(v, fix)
                }),
                Expr::Bin(_, a, b) => {
                    walk_expr(a, fix);
                    walk_expr(b, fix);
                }
                Expr::Lit(_) | Expr::Var(_) | Expr::Path(_) => {}
            }
        }
        walk(&mut rule.body, &mut fix);
        for (v, b) in &mut rule.elses {
            walk_expr(v, &mut fix);
            walk(b, &mut fix);
        }
        match &mut rule.head {
            Head::Complete(_, e) | Head::Contains(_, e) | Head::Func(_, _, e) => {
                walk_expr(e, &mut fix)
            }
            Head::Entry(_, k, v) => {
                walk_expr(k, &mut fix);
                walk_expr(v, &mut fix);
            }
            Head::Default(..) => {}
        }
    }

    fn elses(&mut self, ty: Ty) -> Vec<(Expr, Vec<Lit>)> {
        let mut out = Vec::new();
        while self.rng.chance(25) && out.len() < 2 {
            let saved = self.scope.clone();
            // Parameters stay visible in `else` bodies; body-local variables do not.
            self.scope = self.params.clone();
            let body = self.body(2);
            let v = self.expr(ty, 2);
            self.scope = saved;
            let last = body.is_empty();
            out.push((v, body));
            // Only the last `else` may go without a body.
            if last {
                break;
            }
        }
        out
    }

    fn ty(&mut self) -> Ty {
        *self.rng.pick(&[
            Ty::Num,
            Ty::Num,
            Ty::Str,
            Ty::Bool,
            Ty::Arr,
            Ty::Set,
            Ty::Obj,
            Ty::Poly,
        ])
    }

    fn body(&mut self, max: usize) -> Vec<Lit> {
        let n = self.rng.below(max + 1);
        (0..n).map(|_| self.lit(2)).collect()
    }

    fn lit(&mut self, depth: usize) -> Lit {
        match self.rng.below(12) {
            0 | 1 => {
                let ty = self.ty();
                let e = self.expr(ty, depth);
                let v = self.var();
                self.scope.push((v.clone(), ty));
                Lit::Assign(v, e)
            }
            2 => {
                let coll = self.collection(depth);
                let v = self.var();
                if self.rng.chance(40) {
                    let k = self.var();
                    self.scope.push((k.clone(), Ty::Poly));
                    self.scope.push((v.clone(), Ty::Poly));
                    Lit::SomeIn(vec![k, v], coll)
                } else {
                    self.scope.push((v.clone(), Ty::Poly));
                    Lit::SomeIn(vec![v], coll)
                }
            }
            3 => {
                let a = self.expr(Ty::Poly, 1);
                let c = self.collection(depth);
                Lit::In(a, c)
            }
            4 if depth > 0 => {
                let coll = self.collection(depth);
                let saved = self.scope.clone();
                let v = self.var();
                self.scope.push((v.clone(), Ty::Poly));
                let n = 1 + self.rng.below(2);
                let b = (0..n).map(|_| self.cond(depth - 1)).collect();
                self.scope = saved;
                Lit::Every(vec![v], coll, b)
            }
            5 => match self.cond(depth) {
                // OPA v1.20 drops `not true` in a rule whose head calls a function (the rule
                // is then defined): not worth finding again and again.
                c @ Lit::Expr(Expr::Lit(_)) => c,
                c => self.negated_call().unwrap_or(Lit::Not(Box::new(c))),
            },
            6 if !self.known.iter().all(|k| !k.mockable) || self.rng.chance(50) => {
                let l = self.cond(depth);
                let mut ws = Vec::new();
                if self.rng.chance(60) {
                    let key = self.input_key();
                    ws.push((format!("input.{key}"), self.expr(Ty::Poly, 1)));
                } else {
                    ws.push(("input".to_string(), self.expr(Ty::Obj, 1)));
                }
                let mockable: Vec<Known> =
                    self.known.iter().filter(|k| k.mockable).cloned().collect();
                if !mockable.is_empty() && self.rng.chance(50) {
                    let k = self.rng.pick(&mockable).clone();
                    let v = self.expr(k.ty, 1);
                    let target = self.spell(&k.path);
                    ws.push((target, v));
                }
                Lit::With(Box::new(l), ws)
            }
            _ => self.cond(depth),
        }
    }

    /// A literal that binds nothing: a comparison or a boolean expression.
    fn cond(&mut self, depth: usize) -> Lit {
        match self.rng.below(4) {
            0 => {
                // `==` unifies static types: only scalars of one type meet.
                let ty = *self.rng.pick(&[Ty::Num, Ty::Str, Ty::Bool]);
                let a = self.expr(ty, depth);
                let b = self.expr(ty, depth);
                let ops = ["==", "!="];
                Lit::Cmp(ops[self.rng.below(ops.len())], a, b)
            }
            1 => {
                let ty = *self.rng.pick(&[Ty::Num, Ty::Str, Ty::Poly]);
                let a = self.expr(ty, depth);
                let b = self.expr(ty, depth);
                let ops = ["<", "<=", ">", ">="];
                Lit::Cmp(ops[self.rng.below(ops.len())], a, b)
            }
            2 => {
                let a = self.expr(Ty::Poly, 1);
                let c = self.collection(depth);
                Lit::In(a, c)
            }
            _ => Lit::Expr(self.expr(Ty::Bool, depth)),
        }
    }

    fn input_key(&mut self) -> String {
        if self.input_keys.is_empty() || self.rng.chance(15) {
            "zz".to_string()
        } else {
            self.rng.pick(&self.input_keys.clone()).clone()
        }
    }

    /// Something to iterate over: a collection, or a document of unknown type (never a
    /// scalar that OPA's type checker could see).
    fn collection(&mut self, depth: usize) -> Expr {
        match self.rng.below(4) {
            0 => self.expr(Ty::Arr, depth),
            1 => self.expr(Ty::Set, depth),
            2 => self.expr(Ty::Obj, depth),
            _ => {
                let vars: Vec<String> = self
                    .scope
                    .iter()
                    .filter(|(_, t)| *t == Ty::Dyn)
                    .map(|(n, _)| n.clone())
                    .collect();
                if !vars.is_empty() && self.rng.chance(40) {
                    return Expr::Var(self.rng.pick(&vars).clone());
                }
                let key = self.input_key();
                let root = if self.rng.chance(70) {
                    "input"
                } else {
                    "data.d"
                };
                Expr::Path(format!("{root}.{key}"))
            }
        }
    }

    fn literal(&mut self, ty: Ty) -> Expr {
        match ty {
            Ty::Num => Expr::Lit(self.rng.pick(NUMS).to_string()),
            Ty::Str => Expr::Lit(Json::from(*self.rng.pick(STRS)).to_string()),
            Ty::Bool => Expr::Lit(self.rng.pick(&["true", "false"]).to_string()),
            Ty::Arr => {
                let n = self.rng.below(4);
                Expr::Array((0..n).map(|_| self.literal(Ty::Poly)).collect())
            }
            Ty::Set => {
                let n = self.rng.below(4);
                Expr::Set((0..n).map(|_| self.literal(Ty::Poly)).collect())
            }
            Ty::Obj => {
                let n = self.rng.below(3);
                Expr::Object(
                    (0..n)
                        .map(|_| (self.literal(Ty::Str), self.literal(Ty::Poly)))
                        .collect(),
                )
            }
            Ty::Dyn | Ty::Poly => match self.rng.below(10) {
                0..=3 => self.literal(Ty::Num),
                4..=6 => self.literal(Ty::Str),
                7 => Expr::Lit(self.rng.pick(&["true", "false", "null"]).to_string()),
                8 => Expr::Array(vec![self.literal(Ty::Num)]),
                _ => Expr::Set(vec![self.literal(Ty::Str), self.literal(Ty::Num)]),
            },
        }
    }

    /// A leaf of type `ty`: a variable in scope, a reference to input or data, an earlier rule,
    /// or a literal.
    fn leaf(&mut self, ty: Ty) -> Expr {
        let vars: Vec<String> = self
            .scope
            .iter()
            .filter(|(_, t)| fits(*t, ty))
            .map(|(n, _)| n.clone())
            .collect();
        let rules: Vec<Known> = self
            .known
            .iter()
            .filter(|k| k.params.is_none() && fits(k.ty, ty))
            .cloned()
            .collect();
        match self.rng.below(10) {
            0..=2 if !vars.is_empty() => Expr::Var(self.rng.pick(&vars).clone()),
            3 | 4 => {
                let key = self.input_key();
                if self.rng.chance(70) {
                    Expr::Path(format!("input.{key}"))
                } else {
                    Expr::Path(format!("data.d.{key}"))
                }
            }
            5 if !rules.is_empty() => {
                let path = self.rng.pick(&rules).path.clone();
                Expr::Path(self.spell(&path))
            }
            _ => self.literal(ty),
        }
    }

    pub fn expr(&mut self, ty: Ty, depth: usize) -> Expr {
        if depth == 0 || self.rng.chance(35) {
            return self.leaf(ty);
        }
        let d = depth - 1;
        let ty = match ty {
            Ty::Dyn | Ty::Poly => self.ty_concrete(),
            t => t,
        };
        // A call of an earlier function returning this type.
        let funcs: Vec<Known> = self
            .known
            .iter()
            .filter(|k| k.params.is_some() && fits(k.ty, ty))
            .cloned()
            .collect();
        if !funcs.is_empty() && self.rng.chance(15) {
            let f = self.rng.pick(&funcs).clone();
            let args = f
                .params
                .unwrap_or_default()
                .iter()
                .map(|t| self.expr(*t, d))
                .collect();
            let name = self.spell(&f.path);
            return Expr::Call(name, args);
        }
        let call = |f: &str, args: Vec<Expr>| Expr::Call(f.to_string(), args);
        match ty {
            Ty::Num => match self.rng.below(12) {
                0..=3 => {
                    let op = *self.rng.pick(&["+", "-", "*", "/", "%"]);
                    Expr::Bin(
                        op,
                        Box::new(self.expr(Ty::Num, d)),
                        Box::new(self.expr(Ty::Num, d)),
                    )
                }
                4 => call("count", vec![self.collection(d)]),
                5 => {
                    let f = *self.rng.pick(&["abs", "round", "ceil", "floor"]);
                    call(f, vec![self.expr(Ty::Num, d)])
                }
                6 => {
                    let f = *self.rng.pick(&["sum", "max", "min", "product"]);
                    let n = self.rng.below(4);
                    let items = (0..n).map(|_| self.expr(Ty::Num, d)).collect();
                    call(f, vec![Expr::Array(items)])
                }
                7 => {
                    let ty = *self.rng.pick(&[Ty::Num, Ty::Str]);
                    call("to_number", vec![self.expr(ty, d)])
                }
                8 => call(
                    "indexof",
                    vec![self.expr(Ty::Str, d), self.expr(Ty::Str, d)],
                ),
                9 => {
                    let f = *self.rng.pick(&["count", "strings.count"]);
                    let mut args = vec![self.expr(Ty::Str, d)];
                    if f != "count" {
                        args.push(self.expr(Ty::Str, 0));
                    }
                    call(f, args)
                }
                10 => Expr::Path(format!("{}[{}]", self.indexable(), self.rng.below(3))),
                _ => {
                    let f = *self.rng.pick(&["bits.and", "bits.or", "bits.xor"]);
                    call(f, vec![self.expr(Ty::Num, d), self.expr(Ty::Num, d)])
                }
            },
            Ty::Str => match self.rng.below(12) {
                0 => {
                    let n = self.rng.below(4);
                    let items = (0..n).map(|_| self.expr(Ty::Str, d)).collect();
                    call("concat", vec![self.expr(Ty::Str, 0), Expr::Array(items)])
                }
                1 => {
                    let f = *self.rng.pick(&[
                        "upper",
                        "lower",
                        "trim_space",
                        "strings.reverse",
                        "base64.encode",
                        "urlquery.encode",
                    ]);
                    call(f, vec![self.expr(Ty::Str, d)])
                }
                2 => call(
                    "substring",
                    vec![
                        self.expr(Ty::Str, d),
                        self.expr(Ty::Num, 0),
                        self.expr(Ty::Num, 0),
                    ],
                ),
                3 => call(
                    "replace",
                    vec![
                        self.expr(Ty::Str, d),
                        self.expr(Ty::Str, 0),
                        self.expr(Ty::Str, 0),
                    ],
                ),
                4 => {
                    let f = *self.rng.pick(&[
                        "%v", "%d", "%s", "%v-%v", "%.2f", "%x", "%q", "%e", "%g", "%5.1f",
                    ]);
                    let n = f.matches('%').count();
                    let args = (0..n).map(|_| self.expr(Ty::Poly, d)).collect();
                    call(
                        "sprintf",
                        vec![Expr::Lit(format!("{f:?}")), Expr::Array(args)],
                    )
                }
                5 => call(
                    "format_int",
                    vec![
                        self.expr(Ty::Num, d),
                        Expr::Lit(self.rng.pick(&["2", "10", "16"]).to_string()),
                    ],
                ),
                6 => call("type_name", vec![self.expr(Ty::Poly, d)]),
                7 => call("json.marshal", vec![self.expr(Ty::Poly, d)]),
                8 => {
                    let f = *self
                        .rng
                        .pick(&["trim", "trim_left", "trim_prefix", "trim_suffix"]);
                    call(f, vec![self.expr(Ty::Str, d), self.expr(Ty::Str, 0)])
                }
                9 => Expr::Path(format!("{}[{}]", self.indexable(), self.rng.below(3))),
                10 => call(
                    "object.get",
                    vec![
                        self.expr(Ty::Obj, d),
                        self.expr(Ty::Str, 0),
                        self.expr(Ty::Str, 0),
                    ],
                ),
                _ => call(
                    "strings.replace_n",
                    vec![
                        Expr::Object(vec![(self.expr(Ty::Str, 0), self.expr(Ty::Str, 0))]),
                        self.expr(Ty::Str, d),
                    ],
                ),
            },
            Ty::Bool => match self.rng.below(10) {
                0 => {
                    let f = *self.rng.pick(&["startswith", "endswith", "contains"]);
                    call(f, vec![self.expr(Ty::Str, d), self.expr(Ty::Str, 0)])
                }
                1 => {
                    let f = *self.rng.pick(&[
                        "is_number",
                        "is_string",
                        "is_boolean",
                        "is_array",
                        "is_set",
                        "is_object",
                        "is_null",
                    ]);
                    call(f, vec![self.expr(Ty::Poly, d)])
                }
                2 => {
                    let op = *self.rng.pick(&["==", "!=", "<", ">="]);
                    Expr::Bin(
                        op,
                        Box::new(self.expr(Ty::Num, d)),
                        Box::new(self.expr(Ty::Num, d)),
                    )
                }
                3 => call(
                    "regex.match",
                    vec![
                        Expr::Lit(format!(
                            "{:?}",
                            self.rng
                                .pick(&["^a", "b$", "[0-9]+", "(?i)hello", "^$", "\\\\."])
                        )),
                        self.expr(Ty::Str, d),
                    ],
                ),
                4 => call("object.keys", vec![self.expr(Ty::Obj, d)])
                    .pipe(|e| Expr::Bin("==", Box::new(e), Box::new(Expr::Set(vec![])))),
                6 => {
                    let f = *self.rng.pick(&["json.is_valid", "yaml.is_valid"]);
                    call(f, vec![self.expr(Ty::Str, d)])
                }
                5 => call(
                    "glob.match",
                    vec![
                        Expr::Lit("\"a*\"".into()),
                        Expr::Array(vec![]),
                        self.expr(Ty::Str, d),
                    ],
                ),
                _ => self.literal(Ty::Bool),
            },
            Ty::Arr => match self.rng.below(9) {
                0 | 1 => {
                    let n = self.rng.below(4);
                    Expr::Array((0..n).map(|_| self.expr(Ty::Poly, d)).collect())
                }
                2 => call(
                    "array.concat",
                    vec![self.expr(Ty::Arr, d), self.expr(Ty::Arr, d)],
                ),
                3 => call(
                    "array.slice",
                    vec![
                        self.expr(Ty::Arr, d),
                        self.expr(Ty::Num, 0),
                        self.expr(Ty::Num, 0),
                    ],
                ),
                4 => call("split", vec![self.expr(Ty::Str, d), self.expr(Ty::Str, 0)]),
                5 => match self.rng.below(3) {
                    0 => call("sort", vec![self.expr(Ty::Arr, d)]),
                    1 => call("array.reverse", vec![self.expr(Ty::Arr, d)]),
                    _ => call(
                        "indexof_n",
                        vec![self.expr(Ty::Str, d), self.expr(Ty::Str, 0)],
                    ),
                },
                6 => call(
                    "numbers.range",
                    vec![
                        Expr::Lit(self.rng.below(4).to_string()),
                        Expr::Lit(self.rng.below(6).to_string()),
                    ],
                ),
                _ => self.compr(Ty::Arr, d),
            },
            Ty::Set => match self.rng.below(7) {
                0 | 1 => {
                    let n = self.rng.below(4);
                    Expr::Set((0..n).map(|_| self.expr(Ty::Poly, d)).collect())
                }
                2 | 3 => {
                    let op = *self.rng.pick(&["|", "&", "-"]);
                    Expr::Bin(
                        op,
                        Box::new(self.expr(Ty::Set, d)),
                        Box::new(self.expr(Ty::Set, d)),
                    )
                }
                4 => call("object.keys", vec![self.expr(Ty::Obj, d)]),
                _ => self.compr(Ty::Set, d),
            },
            _ => match self.rng.below(7) {
                0 | 1 => {
                    let n = self.rng.below(3);
                    Expr::Object(
                        (0..n)
                            .map(|_| (self.literal(Ty::Str), self.expr(Ty::Poly, d)))
                            .collect(),
                    )
                }
                2 => call(
                    "object.union",
                    vec![self.expr(Ty::Obj, d), self.expr(Ty::Obj, d)],
                ),
                3 => call(
                    "object.remove",
                    vec![
                        self.expr(Ty::Obj, d),
                        Expr::Array(vec![self.expr(Ty::Str, 0)]),
                    ],
                ),
                4 => call(
                    "object.filter",
                    vec![
                        self.expr(Ty::Obj, d),
                        Expr::Array(vec![self.expr(Ty::Str, 0)]),
                    ],
                ),
                _ => self.compr(Ty::Obj, d),
            },
        }
    }

    fn ty_concrete(&mut self) -> Ty {
        *self.rng.pick(&[
            Ty::Num,
            Ty::Num,
            Ty::Str,
            Ty::Bool,
            Ty::Arr,
            Ty::Set,
            Ty::Obj,
        ])
    }

    /// Something to index into by position: an input document.
    fn indexable(&mut self) -> String {
        let key = self.input_key();
        format!("input.{key}")
    }

    fn compr(&mut self, ty: Ty, depth: usize) -> Expr {
        let saved = self.scope.clone();
        let coll = self.collection(depth);
        let v = self.var();
        self.scope.push((v.clone(), Ty::Poly));
        let mut body = vec![Lit::SomeIn(vec![v], coll)];
        if self.rng.chance(50) {
            body.push(self.cond(depth.saturating_sub(1)));
        }
        let out = match ty {
            Ty::Arr => Expr::ArrCompr(Box::new(self.expr(Ty::Poly, depth)), body),
            Ty::Set => Expr::SetCompr(Box::new(self.expr(Ty::Poly, depth)), body),
            _ => {
                // Keys must be unique per binding or OPA errors; the loop variable's string
                // rendering usually is.
                let k = Expr::Call(
                    "sprintf".into(),
                    vec![
                        Expr::Lit("\"%v\"".into()),
                        Expr::Array(vec![Expr::Var(
                            self.scope.last().map(|s| s.0.clone()).unwrap_or_default(),
                        )]),
                    ],
                );
                Expr::ObjCompr(Box::new(k), Box::new(self.expr(Ty::Poly, depth)), body)
            }
        };
        self.scope = saved;
        out
    }
}

/// Whether a value of static type `have` may stand where `want` is expected.
fn fits(have: Ty, want: Ty) -> bool {
    have == want || have == Ty::Dyn || want == Ty::Poly
}

trait Pipe: Sized {
    fn pipe<T>(self, f: impl FnOnce(Self) -> T) -> T {
        f(self)
    }
}
impl<T> Pipe for T {}

#[cfg(test)]
mod scoping_tests {
    #[test]
    fn some_programs_mock_a_rule_with_a_function_that_reads_it_and_walk_it() {
        let texts: Vec<String> = (1..60)
            .map(|seed| {
                let p = super::program(seed);
                p.files().into_iter().map(|(_, s)| s).collect::<String>()
            })
            .collect();
        let mocked = texts.iter().filter(|t| t.contains(" as mk")).count();
        let walked = texts.iter().filter(|t| t.contains("in walk(")).count();
        assert!(mocked > 5 && walked > 5, "{mocked} {walked}");
        let one = texts.iter().find(|t| t.contains(" as mk")).unwrap();
        println!("{one}");
    }
}
