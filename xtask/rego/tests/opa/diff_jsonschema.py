#!/usr/bin/env python3
"""Randomized differential run of `json.match_schema` / `json.verify_schema`: random schemas
and documents, each answered by the real OPA engine and by `xtask policy-eval`; prints every
difference and a summary. Not part of CI (a few minutes for the default count):

    target/opa-venv/bin/python xtask/rego/tests/opa/diff_jsonschema.py [COUNT] [SEED] [XTASK]

Errors whose order Go's map order decides are compared as a multiset (reported apart).
"""
import json
import os
import random
import subprocess
import sys
import tempfile

from opa_bindings import OpaEngine, OpaError, OpaUndefinedError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "../../../.."))
KEYS = ["a", "b", "c", "é", "a.b"]
STRINGS = ["", "a", "ab", "abc", "日本", "😀x", "2020-01-02", "12:00:00", "a@b.c", "::1", "1.2.3.4",
           "http://x/y", "/p", "f81d4fae-7dec-11d0-a765-00a0c91e6bf6", "x y", "A1", "é"]
NUMBERS = [0, 1, -1, 2, 3, 5, 7, 10, 0.5, 1.5, -2.5, 0.1, 0.3, 100, 1e6, 1e-5, 123456789012,
           12345678901234567890, 2.25]
FORMATS = ["email", "date", "time", "date-time", "ipv4", "ipv6", "uri", "uri-reference", "hostname",
           "uuid", "regex", "json-pointer", "relative-json-pointer", "unknown"]
PATTERNS = ["^a", "b$", "^[a-z]+$", "\\d", "^.{2}$", "(?i)A", "x|y"]
TYPES = ["null", "boolean", "integer", "number", "string", "array", "object"]
DRAFTS = [None, None, "http://json-schema.org/draft-04/schema#", "http://json-schema.org/draft-06/schema#",
          "http://json-schema.org/draft-07/schema#"]


def doc(r, depth=0):
    k = r.randrange(7 if depth < 3 else 4)
    if k == 0:
        return None
    if k == 1:
        return r.choice([True, False])
    if k == 2:
        return r.choice(NUMBERS)
    if k == 3:
        return r.choice(STRINGS)
    if k == 4:
        return [doc(r, depth + 1) for _ in range(r.randrange(4))]
    return {r.choice(KEYS): doc(r, depth + 1) for _ in range(r.randrange(4))}


def schema(r, depth=0, bad=0.0):
    if depth > 2 or r.random() < 0.1:
        return r.choice([{}, True, False, {"type": r.choice(TYPES)}])
    s = {}
    for _ in range(r.randrange(1, 4)):
        kw = r.randrange(26)
        if r.random() < bad:
            s[r.choice(["type", "minimum", "minLength", "items", "properties", "required", "enum", "pattern",
                        "format", "not", "$ref", "dependencies"])] = r.choice([1, "x", [1], {"a": 1}, -1, None, "("])
            continue
        sub = lambda: schema(r, depth + 1, bad)
        if kw == 0:
            s["type"] = r.choice(TYPES) if r.random() < 0.7 else r.sample(TYPES, 2)
        elif kw == 1:
            s["enum"] = [doc(r, 2) for _ in range(r.randrange(1, 4))]
        elif kw == 2:
            s["const"] = doc(r, 2)
        elif kw == 3:
            s["properties"] = {k: sub() for k in r.sample(KEYS, r.randrange(1, 3))}
        elif kw == 4:
            s["patternProperties"] = {r.choice(PATTERNS): sub()}
        elif kw == 5:
            s["additionalProperties"] = r.choice([False, True, sub()])
        elif kw == 6:
            s["required"] = r.sample(KEYS, r.randrange(1, 3))
        elif kw == 7:
            s["dependencies"] = {r.choice(KEYS): r.choice([r.sample(KEYS, 1), sub()])}
        elif kw == 8:
            s["propertyNames"] = sub()
        elif kw == 9:
            s[r.choice(["minProperties", "maxProperties", "minItems", "maxItems", "minLength", "maxLength"])] = r.randrange(4)
        elif kw == 10:
            s["items"] = sub() if r.random() < 0.5 else [sub() for _ in range(r.randrange(1, 3))]
        elif kw == 11:
            s["additionalItems"] = r.choice([False, sub()])
        elif kw == 12:
            s["contains"] = sub()
        elif kw == 13:
            s["uniqueItems"] = True
        elif kw == 14:
            s["pattern"] = r.choice(PATTERNS)
        elif kw == 15:
            s["format"] = r.choice(FORMATS)
        elif kw == 16:
            s[r.choice(["minimum", "maximum"])] = r.choice(NUMBERS)
        elif kw == 17:
            s[r.choice(["exclusiveMinimum", "exclusiveMaximum"])] = r.choice(NUMBERS + [True, False])
        elif kw == 18:
            s["multipleOf"] = r.choice([0.1, 0.5, 2, 3, 1e-5, 7])
        elif kw in (19, 20, 21):
            s[["allOf", "anyOf", "oneOf"][kw - 19]] = [sub() for _ in range(r.randrange(1, 3))]
        elif kw == 22:
            s["not"] = sub()
        elif kw == 23:
            s["if"], s["then"], s["else"] = sub(), sub(), sub()
        elif kw == 24:
            s["definitions"] = {"d": sub()}
            s["properties"] = {r.choice(KEYS): {"$ref": "#/definitions/d"}}
        elif depth == 0:
            # Only at the top: a `$ref` cycle that never descends would overflow OPA's stack.
            s["$ref"] = "#/definitions/x"
            s.setdefault("definitions", {"x": sub()})
    if depth == 0:
        d = r.choice(DRAFTS)
        if d:
            s["$schema"] = d
    return s


def opa_answer(e, name):
    try:
        return ["value", e.eval_document(f"q.{name}")]
    except OpaUndefinedError:
        return ["undefined", None]
    except OpaError as ex:
        return ["error", ex.message.split(": ", 1)[-1]]


def ours(xtask, tree, name):
    p = subprocess.run([xtask, "policy-eval", "--dir", tree, f"data.q.{name}"], capture_output=True, text=True)
    if p.returncode != 0:
        return ["error", p.stderr.strip()]
    result = json.loads(p.stdout).get("result") or []
    if not result:
        return ["undefined", None]
    return ["value", result[0]["expressions"][0]["value"]]


def same(a, b):
    if a[0] != b[0]:
        return False
    if a[0] == "error":
        return True  # both engines refuse; the wording is compared by the tree's unit tests
    return a[1] == b[1]


def same_as_set(a, b):
    if a[0] != "value" or b[0] != "value" or not isinstance(a[1][1], list) or not isinstance(b[1][1], list):
        return False
    key = lambda e: json.dumps(e, sort_keys=True)
    return a[1][0] == b[1][0] and sorted(map(key, a[1][1])) == sorted(map(key, b[1][1]))


def main():
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    xtask = sys.argv[3] if len(sys.argv) > 3 else os.path.join(ROOT, "target/debug/xtask")
    r = random.Random(seed)
    cases = {}
    for i in range(count):
        bad = 0.15 if i % 5 == 0 else 0.0
        s = schema(r, 0, bad)
        if i % 7 == 0:
            cases[f"c{i}"] = ("json.verify_schema", [s])
        else:
            cases[f"c{i}"] = ("json.match_schema", [doc(r) if r.random() < 0.3 else {k: doc(r, 1) for k in r.sample(KEYS, 3)}, s])
    data = {"cases": {n: args for n, (_, args) in cases.items()}}
    policy = "package q\n\n" + "".join(
        f"{n} := {f}({', '.join(f'data.cases.{n}[{j}]' for j in range(len(a)))})\n" for n, (f, a) in cases.items())
    with tempfile.TemporaryDirectory() as tree:
        with open(os.path.join(tree, "q.rego"), "w") as f:
            f.write(policy)
        with open(os.path.join(tree, "data.json"), "w") as f:
            json.dump(data, f)
        e = OpaEngine()
        e.add_data(data)
        e.add_policy("q.rego", policy)
        diffs, order_only = [], 0
        for n in cases:
            a, b = opa_answer(e, n), ours(xtask, tree, n)
            if same(a, b):
                continue
            if same_as_set(a, b):
                order_only += 1
                continue
            diffs.append((n, cases[n], a, b))
    for n, case, a, b in diffs:
        print(f"--- {n}: {case[0]}({json.dumps(case[1])})\n  OPA:  {json.dumps(a)}\n  ours: {json.dumps(b)}")
    print(f"{count} cases (seed {seed}): {len(diffs)} differ, {order_only} differ only in error order")
    return 1 if diffs else 0


if __name__ == "__main__":
    sys.exit(main())
