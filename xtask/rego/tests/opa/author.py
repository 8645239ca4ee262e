#!/usr/bin/env python3
"""The real OPA engine (and an independent JUnit reader) for the policy author's commands.

    author.py eval DIR REQUEST.json     {"inputs": [...], "documents": ["pkg.rule", ...]}
        -> [[{"value": V} | {"undefined": true} | {"error": "..."}, ...per document], ...per input]
    author.py coverage DIR              OPA's coverage of every test of DIR as `opa test --coverage`
        reports it, per file: {"file": {"covered": [rows], "not_covered": [rows],
        "covered_lines": n, "not_covered_lines": n, "coverage": percent rounded to 2 places}}
    author.py junit FILE                what junitparser reads from a JUnit XML file
    author.py enters DIR                the rule bodies OPA's trace enters, per test:
        {"data.pkg.test_x": ["file:line", ...]}
"""

import json
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import judge  # noqa: E402
from opa_bindings import OpaUndefinedError  # noqa: E402


def evaluate(root, request_path):
    with open(request_path, encoding="utf-8") as f:
        req = json.load(f)
    e, _ = judge.engine_for(root)
    out = []
    for inp in req["inputs"]:
        row = []
        for doc in req["documents"]:
            try:
                row.append({"value": e.eval_document(doc, input=inp)})
            except OpaUndefinedError:
                row.append({"undefined": True})
            except Exception as ex:  # an error is a verdict to compare, not a crash
                row.append({"error": str(ex)})
        out.append(row)
    return out


def rows(ranges):
    return {r for x in ranges for r in range(x["start"]["row"], x["end"]["row"] + 1)}


def key(r):
    return (r["start"]["row"], r["start"].get("col", 0), r["end"]["row"], r["end"].get("col", 0))


def contains(outer, inner):
    (sr, sc, er, ec), (ir, ic, jr, jc) = outer, inner
    return (sr, sc) <= (ir, ic) and (er, ec) >= (jr, jc)


def coverage(root):
    """`opa test --coverage` over every test: one tracer for all of them, so a range is covered
    when any test evaluated it, and not covered when no covered range contains it (a row can be
    both). Each test's own report lists every range it did not cover; what no test covered is
    OPA's not-covered list."""
    e, modules = judge.engine_for(root)
    covered, candidates = {}, {}
    for test in judge.tests_of(modules):
        try:
            e.eval_document(test[len("data."):], coverage=True)
        except Exception:
            pass
        for f, fr in (e.last_coverage or {}).get("files", {}).items():
            covered.setdefault(f, set()).update(key(r) for r in fr.get("covered", []))
            candidates.setdefault(f, set()).update(key(r) for r in fr.get("not_covered", []))
    out = {}
    for f in sorted(set(covered) | set(candidates)):
        cov = covered.get(f, set())
        not_cov = [r for r in candidates.get(f, set()) if not any(contains(c, r) for c in cov)]
        c_rows = {row for (s, _, e2, _) in cov for row in range(s, e2 + 1)}
        n_rows = {row for (s, _, e2, _) in not_cov for row in range(s, e2 + 1)}
        total = len(c_rows) + len(n_rows)
        out[f] = {
            "covered": sorted(c_rows),
            "not_covered": sorted(n_rows),
            "covered_lines": len(c_rows),
            "not_covered_lines": len(n_rows),
            # Rounded half away from zero, as the Rust side of the comparison does.
            "coverage": math.floor(10000.0 * len(c_rows) / total + 0.5) / 100 if total else 0.0,
        }
    return out


def enters(root):
    e, modules = judge.engine_for(root)
    out = {}
    for test in judge.tests_of(modules):
        try:
            e.eval_document(test[len("data."):], trace=True)
        except Exception:
            pass
        # Enter events of rule bodies (their node is the rule, `... if { ... }`), not of
        # queries or comprehensions.
        out[test] = sorted({ev["location"] for ev in (e.last_trace or [])
                            if ev.get("op") == "Enter" and " if {" in str(ev.get("node"))
                            and ":" in str(ev.get("location"))})
    return out


def junit(path):
    from junitparser import Error, Failure, JUnitXml, Skipped

    xml = JUnitXml.fromfile(path)
    suites = []
    for suite in xml:
        cases = []
        for case in suite:
            kind, message, text = "pass", None, None
            for r in case.result:
                if isinstance(r, Failure):
                    kind = "failure"
                elif isinstance(r, Error):
                    kind = "error"
                elif isinstance(r, Skipped):
                    kind = "skipped"
                message, text = r.message, r.text
            cases.append({"name": case.name, "classname": case.classname, "result": kind,
                          "message": message, "text": text})
        suites.append({"name": suite.name, "tests": suite.tests, "failures": suite.failures,
                       "errors": suite.errors, "skipped": suite.skipped, "cases": cases})
    return suites


def main():
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "eval":
        result = evaluate(args[0], args[1])
    elif cmd == "coverage":
        result = coverage(args[0])
    elif cmd == "enters":
        result = enters(args[0])
    elif cmd == "junit":
        result = junit(args[0])
    else:
        raise SystemExit(f"unknown command {cmd}")
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
