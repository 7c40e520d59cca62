"""How ``derivator check`` reports: text for people, JSON for tools, GitHub annotations, JUnit XML.

The JSON shape, the verdict words and the line/step numbering are notation.md's contract.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from typing import Any

from .check import Result, summary

MARKS = {"proved": "✓", "refuted": "✗", "unknown": "?", "skipped": "–", "error": "!"}
COLORS = {"proved": "32", "refuted": "31;1", "unknown": "33", "skipped": "2", "error": "35;1"}


def _counterexample_line(ce: dict[str, Any]) -> str:
    idx = ", ".join(f"{k}={v}" for k, v in ce.get("indices", {}).items())
    var = ", ".join(f"{k}={v}" for k, v in ce.get("variables", {}).items())
    sizes = ", ".join(f"{'n' if k == 'n' else 'n_(' + k + ')'}={v}" for k, v in ce.get("sizes", {}).items())
    where = "; ".join(x for x in (idx, var) if x)
    return f"counterexample: {where or 'no free index'} at {sizes}: left {ce['left']}, right {ce['right']}"


def text(results: list[Result], *, color: bool = False, quiet: bool = False, seconds: float | None = None,
         warnings: list[str] | None = None) -> str:
    """One line per relation (``file:line.step  mark verdict  relation``), reasons and
    counterexamples indented below, a summary line last."""

    def paint(verdict: str, s: str) -> str:
        return f"\x1b[{COLORS[verdict]}m{s}\x1b[0m" if color else s

    lines: list[str] = []
    for r in results:
        if quiet and r.verdict in ("proved", "skipped"):
            continue
        at = r.at if r.verdict == "error" and r.at else None
        where = f"{r.file}:{at[0]}:{at[1]}" if at else f"{r.file}:{r.line}"
        where += f" #{r.step}" if r.step else ""
        head = f"{where:<18} {paint(r.verdict, MARKS[r.verdict] + ' ' + r.verdict):<10}  {r.display or r.relation}"
        lines.append(head)
        pad = " " * 19
        details = [r.method] if r.method and r.verdict in ("proved", "unknown") else []
        details += [h for h in (r.hints or ([r.reason] if r.reason else []))]
        for d in details:
            lines.append(pad + d)
        if r.counterexample:
            lines.append(pad + _counterexample_line(r.counterexample))
    s = summary(results)
    parts = [f"{n} {k}" for k, n in s.items() if n]
    tail = f"{len(results)} relation{'s' if len(results) != 1 else ''}: " + (", ".join(parts) or "none")
    if seconds is not None:
        tail += f" in {seconds:.2f} s"
    for w in warnings or []:
        lines.append(f"warning: {w}")
    lines.append(tail)
    return "\n".join(lines)


def as_json(results: list[Result]) -> str:
    return json.dumps({"results": [r.as_dict() for r in results], "summary": summary(results)},
                      ensure_ascii=False, indent=2)


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github(results: list[Result], *, strict: bool = False) -> str:
    """Workflow commands: ``::error`` for refuted and unreadable relations, ``::warning`` for
    unknown ones (an error with --strict)."""
    out = []
    for r in results:
        if r.verdict in ("refuted", "error"):
            level = "error"
        elif r.verdict == "unknown":
            level = "error" if strict else "warning"
        else:
            continue
        msg = f"{r.verdict}: {r.relation}"
        if r.reason:
            msg += f"\n{r.reason}"
        if r.counterexample:
            msg += "\n" + _counterexample_line(r.counterexample)
        props = f"file={_escape_property(r.file)},line={r.line}"
        if r.column:
            props += f",col={r.column}"
        props += f",title={_escape_property('derivator ' + r.verdict)}"
        out.append(f"::{level} {props}::{_escape_data(msg)}")
    s = summary(results)
    out.append(f"derivator: {len(results)} relations, " + ", ".join(f"{n} {k}" for k, n in s.items() if n))
    return "\n".join(out)


def junit(results: list[Result], *, strict: bool = False, seconds: float = 0.0) -> str:
    """JUnit XML: one test case per relation; refuted → failure, error → error, skipped →
    skipped, unknown → skipped (a failure with --strict)."""
    suites = ET.Element("testsuites", name="derivator check")
    by_file: dict[str, list[Result]] = {}
    for r in results:
        by_file.setdefault(r.file, []).append(r)
    for name, rs in by_file.items():
        failures = sum(r.verdict == "refuted" or (strict and r.verdict == "unknown") for r in rs)
        errors = sum(r.verdict == "error" for r in rs)
        skipped = sum(r.verdict == "skipped" or (not strict and r.verdict == "unknown") for r in rs)
        suite = ET.SubElement(suites, "testsuite", name=name, tests=str(len(rs)), failures=str(failures),
                              errors=str(errors), skipped=str(skipped),
                              time=f"{sum(r.seconds for r in rs):.3f}")
        for r in rs:
            case = ET.SubElement(suite, "testcase", classname=name, name=f"line {r.line} step {r.step}: {r.relation}",
                                 time=f"{r.seconds:.3f}")
            detail = "\n".join(x for x in [r.method, r.reason,
                                           _counterexample_line(r.counterexample) if r.counterexample else ""] if x)
            if r.verdict == "refuted" or (strict and r.verdict == "unknown"):
                el = ET.SubElement(case, "failure", message=r.reason or r.verdict, type=r.verdict)
                el.text = detail
            elif r.verdict == "error":
                el = ET.SubElement(case, "error", message=r.reason, type="error")
                el.text = detail
            elif r.verdict in ("skipped", "unknown"):
                ET.SubElement(case, "skipped", message=r.reason or r.verdict)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")
