//! Walks a policy directory the way OPA's loader does: `.rego` modules, and JSON/YAML documents
//! placed in `data` at their directory's path.

use std::collections::{BTreeMap, HashSet};
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context, Result};
use serde_json::{Map, Value};

/// A Rego source file, by its path relative to the tree's root (always `/`-separated).
#[derive(Debug, Clone)]
pub struct RegoFile {
    pub rel: String,
    pub text: String,
}

/// A JSON or YAML document, and where in `data` OPA puts it.
#[derive(Debug, Clone)]
pub struct DataFile {
    pub rel: String,
    /// Directory components of `rel`: the document's path under `data`.
    pub path: Vec<String>,
    pub value: Value,
}

impl DataFile {
    /// `opa build -b` ships only documents with these exact names; `opa test` loads every
    /// `.json`/`.yaml`/`.yml`. The difference is what `--allow-unshipped-data` is about.
    pub fn shipped(&self) -> bool {
        let name = self.rel.rsplit('/').next().unwrap_or(&self.rel);
        matches!(name, "data.json" | "data.yaml" | "data.yml")
    }
}

#[derive(Debug)]
pub struct PolicyTree {
    /// The directory as the user named it; error messages show paths under it.
    pub root: PathBuf,
    pub modules: Vec<RegoFile>,
    pub data: Vec<DataFile>,
}

impl PolicyTree {
    pub fn load(root: &Path) -> Result<PolicyTree> {
        let meta = fs::metadata(root)
            .with_context(|| format!("{}: policy directory not found", root.display()))?;
        if !meta.is_dir() {
            bail!("{}: not a directory", root.display());
        }
        let canonical_root = fs::canonicalize(root)
            .with_context(|| format!("{}: cannot resolve path", root.display()))?;
        let mut tree = PolicyTree {
            root: root.to_path_buf(),
            modules: Vec::new(),
            data: Vec::new(),
        };
        let mut seen = HashSet::new();
        seen.insert(canonical_root.clone());
        tree.walk(&canonical_root, root, "", &mut seen)?;
        if tree.modules.is_empty() {
            bail!("{}: no .rego files found", root.display());
        }
        Ok(tree)
    }

    /// An in-memory tree rooted at `t`, for unit tests (this crate's and its users').
    pub fn of(files: &[(&str, &str)]) -> PolicyTree {
        PolicyTree {
            root: PathBuf::from("t"),
            modules: files
                .iter()
                .map(|(rel, text)| RegoFile {
                    rel: rel.to_string(),
                    text: text.to_string(),
                })
                .collect(),
            data: vec![],
        }
    }

    /// The path a user would type for a file of the tree.
    pub fn display(&self, rel: &str) -> String {
        self.root.join(rel).display().to_string()
    }

    fn walk(
        &mut self,
        canonical_root: &Path,
        dir: &Path,
        rel_dir: &str,
        seen: &mut HashSet<PathBuf>,
    ) -> Result<()> {
        let mut entries = fs::read_dir(dir)
            .with_context(|| format!("{}: cannot read directory", dir.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<std::io::Result<Vec<_>>>()
            .with_context(|| format!("{}: cannot read directory", dir.display()))?;
        // Sorted by byte order so every machine loads (and bundles) in the same order.
        entries.sort();
        for path in entries {
            let Some(name) = path.file_name().and_then(|n| n.to_str()) else {
                bail!("{}: file name is not UTF-8", path.display());
            };
            let rel = if rel_dir.is_empty() {
                name.to_string()
            } else {
                format!("{rel_dir}/{name}")
            };
            let lmeta = fs::symlink_metadata(&path)
                .with_context(|| format!("{}: cannot stat", path.display()))?;
            let meta = if lmeta.file_type().is_symlink() {
                let target = fs::canonicalize(&path).with_context(|| {
                    format!("{}: symlink points to a missing file", path.display())
                })?;
                if !target.starts_with(canonical_root) {
                    bail!(
                        "{}: symlink leads outside {}",
                        path.display(),
                        self.root.display()
                    );
                }
                fs::metadata(&target)?
            } else {
                lmeta
            };
            if meta.is_dir() {
                let canonical = fs::canonicalize(&path)?;
                // A symlinked directory inside the tree could make a cycle.
                if seen.insert(canonical.clone()) {
                    self.walk(canonical_root, &path, &rel, seen)?;
                }
                continue;
            }
            let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
            if !matches!(ext, "rego" | "json" | "yaml" | "yml") {
                continue;
            }
            let bytes =
                fs::read(&path).with_context(|| format!("{}: cannot read", path.display()))?;
            let text = String::from_utf8(bytes)
                .map_err(|_| anyhow::anyhow!("{}: file is not valid UTF-8", path.display()))?;
            if ext == "rego" {
                self.modules.push(RegoFile { rel, text });
            } else {
                let value = parse_data(&path, ext, &text)?;
                let dir_path = rel_dir
                    .split('/')
                    .filter(|s| !s.is_empty())
                    .map(str::to_string)
                    .collect();
                self.data.push(DataFile {
                    rel,
                    path: dir_path,
                    value,
                });
            }
        }
        Ok(())
    }

    /// Every data document merged into one `data` object, as `opa test` sees it (`shipped_only`
    /// false) or as `opa build -b` ships it (`shipped_only` true).
    pub fn merged_data(&self, shipped_only: bool) -> Result<Value> {
        let mut root = Value::Object(Map::new());
        // Which file put a value at which dotted path, to name both sides of a conflict.
        let mut origins: BTreeMap<String, String> = BTreeMap::new();
        for file in self.data.iter().filter(|f| !shipped_only || f.shipped()) {
            if file.value.is_null() {
                continue; // an empty YAML document adds nothing
            }
            if file.path.is_empty() && !file.value.is_object() {
                bail!(
                    "{}: a data document at the root of the tree must be an object",
                    self.display(&file.rel)
                );
            }
            merge_at(&mut root, &file.path, &file.value, &file.rel, &mut origins).map_err(
                |(at, other)| {
                    anyhow::anyhow!(
                        "{}: conflicting data paths: data.{} is also set by {}",
                        self.display(&file.rel),
                        at,
                        self.display(&other)
                    )
                },
            )?;
        }
        Ok(root)
    }
}

fn parse_data(path: &Path, ext: &str, text: &str) -> Result<Value> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if ext == "json" {
        serde_json::from_str(text).map_err(|e| {
            let msg = e.to_string();
            let msg = msg
                .rsplit_once(" at line ")
                .map_or(msg.as_str(), |(m, _)| m);
            anyhow::anyhow!(
                "{}:{}:{}: invalid JSON: {msg}",
                path.display(),
                e.line(),
                e.column()
            )
        })
    } else {
        yaml_serde::from_str::<Value>(text).map_err(|e| {
            let msg = e.to_string();
            let msg = msg
                .rsplit_once(" at line ")
                .map_or(msg.as_str(), |(m, _)| m);
            match e.location() {
                Some(l) => anyhow::anyhow!(
                    "{}:{}:{}: invalid YAML: {msg}",
                    path.display(),
                    l.line(),
                    l.column()
                ),
                None => anyhow::anyhow!("{}: invalid YAML: {msg}", path.display()),
            }
        })
    }
}

/// Deep-merges `value` into `root` at `path`. Objects merge key by key; any other collision is
/// a conflict, reported as (dotted path, file that was there first).
fn merge_at(
    root: &mut Value,
    path: &[String],
    value: &Value,
    file: &str,
    origins: &mut BTreeMap<String, String>,
) -> std::result::Result<(), (String, String)> {
    let mut node = root;
    let mut dotted = String::new();
    for seg in path {
        if !dotted.is_empty() {
            dotted.push('.');
        }
        dotted.push_str(seg);
        let Value::Object(map) = node else {
            return Err((dotted.clone(), origin_of(origins, &dotted)));
        };
        node = map
            .entry(seg.clone())
            .or_insert_with(|| Value::Object(Map::new()));
    }
    merge_value(node, value, &mut dotted, file, origins)
}

fn merge_value(
    node: &mut Value,
    value: &Value,
    dotted: &mut String,
    file: &str,
    origins: &mut BTreeMap<String, String>,
) -> std::result::Result<(), (String, String)> {
    match (node, value) {
        (Value::Object(dst), Value::Object(src)) => {
            for (k, v) in src {
                let len = dotted.len();
                if !dotted.is_empty() {
                    dotted.push('.');
                }
                dotted.push_str(k);
                match dst.get_mut(k) {
                    Some(existing) => merge_value(existing, v, dotted, file, origins)?,
                    None => {
                        dst.insert(k.clone(), v.clone());
                        origins.insert(dotted.clone(), file.to_string());
                    }
                }
                dotted.truncate(len);
            }
            Ok(())
        }
        (node, value) => {
            // An empty object is only a placeholder made by `merge_at` for a directory.
            if node.as_object().is_some_and(Map::is_empty) {
                *node = value.clone();
                origins.insert(dotted.clone(), file.to_string());
                return Ok(());
            }
            Err((dotted.clone(), origin_of(origins, dotted)))
        }
    }
}

fn origin_of(origins: &BTreeMap<String, String>, dotted: &str) -> String {
    // The value at `dotted` or one above or below it: whichever file put it there.
    let mut probe = dotted.to_string();
    loop {
        if let Some(f) = origins.get(&probe) {
            return f.clone();
        }
        match probe.rsplit_once('.') {
            Some((parent, _)) => probe = parent.to_string(),
            None => break,
        }
    }
    origins
        .range(format!("{dotted}.")..)
        .next()
        .filter(|(k, _)| k.starts_with(&format!("{dotted}.")))
        .map(|(_, f)| f.clone())
        .unwrap_or_else(|| "another data file".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(dir: &Path, rel: &str, text: &str) {
        let p = dir.join(rel);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }

    #[test]
    fn loads_rego_and_data_at_directory_paths() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "a/p.rego", "package a\n");
        write(d.path(), "a/b/data.json", r#"{"x": 1}"#);
        write(d.path(), "a/b/data.naming.yaml", "y: 2\n");
        write(d.path(), "README.md", "ignored");
        let t = PolicyTree::load(d.path()).unwrap();
        assert_eq!(t.modules.len(), 1);
        assert_eq!(t.data.len(), 2);
        let all = t.merged_data(false).unwrap();
        assert_eq!(all, serde_json::json!({"a": {"b": {"x": 1, "y": 2}}}));
        let shipped = t.merged_data(true).unwrap();
        assert_eq!(shipped, serde_json::json!({"a": {"b": {"x": 1}}}));
    }

    #[test]
    fn conflicting_data_names_both_files() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "p.rego", "package a\n");
        write(d.path(), "data.json", r#"{"a": {"b": 1}}"#);
        write(d.path(), "a/b/data.json", r#"{"c": 2}"#);
        let t = PolicyTree::load(d.path()).unwrap();
        let err = t.merged_data(true).unwrap_err().to_string();
        assert!(err.contains("conflicting data paths: data.a.b"), "{err}");
        assert!(
            err.contains("a/b/data.json") && err.ends_with("data.json"),
            "{err}"
        );
    }

    #[test]
    fn bad_inputs_name_the_file() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "p.rego", "package a\n");
        write(d.path(), "x/data.json", "{\n  \"a\": ,\n}");
        let err = PolicyTree::load(d.path()).unwrap_err().to_string();
        assert!(err.contains("x/data.json:2:8: invalid JSON"), "{err}");

        let d = tempfile::tempdir().unwrap();
        write(d.path(), "p.rego", "package a\n");
        write(d.path(), "data.yaml", "a: [1,\n");
        let err = PolicyTree::load(d.path()).unwrap_err().to_string();
        assert!(
            err.contains("data.yaml:") && err.contains("invalid YAML"),
            "{err}"
        );

        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("p.rego"), b"package a\n\xff\n").unwrap();
        let err = PolicyTree::load(d.path()).unwrap_err().to_string();
        assert!(err.ends_with("p.rego: file is not valid UTF-8"), "{err}");

        let d = tempfile::tempdir().unwrap();
        write(d.path(), "data.json", "{}");
        let err = PolicyTree::load(d.path()).unwrap_err().to_string();
        assert!(err.ends_with("no .rego files found"), "{err}");

        let err = PolicyTree::load(Path::new("/nonexistent/policy")).unwrap_err();
        assert!(format!("{err:#}").starts_with("/nonexistent/policy: policy directory not found"));
    }

    #[test]
    fn symlink_outside_the_tree_is_refused() {
        let outside = tempfile::tempdir().unwrap();
        write(outside.path(), "secret.rego", "package s\n");
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "p.rego", "package a\n");
        std::os::unix::fs::symlink(outside.path().join("secret.rego"), d.path().join("s.rego"))
            .unwrap();
        let err = PolicyTree::load(d.path()).unwrap_err().to_string();
        assert!(err.contains("s.rego: symlink leads outside"), "{err}");
    }

    #[test]
    fn symlink_inside_the_tree_is_followed() {
        let d = tempfile::tempdir().unwrap();
        write(d.path(), "real/p.rego", "package a\n");
        std::os::unix::fs::symlink(d.path().join("real"), d.path().join("link")).unwrap();
        let t = PolicyTree::load(d.path()).unwrap();
        // The directory and its link resolve to one place: loaded once.
        assert_eq!(t.modules.len(), 1);
    }
}
