#!/usr/bin/env python3
"""The real OPA engine (Go OPA v1.20) as the other side of `cargo xtask fuzz-rego`.

Speaks JSON lines: one request per stdin line, one answer per stdout line, in order.

    {"op": "eval", "modules": {"p.rego": "..."}, "data": {...}, "input": ..., "queries": ["p.r"]}
      -> {"refused": false, "errors": [], "results": [{"value": v} | {"undefined": true}
                                                      | {"error": "class: message"}]}
      -> {"refused": true, "errors": ["rego_type_error", ...], "message": "..."}
    {"op": "types", ..., "query": "p.r"}
      -> {"types": [[path, type_name], ...]}   (every node of the value, paths as JSON text)
    {"op": "test", "modules": {...}, "data": {...}}
      -> judge.py's verdicts for the tree's `test_*` rules

Sets come back as JSON arrays in OPA's order; `types` tells which arrays were sets.
"""

import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from judge import parse_errors, tests_of  # noqa: E402

from opa_bindings import OpaEngine, OpaError, OpaUndefinedError  # noqa: E402


def engine(req):
    e = OpaEngine()
    e.print_handler = lambda message, location: None
    for name, src in req.get("modules", {}).items():
        e.add_policy(name, src)
    data = req.get("data")
    if data:
        e.add_data(data)
    return e


def error_class(message):
    """`file:line: eval_conflict_error: ...` -> `eval_conflict_error: ...`."""
    for part in message.split(": "):
        if part.endswith("_error"):
            return message[message.index(part):]
    return message


def evaluate(req):
    try:
        e = engine(req)
        e.eval_query("true = true")  # compiles every module; refusals surface here
    except OpaError as ex:
        classes = sorted({x["class"] for x in parse_errors(ex.message)})
        return {"refused": True, "errors": classes, "message": ex.message}
    results = []
    for q in req.get("queries", []):
        try:
            results.append({"value": e.eval_document(q, input=req.get("input"))})
        except OpaUndefinedError:
            results.append({"undefined": True})
        except OpaError as ex:
            results.append({"error": error_class(ex.message)})
    out = {"refused": False, "errors": [], "results": results}
    if req.get("query_marshal"):
        try:
            rows = e.eval_query("x := json.marshal(data.%s)" % req["query_marshal"], req.get("input"))
            out["marshal"] = rows[0]["x"] if rows else None
        except OpaError:
            pass
    return out


def types(req):
    e = engine(req)
    q = "[[json.marshal(p), type_name(v)] | walk(data.%s, [p, v])]" % req["query"]
    try:
        rows = e.eval_query("x := " + q, req.get("input"))
        return {"types": rows[0]["x"] if rows else []}
    except OpaError as ex:
        return {"error": ex.message}


def test(req):
    e = engine(req)
    out = {"refused": False, "tests": {}}
    try:
        e.eval_query("true = true")
    except OpaError as ex:
        return {"refused": True, "message": ex.message, "tests": {}}
    for full in tests_of(req.get("modules", {})):
        try:
            v = e.eval_document(full[len("data."):])
            out["tests"][full] = "pass" if v is True else "fail"
        except OpaUndefinedError:
            out["tests"][full] = "fail"
        except OpaError:
            out["tests"][full] = "error"
    return out


def main():
    ops = {"eval": evaluate, "types": types, "test": test}
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            req = json.loads(line)
            answer = ops[req.get("op", "eval")](req)
        except Exception as ex:  # one bad request must not end the session
            answer = {"worker_error": f"{type(ex).__name__}: {ex}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
