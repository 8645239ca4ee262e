#!/usr/bin/env python3
"""The real OPA engine (Go OPA v1.20, PyPI `opa-golib-python-bindings`) as a judge.

Loads a policy tree the way `opa test DIR` does (every `.rego` file; every `.json`, `.yaml` and
`.yml` file as data at its directory's path), then reports OPA's compile refusals and, when the
tree compiles, the verdict of every `test_*` rule. The end-to-end tests compare this with what
`cargo xtask policy-test` / `policy-check` say about the same tree.

    judge.py test DIR...        one JSON object per DIR, keyed by DIR, on stdout
    judge.py eval DIR QUERY [--input FILE]

Output of `test`, per tree:
    {"refused": bool,
     "errors": [{"file": "p/x.rego", "line": 2, "class": "rego_type_error", "message": "..."}],
     "tests": {"data.pkg.test_x": {"verdict": "pass"|"fail"|"error", "detail": "..."}}}
"""

import json
import os
import re
import sys

try:
    import yaml  # optional: only for YAML data files
except ImportError:  # pragma: no cover
    yaml = None

from opa_bindings import OpaEngine, OpaError, OpaUndefinedError

PACKAGE = re.compile(r"^package\s+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*|\[\"[^\"]*\"\])*)", re.M)
# A test rule as OPA finds it: a rule whose name starts with `test_` (`todo_test_` is skipped).
TEST_RULE = re.compile(r"^(test_[A-Za-z0-9_]*)\b", re.M)
ERROR_LINE = re.compile(r"^(?P<file>[^\s:][^:]*):(?P<line>\d+): (?P<class>rego_[a-z_]+_error): (?P<msg>.*)$")


def load(root):
    """(modules {relpath: source}, data document) as `opa test` loads them."""
    modules, data = {}, {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, root)
            if name.endswith(".rego"):
                with open(path, encoding="utf-8") as f:
                    modules[rel] = f.read()
            elif name.endswith((".json", ".yaml", ".yml")):
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                value = json.loads(text) if name.endswith(".json") else yaml.safe_load(text)
                reldir = os.path.relpath(dirpath, root)
                keys = [] if reldir == "." else reldir.split(os.sep)
                merge(data, keys, value)
    return modules, data


def merge(doc, keys, value):
    if not isinstance(value, dict) and keys:
        # A non-object document (an array of fixtures, say) sits at its directory's path.
        for k in keys[:-1]:
            doc = doc.setdefault(k, {})
        doc[keys[-1]] = value
        return
    for k in keys:
        doc = doc.setdefault(k, {})
    if isinstance(value, dict):
        deep_merge(doc, value)


def deep_merge(dst, src):
    for k, v in src.items():
        if k in dst and isinstance(dst[k], dict) and isinstance(v, dict):
            deep_merge(dst[k], v)
        else:
            dst[k] = v


def parse_errors(message):
    """OPA's `bundle activation failed: N error(s) occurred: f:l: class: msg ...` as a list."""
    text = message.split("occurred:", 1)[-1] if "occurred:" in message else message
    errors = []
    for raw in text.splitlines():
        raw = raw.strip()
        m = ERROR_LINE.match(raw)
        if m:
            errors.append({"file": m["file"], "line": int(m["line"]), "class": m["class"], "message": m["msg"]})
        elif errors and raw:
            errors[-1]["message"] += "\n" + raw
    if not errors:
        errors.append({"file": "", "line": 0, "class": "unknown", "message": message})
    return errors


def engine_for(root):
    modules, data = load(root)
    e = OpaEngine()
    e.print_handler = lambda message, location: None
    for rel, src in modules.items():
        e.add_policy(rel, src)
    if data:
        e.add_data(data)
    return e, modules


def tests_of(modules):
    found = []
    for rel, src in modules.items():
        m = PACKAGE.search(src)
        if not m:
            continue
        pkg = m.group(1)
        for name in TEST_RULE.findall(src):
            full = f"data.{pkg}.{name}"
            if full not in found:
                found.append(full)
    return found


def judge_tests(root):
    out = {"refused": False, "errors": [], "tests": {}}
    try:
        e, modules = engine_for(root)
        # Compilation happens lazily, on the first evaluation.
        e.eval_query("true = true")
    except OpaError as ex:
        out["refused"] = True
        out["errors"] = parse_errors(ex.message)
        return out
    for full in tests_of(modules):
        try:
            if "[" in full:  # `package a["b-c"]`: a path eval_document cannot take
                rows = e.eval_query(f"__v = {full}")
                if not rows:
                    raise OpaUndefinedError(full)
                value = rows[0]["__v"] if isinstance(rows[0], dict) else rows[0]
            else:
                value = e.eval_document(full[len("data."):])
            verdict = "pass" if value is True else "fail"
            detail = json.dumps(value)
        except OpaUndefinedError:
            verdict, detail = "fail", "undefined"
        except OpaError as ex:
            verdict, detail = "error", ex.message
        out["tests"][full] = {"verdict": verdict, "detail": detail}
    return out


def main(argv):
    if len(argv) >= 2 and argv[0] == "test":
        print(json.dumps({d: judge_tests(d) for d in argv[1:]}, indent=1, sort_keys=True))
        return 0
    if len(argv) >= 3 and argv[0] == "eval":
        root, query = argv[1], argv[2]
        inp = None
        if "--input" in argv:
            with open(argv[argv.index("--input") + 1], encoding="utf-8") as f:
                inp = json.load(f)
        e, _ = engine_for(root)
        try:
            print(json.dumps({"value": e.eval_query(query, inp)}))
        except OpaError as ex:
            print(json.dumps({"error": ex.message}))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
