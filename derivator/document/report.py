"""How ``derivator check`` reports: text for people, JSON for tools, GitHub annotations, JUnit XML.

The JSON shape, the verdict words and the line/step numbering are the contract of
docs/check-output.md.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from typing import Any

from ..engine import Outcome
from ..engine.diagnostic import excerpt
from .check import Result, summary

#: characters a terminal, an XML parser or a CI log must never receive raw: C0 and C1 controls
#: (ESC starts sequences that set the clipboard or the window title), DEL, and the lone
#: surrogates that stand for undecodable bytes in file names
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def _escape(c: str) -> str:
    o = ord(c)
    if 0xDC80 <= o <= 0xDCFF:  # a byte of a file name that is not UTF-8 (surrogateescape)
        return f"\\x{o - 0xDC00:02x}"
    return f"\\x{o:02x}" if o <= 0xFF else f"\\u{o:04x}"


def visible(s: str) -> str:
    """``s`` with every control character written as ``\\xNN`` (line breaks and tabs kept)."""
    return _CONTROL.sub(lambda m: _escape(m.group()), s)


def _visible_all(s: str) -> str:
    """Like :func:`visible`, and line breaks and tabs too (for one-line fields)."""
    return visible(s).replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def _counterexample_line(ce: dict[str, Any]) -> str:
    idx = ", ".join(f"{k}={v}" for k, v in ce.get("indices", {}).items())
    var = ", ".join(f"{k}={v}" for k, v in ce.get("variables", {}).items())
    sizes = ", ".join(
        f"{'n' if k == 'n' else 'n_(' + k + ')'}={v}" for k, v in ce.get("sizes", {}).items()
    )
    where = "; ".join(x for x in (idx, var) if x)
    return f"counterexample: {where or 'no free index'} at {sizes}: left {ce['left']}, right {ce['right']}"


def text(
    results: list[Result],
    *,
    color: bool = False,
    quiet: bool = False,
    seconds: float | None = None,
    warnings: list[str] | None = None,
) -> str:
    """One line per relation (``file:line.step  mark verdict  relation``), reasons and
    counterexamples indented below, a summary line last."""

    def paint(verdict: Outcome, s: str) -> str:
        return f"\x1b[{verdict.color}m{s}\x1b[0m" if color else s

    lines: list[str] = []
    for r in results:
        if quiet and r.verdict in ("proved", "skipped"):
            continue
        at = r.at if r.verdict == "error" and r.at else None
        where = (
            f"{_visible_all(r.file)}:{at[0]}:{at[1]}" if at else f"{_visible_all(r.file)}:{r.line}"
        )
        where += f" #{r.step}" if r.step else ""
        head = (
            f"{where:<18} {paint(r.verdict, r.verdict.mark + ' ' + r.verdict):<10}  "
            f"{_visible_all(r.display or r.relation)}"
        )
        lines.append(head)
        pad = " " * 19
        details = [r.method] if r.method and r.verdict in ("proved", "unknown") else []
        details += list(r.hints or ([r.reason] if r.reason else []))
        for d in details:
            lines.append(pad + _visible_all(d))
        if at and r.source_line:
            shown = excerpt(visible(r.source_line), at[0], at[1])
            lines += [pad + x for x in shown.split("\n")]
        if r.counterexample:
            lines.append(pad + visible(_counterexample_line(r.counterexample)))
    s = summary(results)
    parts = [f"{n} {k}" for k, n in s.items() if n]
    tail = f"{len(results)} relation{'s' if len(results) != 1 else ''}: " + (
        ", ".join(parts) or "none"
    )
    if seconds is not None:
        tail += f" in {seconds:.2f} s"
    for w in warnings or []:
        lines.append(f"warning: {_visible_all(w)}")
    lines.append(tail)
    return "\n".join(lines)


_JSON_UNSAFE = re.compile("[\x7f-\x9f\ud800-\udfff\u2028\u2029]")


def as_json(results: list[Result]) -> str:
    """notation.md's JSON.  json.dumps escapes C0 controls; DEL, C1 controls (a terminal reads
    U+009B as ESC [) and lone surrogates are escaped here too, losslessly."""
    text = json.dumps(
        {"results": [r.as_dict() for r in results], "summary": summary(results)},
        ensure_ascii=False,
        indent=2,
    )
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _escape_data(s: str) -> str:
    return visible(s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def github(
    results: list[Result], *, strict: bool = False, warnings: list[str] | None = None
) -> str:
    """Workflow commands: ``::error`` for refuted and unreadable relations (at the line and
    column of the error itself when it is known), ``::warning`` for unknown ones (an error with
    --strict) and for the run's warnings."""
    out = [f"::warning title=derivator::{_escape_data(w)}" for w in warnings or []]
    for r in results:
        if r.verdict in ("refuted", "error"):
            level = "error"
        elif r.verdict == "unknown":
            level = "error" if strict else "warning"
        else:
            continue
        msg = r.verdict + (f": {r.relation}" if r.relation else "")
        if r.reason:
            msg += f"\n{r.reason}"
        if r.counterexample:
            msg += "\n" + _counterexample_line(r.counterexample)
        line, column = r.at if r.verdict == "error" and r.at else (r.line, r.column)
        props = f"file={_escape_property(r.file)},line={line}"
        if column:
            props += f",col={column}"
        props += f",title={_escape_property('derivator ' + r.verdict)}"
        out.append(f"::{level} {props}::{_escape_data(msg)}")
    s = summary(results)
    out.append(
        f"derivator: {len(results)} relations, " + ", ".join(f"{n} {k}" for k, n in s.items() if n)
    )
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
        suite = ET.SubElement(
            suites,
            "testsuite",
            name=name,
            tests=str(len(rs)),
            failures=str(failures),
            errors=str(errors),
            skipped=str(skipped),
            time=f"{sum(r.seconds for r in rs):.3f}",
        )
        for r in rs:
            case = ET.SubElement(
                suite,
                "testcase",
                classname=name,
                name=f"line {r.line} step {r.step}: {r.relation}",
                time=f"{r.seconds:.3f}",
            )
            detail = "\n".join(
                x
                for x in [
                    r.method,
                    r.reason,
                    _counterexample_line(r.counterexample) if r.counterexample else "",
                ]
                if x
            )
            if r.verdict == "refuted" or (strict and r.verdict == "unknown"):
                el = ET.SubElement(case, "failure", message=r.reason or r.verdict, type=r.verdict)
                el.text = detail
            elif r.verdict == "error":
                el = ET.SubElement(case, "error", message=r.reason, type="error")
                el.text = detail
            elif r.verdict in ("skipped", "unknown"):
                ET.SubElement(case, "skipped", message=r.reason or r.verdict)
    ET.indent(suites)
    # XML 1.0 cannot hold control characters at all, not even escaped: write them visibly
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + visible(
        ET.tostring(suites, encoding="unicode")
    )
