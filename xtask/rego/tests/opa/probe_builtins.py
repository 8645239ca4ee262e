#!/usr/bin/env python3
"""Which OPA v1.20 builtins does `cargo xtask policy-test` not evaluate?

1. Asks the real OPA (PyPI `opa-golib-python-bindings`) which names are builtins: every dotted
   name found in its shared library, plus the top-level builtins, is called with no arguments;
   OPA answers `arity mismatch ... want: (...)` for a builtin and `undefined function` otherwise.
2. Writes one tree with a test per builtin calling it with `null` arguments of the right arity,
   runs `xtask policy-test -v` over it, and lists the builtins our engine cannot find.

3. With `--diff FILE`: evaluates every builtin call listed in FILE (one expression a line, e.g.
   xtask/rego/tests/opa/probe_exprs.txt) in OPA, writes a tree whose tests expect OPA's answer (a value,
   undefined or an error), runs `xtask policy-test -v` over it and lists every call on which we
   answer differently.

    $OPA_PYTHON xtask/rego/tests/opa/probe_builtins.py [XTASK_BINARY] [--diff xtask/rego/tests/opa/probe_exprs.txt]
"""

import glob
import json
import os
import re
import subprocess
import sys
import tempfile

from opa_bindings import OpaEngine, OpaError, OpaUndefinedError

import opa_bindings

TOP_LEVEL = (
    "abs all any array.concat ceil cast_array cast_boolean cast_null cast_object cast_set "
    "cast_string concat contains count endswith floor format_int indexof indexof_n intersection "
    "is_array is_boolean is_null is_number is_object is_set is_string lower max min numbers.range "
    "product re_match replace round set_diff sort split sprintf startswith substring sum to_number "
    "trace trim trim_left trim_prefix trim_right trim_space trim_suffix type_name union upper walk"
).split()
# Called by the compiler itself, not by policies.
INTERNAL = re.compile(r"^(internal\.|print$)")


def candidates():
    lib = glob.glob(os.path.join(os.path.dirname(opa_bindings.__file__), "*.so"))[0]
    data = open(lib, "rb").read()
    names = set(m.decode() for m in re.findall(rb"[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*){1,4}", data))
    return sorted(names | set(TOP_LEVEL))


def arity(signature):
    """Parameters in OPA's `want: (a: t, b: any<x, y>)`: top-level commas + 1."""
    inner = signature.strip()[1:-1]
    if not inner:
        return 0
    depth, n = 0, 1
    for c in inner:
        depth += c in "<[({"
        depth -= c in ">])}"
        n += c == "," and depth == 0
    return n


def opa_builtins():
    found = {}
    for name in candidates():
        if name.split(".")[0] in ("data", "input") or INTERNAL.match(name):
            continue
        e = OpaEngine()
        try:
            e.add_policy("p.rego", f"package p\nx := {name}()\n")
            e.eval_query("true = true")
            found[name] = 0
        except OpaError as ex:
            m = re.search(r"want: (\(.*\))", ex.message)
            if m:
                found[name] = arity(m.group(1))
            elif "used as value" in ex.message:
                found[name] = 0
        finally:
            e.close()
    return found


def diff(xtask, path):
    exprs = [l.strip() for l in open(path, encoding="utf-8") if l.strip() and not l.startswith("#")]
    lines, expect = ["package diff_test", "", "import rego.v1", ""], {}
    for i, expr in enumerate(exprs):
        e = OpaEngine()
        try:
            e.add_policy("p.rego", f"package p\nimport rego.v1\nx := {expr}\n")
            v = e.eval_document("p.x")
            # json.marshal on both sides: a set and OPA's sorted list of it compare equal.
            lines.append(f"test_{i} if json.marshal({expr}) == json.marshal({json.dumps(v)})\n")
            expect[f"test_{i}"] = ("PASS", expr, json.dumps(v))
        except OpaUndefinedError:
            lines.append(f"test_{i} if not {expr}\n")
            expect[f"test_{i}"] = ("PASS", expr, "undefined")
        except OpaError as ex:
            if "rego_" in ex.message:
                print(f"  (OPA refuses {expr}: skipped)")
                continue
            lines.append(f"test_{i} if {expr}\n")
            expect[f"test_{i}"] = ("ERROR", expr, ex.message.splitlines()[-1][:120])
        finally:
            e.close()
    with tempfile.TemporaryDirectory() as tree:
        with open(os.path.join(tree, "diff_test.rego"), "w") as f:
            f.write("\n".join(lines))
        out = subprocess.run([xtask, "policy-test", "-v", "--dir", tree], capture_output=True, text=True)
    got = {}
    for line in out.stdout.splitlines():
        m = re.match(r"(PASS|FAIL|ERROR) data\.diff_test\.(test_\d+) .*?(?:: (.*))?$", line)
        if m:
            got[m.group(2)] = (m.group(1), m.group(3) or "")
    bad = [(t, e) for t, e in expect.items() if got.get(t, ("?", ""))[0] != e[0]]
    print(f"{len(expect)} calls; {len(bad)} answered differently from OPA v1.20")
    for t, (want, expr, opa) in bad:
        print(f"  {expr}\n    OPA: {want} {opa}\n    us:  {' '.join(got.get(t, ('missing', '')))[:160]}")
    return 1 if bad else 0


def main(argv):
    if "--diff" in argv:
        i = argv.index("--diff")
        rest = argv[:i] + argv[i + 2:]
        return diff(rest[0] if rest else "target/debug/xtask", argv[i + 1])
    xtask = argv[0] if argv else "target/debug/xtask"
    builtins = opa_builtins()
    with tempfile.TemporaryDirectory() as tree:
        lines = ["package probe", ""]
        for i, (name, n) in enumerate(sorted(builtins.items())):
            args = ", ".join(["null"] * n)
            lines.append(f"# {name}\ntest_{i} if {{ _ := {name}({args}) }}\n")
        with open(os.path.join(tree, "probe_test.rego"), "w") as f:
            f.write("\n".join(lines))
        out = subprocess.run([xtask, "policy-test", "-v", "--dir", tree], capture_output=True, text=True)
    missing = sorted(set(re.findall(r"could not find function ([\w.]+)", out.stdout + out.stderr)))
    print(f"OPA v1.20 builtins found: {len(builtins)}; not evaluated by xtask: {len(missing)}")
    for name in missing:
        print(f"  {name}/{builtins.get(name, '?')}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
