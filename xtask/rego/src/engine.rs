//! The regorus engine over a policy tree: import aliases resolved the way OPA's compiler does,
//! rules listed from the AST, and errors folded to one `file:line:col: message` line.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::{anyhow, bail, Result};

use regorus::unstable::{Lexer, Module, Rule, RuleHead, TokenKind};
use regorus::{Engine, Source, Value};

use super::guard::guarded;
use super::source::{length_config, parse, source, MAX_POLICY_BYTES};
use super::split_functions::FileSplit;
use super::tree::PolicyTree;
use super::with::{self, Edit};

/// A fresh engine with our limits, our builtins, and OPA's strict builtin errors.
pub fn new_engine() -> Result<Engine> {
    let mut engine = Engine::new();
    engine.set_policy_length_config(length_config());
    // OPA's builtins raise errors (e.g. a bad regex) rather than quietly being undefined.
    engine.set_strict_builtin_errors(true);
    super::builtins::register(&mut engine)?;
    super::lang::register(&mut engine)?;
    super::probe::register(&mut engine)?;
    Ok(engine)
}

/// One rule declaration (a rule split over several bodies or files has several).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDecl {
    /// Package path without the `data.` prefix, e.g. `constitution.paths`.
    pub package: String,
    /// The leading name of the rule head (`deny` for `deny contains msg if ...`).
    pub name: String,
    /// The whole head reference as written, e.g. `rule_metadata["paths.allowed"]`.
    pub head: String,
    /// Path of the declaring file relative to the tree root.
    pub file: String,
    pub line: u32,
    pub col: u32,
    pub function: bool,
}

/// Loaded, alias-resolved policies plus data, ready to evaluate.
pub struct Policy {
    pub engine: Engine,
    /// Every rule declaration, in file and source order.
    pub decls: Vec<RuleDecl>,
    /// The package of every module, in file order (a package may repeat).
    pub packages: Vec<String>,
    /// The tree's root as shown in messages, to name a rule's file.
    root: std::path::PathBuf,
    /// The engine as loaded, to start again from after a panic left `engine` in an unknown state.
    pristine: Engine,
    /// Per file shown name: the column shifts that alias resolution introduced, per line.
    shifts: HashMap<String, ColumnShifts>,
}

/// Rewrites a module's text (its parsed form, the text) before it is loaded; see
/// `Policy::load_with`.
pub type Instrument<'a> = &'a dyn Fn(&Module, String) -> Result<String>;

/// For each line, (column in rewritten text where a replacement ends, chars added).
pub(crate) type ColumnShifts = BTreeMap<u32, Vec<(u32, u32)>>;

impl Policy {
    /// Parses every module (collecting every syntax error, not only the first), resolves import
    /// aliases, and loads the modules and the `data` that `opa test` would see.
    pub fn load(tree: &PolicyTree, data: &serde_json::Value) -> Result<Policy> {
        Self::load_with(tree, data, None)
    }

    /// `load`, passing each module's text (aliases resolved) through `instrument` first, which
    /// may add to it but must keep every line where it is (coverage's probes).
    pub fn load_with(
        tree: &PolicyTree,
        data: &serde_json::Value,
        instrument: Option<Instrument>,
    ) -> Result<Policy> {
        // OPA's compiler refuses these trees at load time; so do we, before evaluating anything.
        super::check::check(tree)?;
        let mut engine = new_engine()?;
        let mut decls = Vec::new();
        let mut packages = Vec::new();
        let mut shifts = HashMap::new();
        let mut errors = Vec::new();
        // Per package, the extension-only builtins that a `with` of it replaces (see `with.rs`).
        let mut mocked: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let metadata = super::builtins::metadata::Metadata::collect(tree);
        let functions = guarded(
            || tree.root.display().to_string(),
            || Ok(with::package_functions(tree)),
        )?;
        errors.extend(metadata.errors.iter().cloned());
        // `package.f` (without `data.`) of every function, for `with` values (`lang.rs`).
        let all_functions: BTreeSet<String> = functions
            .iter()
            .flat_map(|(pkg, heads)| {
                let pkg = pkg.strip_prefix("data.").unwrap_or(pkg);
                heads.iter().map(move |h| format!("{pkg}.{h}"))
            })
            .collect();
        let roots = guarded(
            || tree.root.display().to_string(),
            || Ok(super::source::rule_paths(tree)),
        )?;
        let split = guarded(
            || tree.root.display().to_string(),
            || Ok(super::split_functions::plan(tree)),
        )?;
        let ref_heads = guarded(
            || tree.root.display().to_string(),
            || Ok(super::ref_heads::plan(tree)),
        )?;
        for file in &tree.modules {
            let shown = tree.display(&file.rel);
            if file.text.len() > MAX_POLICY_BYTES {
                errors.push(format!(
                    "{shown}: {} bytes, over the limit of {MAX_POLICY_BYTES} bytes (64 MiB) per policy file",
                    file.text.len()
                ));
                continue;
            }
            let at = || shown.clone();
            // Heads regorus would look up past another rule's variable (`ref_heads.rs`); not
            // in a file whose `default`s move by byte offset (`split_functions.rs`).
            let moves = split
                .get(&file.rel)
                .is_some_and(|s| !s.moved_defaults.is_empty());
            let text = match ref_heads.get(&file.rel) {
                Some(edits) if !moves => super::ref_heads::apply(&file.text, edits),
                _ => file.text.clone(),
            };
            let parsed = guarded(at, || {
                let src = source(shown.clone(), text)?;
                let m = parse(&src)?;
                Ok((src, m))
            });
            let (src, module) = match parsed {
                Ok(x) => x,
                Err(e) => {
                    errors.push(one_line(&e, None));
                    continue;
                }
            };
            let src = metadata.rewrite(&file.rel, src, &module)?;
            packages.push(module.package.refr.span().text().to_string());
            collect_rules(&module, &file.rel, &mut decls);
            let pkg = module.package.refr.span().text().to_string();
            let fns = functions.get(&pkg).cloned().unwrap_or_default();
            let (text, file_shifts, targets) = guarded(at, || {
                let split = split.get(&file.rel).cloned().unwrap_or_default();
                rewrite_module(&src, &module, &fns, Some(&all_functions), &roots, &split)
            })?;
            if !targets.is_empty() {
                mocked.entry(pkg.clone()).or_default().extend(targets);
            }
            let text = match instrument {
                Some(f) => guarded(at, || f(&module, text))?,
                None => text,
            };
            // Kept from regorus's scheduler, which would print to stderr (see `quiet.rs`).
            if let Some(e) = super::quiet::unschedulable(&shown, &text) {
                errors.push(e);
                continue;
            }
            if let Err(e) = guarded(at, || engine.add_policy(shown.clone(), text)) {
                errors.push(one_line(&e, Some(&file_shifts)));
                continue;
            }
            // Its rules named from a keyword, a module each per keyword (`keyword_refs.rs`),
            // under the user's file name: their lines are the user's.
            for moved in super::keyword_refs::moved(&file.text) {
                let added = guarded(at, || {
                    let src = source(shown.clone(), moved)?;
                    engine.add_policy(shown.clone(), src.contents().to_string())
                });
                if let Err(e) = added {
                    errors.push(one_line(&e, None));
                }
            }
            shifts.insert(shown, file_shifts);
        }
        // A rule of the package named like the builtin's first part claims the name (OPA's too).
        for (pkg, names) in &mut mocked {
            names.retain(|n| {
                let first = n.split('.').next().unwrap_or(n);
                !decls.iter().any(|d| &d.package == pkg && d.name == first)
            });
        }
        for (name, text) in with::extension_modules(&mocked) {
            if let Err(e) = guarded(|| name.clone(), || engine.add_policy(name.clone(), text)) {
                errors.push(one_line(&e, None));
            }
        }
        if !errors.is_empty() {
            bail!(errors.join("\n"));
        }
        let root = tree.root.display().to_string();
        guarded(
            || format!("{root}: data"),
            || engine.add_data_json(&data.to_string()),
        )
        .map_err(|e| anyhow!("{root}: cannot load data: {e}"))?;
        Ok(Policy {
            root: tree.root.clone(),
            pristine: engine.clone(),
            engine,
            decls,
            packages,
            shifts,
        })
    }

    /// Distinct rules: the first declaration of each name in each package.
    pub fn rules(&self) -> Vec<&RuleDecl> {
        let mut seen = std::collections::HashSet::new();
        self.decls
            .iter()
            .filter(|r| seen.insert((&r.package, &r.name)))
            .collect()
    }

    /// Evaluates `data.<package>.<path>` with undefined input, as a rule when `path` names one
    /// (the fast path), else as a query (a prefix of ref-head rules, like `rule_metadata` when
    /// only `rule_metadata["id"]` entries are declared).
    pub fn eval(&mut self, package: &str, path: &str) -> Result<Value> {
        let name = path.split(['.', '[']).next().unwrap_or(path);
        let at = self
            .decls
            .iter()
            .find(|d| d.package == package && d.name == name)
            .map(|d| format!("{}:{}", self.root.join(&d.file).display(), d.line))
            .unwrap_or_else(|| format!("data.{package}.{path}"));
        self.guarded(at, |p| p.eval_unguarded(package, path))
    }

    /// Runs `f` on this policy behind the panic boundary; `at` names the file and line being
    /// evaluated. After a panic the engine starts again from its state as loaded, so the next
    /// evaluation (the next test) is not run on whatever the panic left half-updated.
    pub fn guarded<T>(&mut self, at: String, f: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let mut panicked = true;
        let r = guarded(
            || at,
            || {
                let r = f(self);
                panicked = false;
                r
            },
        );
        if panicked {
            self.engine = self.pristine.clone();
        }
        r
    }

    fn eval_unguarded(&mut self, package: &str, path: &str) -> Result<Value> {
        self.engine.set_input(Value::Undefined);
        let full = format!("data.{package}.{path}");
        match self.engine.eval_rule(full.clone()) {
            Err(e) if e.to_string() == "not a valid rule path" => {
                let res = self
                    .engine
                    .eval_query(full, false)
                    .map_err(|e| anyhow!(self.error_line(&e)))?;
                Ok(res
                    .result
                    .first()
                    .and_then(|r| r.expressions.first())
                    .map(|e| e.value.clone())
                    .unwrap_or(Value::Undefined))
            }
            r => r.map_err(|e| anyhow!(self.error_line(&e))),
        }
    }

    /// One line, with columns mapped back to the file as written.
    pub fn error_line(&self, e: &anyhow::Error) -> String {
        let text = format!("{e}");
        let file = location(&text).map(|(f, _, _)| f.to_string());
        one_line(e, file.as_deref().and_then(|f| self.shifts.get(f)))
    }
}

fn collect_rules(module: &Module, rel: &str, out: &mut Vec<RuleDecl>) {
    let package = module.package.refr.span().text().to_string();
    for rule in &module.policy {
        let (refr, function) = match &**rule {
            Rule::Spec { head, .. } => match head {
                RuleHead::Compr { refr, .. } | RuleHead::Set { refr, .. } => (refr, false),
                RuleHead::Func { refr, .. } => (refr, true),
            },
            Rule::Default { refr, args, .. } => (refr, !args.is_empty()),
        };
        let span = refr.span();
        let head = span.text();
        let end = head
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(head.len());
        out.push(RuleDecl {
            package: package.clone(),
            name: head[..end].to_string(),
            head: head.to_string(),
            file: rel.to_string(),
            line: span.line,
            col: span.col,
            function,
        });
    }
}

/// Rewrites every use of an import alias to the full reference it stands for (`p.allow` after
/// `import data.p` becomes `data.p.allow`), as OPA's compiler does before evaluation.
///
/// Why: regorus 0.14 resolves an alias by evaluating the whole package behind it
/// (`ensure_module_evaluated`), which marks the package done after its first file; rules of a
/// later file of that package then read sibling rules they have not evaluated yet as undefined.
/// A full `data.` reference takes the rule-by-rule path, which is sound whatever the file order.
///
/// Only whole identifiers in expression position are rewritten: not text in strings or comments
/// (the lexer skips those), not a field after `.`, not the import and package lines themselves,
/// and not a name being declared (`some x`, `x := ...`), which shadows the alias locally.
/// Rewrites a lone module (a module without its tree: explanations, coverage, unit tests).
pub(crate) fn resolve_aliases(src: &Source, module: &Module) -> Result<(String, ColumnShifts)> {
    let roots = super::lang::module_rule_paths(module);
    let split = FileSplit::default();
    // No `with` value is bound for the rules it evaluates (`lang.rs`): the explanations take
    // the test's literals one for one from this text.
    let none = BTreeSet::new();
    let (text, shifts, _) = rewrite_module(src, module, &none, None, &roots, &split)?;
    Ok((text, shifts))
}

/// [`resolve_aliases`], plus the `with` rewrites of `with.rs`, given the function heads of the
/// module's package (`functions`) and of the tree (`all_functions`, `package.f`; `None` for a
/// lone module: see [`resolve_aliases`]). Also returns
/// the extension-only builtins the module's `with`s replace, for which `with.rs` generates
/// functions.
fn rewrite_module(
    src: &Source,
    module: &Module,
    functions: &BTreeSet<String>,
    all_functions: Option<&BTreeSet<String>>,
    roots: &BTreeSet<String>,
    split: &FileSplit,
) -> Result<(String, ColumnShifts, BTreeSet<String>)> {
    let mut aliases: HashMap<String, String> = HashMap::new();
    let mut blanked = Vec::new();
    let mut skip = vec![(module.package.span.start, module.package.span.end)];
    for import in &module.imports {
        skip.push((import.span.start, import.span.end));
        let target = import.refr.span().text().to_string();
        let root = target.split(['.', '[']).next().unwrap_or("");
        if root != "data" && root != "input" {
            continue; // `rego.v1`, `future.keywords.*`: no alias
        }
        let alias = match &import.r#as {
            Some(a) => a.text().to_string(),
            None => {
                let last = target.rsplit('.').next().unwrap_or(&target);
                if target.contains('.') && last.chars().all(|c| c.is_alphanumeric() || c == '_') {
                    last.to_string()
                } else {
                    continue;
                }
            }
        };
        if alias != target {
            aliases.insert(alias, target);
            // Every use is written out in full below; regorus would take a local of the
            // alias's name for the import (`some p in c` after `import data.p`).
            let (start, end) = (import.span.start as usize, import.span.end as usize);
            blanked.push(Edit {
                start,
                end,
                text: " ".repeat(src.contents()[start..end].chars().count()),
                line: import.span.line,
                col: import.span.col,
            });
        }
    }
    let text = src.contents();
    // Locals named like an alias or a rule of the package: renamed, never resolved (`scope.rs`).
    let package = module.package.refr.span().text();
    let mut globals: BTreeSet<String> = aliases.keys().cloned().collect();
    let rules_here: BTreeSet<String> = package_rules(package, roots).collect();
    globals.extend(rules_here.iter().cloned());
    let locals = super::scope::shadowing_locals(module, &globals);
    // Fields OPA's parser drops: an earlier value of a repeated key (`dup_keys.rs`).
    let dup_keys = super::dup_keys::edits(module, text);
    // Besides aliases, only `with` and `default` functions need rewriting (see `with.rs`).
    if aliases.is_empty()
        && dup_keys.is_empty()
        && locals.is_empty()
        && *split == FileSplit::default()
        && functions.is_empty()
        && !text.contains("with")
        && !text.contains("default")
        && !super::lang::may_rewrite(text)
        && !super::builtins::out_args::may_apply(text)
        && !super::order_rewrite::may_apply(text)
        && !module
            .imports
            .iter()
            .any(|i| i.refr.span().text() == "input")
    {
        return Ok((text.clone(), ColumnShifts::new(), BTreeSet::new()));
    }

    let mut tokens = Vec::new();
    let mut lexer = Lexer::new(src);
    lexer.set_max_col(length_config().max_col);
    loop {
        let tok = lexer.next_token()?;
        if tok.0 == TokenKind::Eof {
            break;
        }
        tokens.push(tok);
    }

    let mut edits = blanked;
    for (i, tok) in tokens.iter().enumerate() {
        if tok.0 != TokenKind::Ident {
            continue;
        }
        let span = &tok.1;
        if locals.binary_search(&(span.start, span.end)).is_ok() {
            // A local named like an alias stays as written (the import is gone, below); one
            // named like a rule of the package needs another name (see `scope.rs`).
            if !rules_here.contains(span.text()) {
                continue;
            }
            edits.push(Edit {
                start: span.start as usize,
                end: span.end as usize,
                text: format!("{}{}", span.text(), super::scope::SUFFIX),
                line: span.line,
                col: span.col,
            });
            continue;
        }
        let Some(full) = aliases.get(span.text()) else {
            continue;
        };
        if skip.iter().any(|&(s, e)| span.start >= s && span.end <= e) {
            continue;
        }
        let prev = i.checked_sub(1).map(|p| tokens[p].1.text());
        let next = tokens.get(i + 1).map(|t| t.1.text());
        let is_field = prev == Some(".");
        let declared = matches!(prev, Some("some" | "every")) || next == Some(":=");
        if is_field || declared {
            continue;
        }
        edits.push(Edit {
            start: span.start as usize,
            end: span.end as usize,
            text: full.clone(),
            line: span.line,
            col: span.col,
        });
    }
    let (rules, own_functions): (BTreeSet<String>, BTreeSet<String>) = {
        let mut decls = Vec::new();
        collect_rules(module, "", &mut decls);
        let functions = decls.iter().filter(|d| d.function).map(|d| d.name.clone());
        let functions = functions.collect();
        (decls.into_iter().map(|d| d.name).collect(), functions)
    };
    let (with_edits, mut wrappers) = with::builtin_replacements(&tokens, &skip, &rules);
    let targets = with::extension_targets(&tokens, &skip, |first| {
        rules.contains(first) || aliases.contains_key(first)
    });
    wrappers.push_str(&with::default_function_bodies(module));
    wrappers.push_str(&split.forwards);
    edits.extend(split_heads(module, split));
    for &(start, end) in &split.moved_defaults {
        let (start, end) = (start as usize, end as usize);
        edits.push(Edit {
            start,
            end,
            text: " ".repeat(text[start..end].chars().count()),
            line: 0,
            col: 0,
        });
    }
    edits.extend(with_edits);
    edits.extend(dup_keys);
    edits.extend(with::full_function_names(&tokens, &skip, module, functions));
    edits.extend(super::builtins::out_args::edits(module, text, &|first| {
        rules.contains(first) || aliases.contains_key(first)
    }));
    // regorus warns on stderr about `import input` (see `quiet.rs`).
    edits.extend(super::quiet::input_imports(module, text));
    // Language rewrites (`lang.rs`) go first: their insertions open before any other edit there.
    let values = super::lang::WithValues {
        pkg: package.strip_prefix("data.").unwrap_or(package).to_string(),
        names: rules_here
            .iter()
            .filter(|n| !functions.contains(*n) && !own_functions.contains(*n))
            .cloned()
            .collect(),
        aliases: aliases
            .iter()
            .map(|(a, t)| (a.clone(), t.strip_prefix("data.").unwrap_or(t).to_string()))
            .collect(),
        functions: all_functions.cloned().unwrap_or_default(),
        evaluated: all_functions.is_some(),
        extension_only: Some(super::builtins::extension_only()),
    };
    let targets_of: BTreeSet<String> = values
        .names
        .iter()
        .filter(|n| !aliases.contains_key(*n))
        .cloned()
        .collect();
    edits.extend(with::rule_targets(&tokens, &skip, &targets_of, &values.pkg));
    // A rule of the package in another file is as much a rule here (an operand of `not` that
    // may be undefined).
    let package_rules: BTreeSet<String> = rules.union(&rules_here).cloned().collect();
    let lang = super::lang::edits(module, text, &edits, &package_rules, roots, &values);
    // Comparisons in OPA's order (`order.rs`); after the language rewrites, which copy operands
    // and must not copy the call's opening around one. First among the other edits: the call
    // opens before a name written in full at the same place (`data.p.f(..) < x`).
    if super::order_rewrite::may_apply(text) {
        edits.splice(0..0, super::order_rewrite::edits(module, text));
    }
    // What a language rewrite replaces it wrote out with the other edits applied (a `with`
    // value bound before its literal): those edits go, not into the replacement.
    let replaced: Vec<(usize, usize)> = lang
        .iter()
        .filter(|e| e.end > e.start)
        .map(|e| (e.start, e.end))
        .collect();
    edits.retain(|e| {
        !replaced
            .iter()
            .any(|&(s, t)| e.start >= s && e.end <= t && e.start < t)
    });
    edits.splice(0..0, lang);
    edits.sort_by_key(|e| (e.start, e.end));

    let mut out = String::with_capacity(text.len() + wrappers.len() + 64);
    let mut shifts = ColumnShifts::new();
    let mut copied = 0usize;
    for e in &edits {
        if e.start < copied {
            continue; // overlapping edits cannot happen; never apply one twice
        }
        out.push_str(&text[copied..e.start]);
        out.push_str(&e.text);
        copied = e.end;
        let old = text[e.start..e.end].chars().count() as u32;
        let new = e.text.chars().count() as u32;
        let added = new.saturating_sub(old);
        let line = shifts.entry(e.line).or_default();
        let before: u32 = line.iter().map(|&(_, a)| a).sum();
        let end_col = e.col + before + new;
        line.push((end_col, added));
    }
    out.push_str(&text[copied..]);
    if !wrappers.is_empty() {
        out.push('\n');
        out.push_str(&wrappers);
    }
    Ok((out, shifts, targets))
}

/// The heads of the module's functions that `split` renames, renamed (`split_functions.rs`).
fn split_heads(module: &Module, split: &FileSplit) -> Vec<Edit> {
    let mut out = Vec::new();
    for rule in &module.policy {
        let Rule::Spec {
            head: RuleHead::Func { refr, .. },
            ..
        } = &**rule
        else {
            continue;
        };
        let span = refr.span();
        if let Some(name) = split.renamed.get(span.text()) {
            out.push(Edit {
                start: span.start as usize,
                end: span.end as usize,
                text: name.clone(),
                line: span.line,
                col: span.col,
            });
        }
    }
    out
}

/// The rule names of `package` (as written) among `roots` (`package.name` of every rule).
fn package_rules<'r>(
    package: &str,
    roots: &'r BTreeSet<String>,
) -> impl Iterator<Item = String> + 'r {
    let package = package.strip_prefix("data.").unwrap_or(package);
    let prefix = format!("{package}.");
    roots.iter().filter_map(move |r| {
        let name = r.strip_prefix(&prefix)?;
        (!name.contains(['.', '['])).then(|| name.to_string())
    })
}

/// A value as text for a report. Unlike `format!("{v}")`, which panics when regorus's `Display`
/// fails (a number past float64's range, e.g. `bits.lsh(1, 100000)`), this cannot panic.
pub fn show(v: &Value) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    match write!(s, "{v}") {
        Ok(()) => s,
        Err(_) => "(a value holding a number beyond float64's range)".into(),
    }
}

/// Finds `--> file:line:col` in a regorus error message.
fn location(text: &str) -> Option<(&str, u32, u32)> {
    let at = text.find("--> ")?;
    let loc = text[at + 4..].lines().next()?;
    let mut parts = loc.rsplitn(3, ':');
    let col = parts.next()?.trim().parse().ok()?;
    let line = parts.next()?.trim().parse().ok()?;
    let file = parts.next()?;
    Some((file, line, col))
}

/// regorus errors span several lines (location, source excerpt, caret, message). A user reads
/// one line: `file:line:col: message`, with the column of the file as written.
pub fn one_line(e: &anyhow::Error, shifts: Option<&ColumnShifts>) -> String {
    let text = format!("{e}");
    let Some((file, line, mut col)) = location(&text) else {
        return super::quiet::words(&text.split_whitespace().collect::<Vec<_>>().join(" "));
    };
    if let Some(line_shifts) = shifts.and_then(|s| s.get(&line)) {
        let back: u32 = line_shifts
            .iter()
            .filter(|&&(end_col, _)| end_col <= col)
            .map(|&(_, added)| added)
            .sum();
        col = col.saturating_sub(back);
    }
    let msg = text
        .lines()
        .rev()
        .find_map(|l| l.strip_prefix("error: "))
        .unwrap_or_else(|| text.lines().last().unwrap_or(""));
    // Operator errors and conflicts in OPA's words (`eval_type_error: and: operand 1 ...`).
    let opa = super::builtins::words::opa_words(&text);
    let msg = super::quiet::words(opa.as_deref().unwrap_or(msg));
    let msg = msg.as_str();
    if with::is_generated(file) {
        // A line of a module we generated means nothing to the user; the caller names the
        // expression being evaluated.
        return msg.trim().to_string();
    }
    // A renamed local (`scope.rs`) by the name the user wrote.
    let msg = msg.replace(super::scope::SUFFIX, "");
    format!("{file}:{line}:{col}: {}", msg.trim())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tree::PolicyTree;

    fn eval(files: &[(&str, &str)], pkg: &str, rule: &str) -> Value {
        let t = PolicyTree::of(files);
        let mut p = Policy::load(&t, &serde_json::json!({})).unwrap();
        p.eval(pkg, rule).unwrap()
    }

    const A: &str = "package p\nimport rego.v1\nhas(x) if x == 1\n";
    const B: &str = "package p\nimport rego.v1\nallow if has(one)\none := 1\n";

    #[test]
    fn alias_into_package_split_over_files() {
        let t = "package t\nimport rego.v1\nimport data.p\ntest_x if p.allow\n";
        for order in [
            [("a.rego", A), ("b.rego", B)],
            [("b.rego", B), ("a.rego", A)],
        ] {
            let files = [order[0], order[1], ("t.rego", t)];
            assert_eq!(eval(&files, "t", "test_x"), Value::from(true));
        }
    }

    /// The defect the rewrite works around, on regorus alone. If this starts failing, regorus
    /// fixed it and `resolve_aliases` may go.
    #[test]
    fn regorus_alone_gets_the_alias_pattern_wrong() {
        let t = "package t\nimport rego.v1\nimport data.p\ntest_x if p.allow\n";
        let mut e = Engine::new();
        for (f, s) in [("a.rego", A), ("b.rego", B), ("t.rego", t)] {
            e.add_policy(f.into(), s.into()).unwrap();
        }
        assert_eq!(
            e.eval_rule("data.t.test_x".into()).unwrap(),
            Value::Undefined
        );
    }

    #[test]
    fn alias_with_as_and_nested_packages() {
        let a = "package org.p.q\nimport rego.v1\nhas(x) if x == 1\n";
        let b = "package org.p.q\nimport rego.v1\nallow if has(one)\none := 1\n";
        let c = "package org.p.q\nimport rego.v1\nalso if one == 1\n";
        let t = "package t\nimport rego.v1\nimport data.org.p.q as x\n\
                 test_x if { x.allow; x.also }\n\
                 test_y if x[\"allow\"]\n";
        let files = [("1.rego", a), ("2.rego", b), ("3.rego", c), ("t.rego", t)];
        assert_eq!(eval(&files, "t", "test_x"), Value::from(true));
        assert_eq!(eval(&files, "t", "test_y"), Value::from(true));
    }

    #[test]
    fn strings_comments_fields_and_locals_are_left_alone() {
        let src = "package t\nimport rego.v1\nimport data.p\n\
                   # p.allow in a comment\n\
                   r := \"p.allow\" if { input.p; p.allow }\n\
                   s if { some p in [1]; p == 1 }\n";
        let s = Source::from_contents("t.rego".into(), src.into()).unwrap();
        let m = parse(&s).unwrap();
        let (out, shifts) = resolve_aliases(&s, &m).unwrap();
        assert!(out.contains("# p.allow in a comment"));
        // (`__xtask_defined(input.p)`: the check OPA's rule index makes first, see `lang.rs`.)
        assert!(
            out.contains("r := \"p.allow\" if { __xtask_defined(input.p); input.p; data.p.allow }")
        );
        assert!(out.contains("some p in [1]"));
        assert_eq!(shifts.get(&5).map(Vec::len), Some(2));
    }

    #[test]
    fn errors_are_one_line_with_original_columns() {
        let t = "package t\nimport rego.v1\nimport data.p\nr if p.x == 1 / 0\n";
        let files = [("p.rego", "package p\nx := 1\n"), ("t.rego", t)];
        let tr = PolicyTree::of(&files);
        let mut p = Policy::load(&tr, &serde_json::json!({})).unwrap();
        let err = p.eval("t", "r").unwrap_err().to_string();
        assert!(!err.contains('\n'), "{err}");
        // `1 / 0` stands at column 13 of line 4 as written; after the rewrite it is at 18.
        assert!(err.starts_with("t/t.rego:4:"), "{err}");
        let col: u32 = err.split(':').nth(2).unwrap().parse().unwrap();
        assert!(col <= 16, "column {col} not mapped back: {err}");
    }

    #[test]
    fn every_syntax_error_is_reported() {
        let files = [
            ("a.rego", "package a\nx := \n"),
            ("b.rego", "package b\ny if {\n"),
        ];
        let err = Policy::load(&PolicyTree::of(&files), &serde_json::json!({}))
            .err()
            .unwrap()
            .to_string();
        let lines: Vec<_> = err.lines().collect();
        assert_eq!(lines.len(), 2, "{err}");
        assert!(lines[0].starts_with("t/a.rego:"), "{err}");
        assert!(lines[1].starts_with("t/b.rego:"), "{err}");
    }

    #[test]
    fn rules_are_listed_once_per_name() {
        let src = "package p\nimport rego.v1\ndeny contains 1 if true\ndeny contains 2 if true\n\
                   f(x) := x\ndefault allow := false\nallow if true\n";
        let t = PolicyTree::of(&[("p.rego", src)]);
        let p = Policy::load(&t, &serde_json::json!({})).unwrap();
        let names: Vec<_> = p
            .rules()
            .iter()
            .map(|r| (r.name.as_str(), r.function))
            .collect();
        assert_eq!(names, [("deny", false), ("f", true), ("allow", false)]);
        assert_eq!(p.rules()[0].line, 3);
        assert_eq!(p.decls.len(), 5);
    }
}
