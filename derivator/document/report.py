"""How ``derivator check`` reports: text for people; JSON (docs/check-result.schema.json), JSON
Lines, SARIF 2.1.0 (code scanning), GitHub annotations and JUnit XML for tools; ``statistics``
counts verdicts and reasons, as ``ruff --statistics`` does.

The JSON shape (docs/check-result.schema.json), the verdict words and the line/step numbering are
the contract of docs/check-output.md.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import urllib.parse
from collections import Counter
from typing import Any

from .. import __version__
from ..engine import Outcome
from ..engine.diagnostic import excerpt
from .results import Result, summary

#: the version of the JSON and JSON Lines shapes (docs/check-result.schema.json): a consumer
#: checks it; a change that removes or renames a field raises it
JSON_VERSION = 2

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
    if "unit" in ce:  # decimals judged at the precision they show
        return f"values: left {ce['left']}, right {ce['right']}"
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
    strict: bool = False,
    seconds: float | None = None,
    warnings: list[str] | None = None,
) -> str:
    """One line per relation (``file:line.step  mark verdict  relation``), reasons and
    counterexamples indented below, a summary line last.  ``quiet`` shows only what fails:
    refuted and unreadable relations, and unknown ones with ``strict``."""

    def paint(verdict: Outcome, s: str) -> str:
        return f"\x1b[{verdict.color}m{s}\x1b[0m" if color else s

    lines: list[str] = []
    for r in results:
        if quiet and r.verdict in (
            "proved",
            "defined",
            "skipped",
            *(() if strict else ("unknown",)),
        ):
            continue
        at = r.at if r.verdict == "error" and r.at else None
        where = _visible_all(r.location())
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


def own_reason(r: Result) -> str:
    """The reason without the hints it repeats (the engine joins its hints into the reason; the
    JSON gives them apart, in ``hints``)."""
    reason = r.reason
    for h in r.hints:
        reason = reason.replace(h, "\0")
    parts = [p.strip() for p in reason.split(";")]
    return "; ".join(p for p in parts if p and p != "\0")


def result_json(r: Result) -> dict[str, Any]:
    """One result as docs/check-result.schema.json describes it."""
    return {
        "file": r.file,
        "line": r.line,
        "cell": r.cell,
        "column": r.column,
        "step": r.step,
        "relation": r.relation,
        "read": r.display or None,
        "verdict": r.verdict,
        "method": r.method,
        "reason": own_reason(r),
        "hints": list(r.hints),
        "counterexample": r.counterexample,
        "position": {"line": r.at[0], "column": r.at[1]} if r.at else None,
        "seconds": round(r.seconds, 3),
        "cached": r.cached,
        "defines": r.defines or None,
        "uses": list(r.uses),
    }


def _dumps(data: Any, indent: int | None) -> str:
    """json.dumps escapes C0 controls; DEL, C1 controls (a terminal reads U+009B as ESC [), lone
    surrogates and the line separators U+2028/9 are escaped here too, losslessly."""
    text = json.dumps(data, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def as_json(
    results: list[Result], *, warnings: list[str] | None = None, seconds: float | None = None
) -> str:
    """The whole run as one JSON document (docs/check-result.schema.json)."""
    return _dumps(
        {
            "version": JSON_VERSION,
            "tool": {"name": "derivator", "version": __version__},
            "results": [result_json(r) for r in results],
            "summary": summary(results),
            "warnings": list(warnings or []),
            "seconds": round(seconds or 0.0, 3),
        },
        2,
    )


def json_lines(results: list[Result]) -> str:
    """One result per line (the objects of :func:`as_json`'s ``results``), for streaming tools."""
    return "\n".join(_dumps(result_json(r), None) for r in results)


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


#: what each reported verdict means, as SARIF rules (proved and skipped relations are not reported)
RULES = {
    "refuted": (
        "RefutedRelation",
        "A relation that is false: a counterexample shows it",
        "derivator found sizes, indices and inputs where the two sides differ; the counterexample "
        "gives them, so the refutation can be checked by hand.",
    ),
    "error": (
        "UnreadableRelation",
        "A relation or file that could not be read or judged",
        "The text could not be read as the notation (or a file could not be read at all); the "
        "message says where and why.",
    ),
    "unknown": (
        "UndecidedRelation",
        "A relation that was neither proved nor refuted",
        "derivator found no proof and no counterexample (or ran out of time or memory): the "
        "relation may be true; evidence is in the message.  An error with --strict.",
    ),
}


def _uri(name: str) -> str:
    """A file's name as a SARIF URI: relative to the working folder when it is inside it (GitHub
    resolves it against the repository), percent-encoded, with forward slashes."""
    path = name
    if os.path.isabs(path):
        try:
            rel = os.path.relpath(path)
            if not rel.startswith(".."):
                path = rel
        except ValueError:
            pass
    path = path.replace(os.sep, "/")
    if path.startswith("./"):
        path = path[2:]
    if os.path.isabs(name) and path == name.replace(os.sep, "/"):
        return "file://" + urllib.parse.quote(path)
    return urllib.parse.quote(path)


def _message(r: Result) -> str:
    parts = [f"{r.verdict}: {r.display or r.relation}" if (r.display or r.relation) else r.verdict]
    parts += [x for x in [own_reason(r), *r.hints] if x]
    if r.method and r.verdict != "error":
        parts.append(f"({r.method})")
    if r.counterexample:
        parts.append(_counterexample_line(r.counterexample))
    return visible("\n".join(parts))


def sarif(
    results: list[Result],
    *,
    strict: bool = False,
    warnings: list[str] | None = None,
    root: str | None = None,
) -> str:
    """SARIF 2.1.0 for GitHub code scanning: one result per relation that is refuted, unreadable
    or unknown (a warning; an error with --strict), at the line and column of the problem, with
    a fingerprint of the relation so that an alert follows it when lines move."""
    rule_ids = list(RULES)
    out = []
    for r in results:
        if r.verdict not in RULES:
            continue
        level = "error" if r.verdict != "unknown" or strict else "warning"
        line, column = r.at if r.at else (r.line, r.column)
        region: dict[str, Any] = {"startLine": max(1, line)}
        if column:
            region["startColumn"] = max(1, column)
        fingerprint = hashlib.sha256(
            f"{r.file}\0{r.verdict}\0{r.relation}".encode("utf-8", "surrogatepass")
        ).hexdigest()
        entry: dict[str, Any] = {
            "ruleId": r.verdict,
            "ruleIndex": rule_ids.index(r.verdict),
            "level": level,
            "message": {"text": _message(r)},
            "locations": [
                {
                    "physicalLocation": {
                        "artifactLocation": {"uri": _uri(r.file), "uriBaseId": "%SRCROOT%"},
                        "region": region,
                    }
                }
            ],
            "partialFingerprints": {"derivatorRelation/v1": fingerprint},
            "properties": {"step": r.step, "relation": visible(r.relation)},
        }
        if r.counterexample:
            entry["properties"]["counterexample"] = r.counterexample
        out.append(entry)
    rules = [
        {
            "id": key,
            "name": name,
            "shortDescription": {"text": short},
            "fullDescription": {"text": full},
            "defaultConfiguration": {"level": "warning" if key == "unknown" else "error"},
            "help": {"text": full},
        }
        for key, (name, short, full) in RULES.items()
    ]
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "derivator",
                "version": __version__,
                "semanticVersion": __version__,
                "rules": rules,
            }
        },
        "columnKind": "unicodeCodePoints",
        "results": out,
        "invocations": [
            {
                "executionSuccessful": True,
                "toolExecutionNotifications": [
                    {"level": "warning", "message": {"text": visible(w)}} for w in warnings or []
                ],
            }
        ],
    }
    if root:
        base = urllib.parse.quote(root.replace(os.sep, "/").rstrip("/") + "/")
        run["originalUriBaseIds"] = {"%SRCROOT%": {"uri": "file://" + base}}
    return _dumps(
        {
            "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
            "version": "2.1.0",
            "runs": [run],
        },
        2,
    )


_INDEX_WORDS = re.compile(r"\b[A-Za-z](?=\s+(?:is free|stands for)\b)|(?<=\bover )[A-Za-z]\b")
_SIZES = re.compile(r"\b(n(?:_\([^)]*\))?)\s*=\s*\d+")


def _kind(r: Result) -> list[str]:
    """The reasons of one result, with what is particular to it (index letters, sizes, the line
    and column of a reading error) left out, so that results of one kind count together."""
    if r.verdict == "proved":
        texts = [r.method]
    else:
        texts = r.hints or [own_reason(r) or r.method or r.verdict]
    out = []
    for t in texts:
        t = re.sub(r"^line \d+, column \d+: ", "", t)
        t = _INDEX_WORDS.sub("‹index›", t)
        t = _SIZES.sub(lambda m: f"{m.group(1)}=…", t)
        t = re.sub(
            r"\b(?:layer [Ll](?:[-+]\d+)?)(?: and for layer [Ll](?:[-+]\d+)?)", "two layers", t
        )
        out.append(t)
    return out


def statistics(results: list[Result], *, as_json: bool = False) -> str:
    """How many results have each verdict, and each reason (``--statistics``): a line per kind,
    most frequent first, as ``ruff --statistics`` prints."""
    verdicts = summary(results)
    reasons: Counter[tuple[str, str]] = Counter()
    for r in results:
        for k in dict.fromkeys(_kind(r)):
            reasons[r.verdict, k] += 1
    order = {v: n for n, v in enumerate(verdicts)}
    rows = sorted(reasons.items(), key=lambda kv: (order[kv[0][0]], -kv[1], kv[0][1]))
    if as_json:
        return _dumps(
            {
                "verdicts": verdicts,
                "reasons": [{"verdict": v, "reason": k, "count": n} for (v, k), n in rows],
            },
            2,
        )
    width = len(str(max([len(results), 1])))
    lines = [f"{n:>{width}}  {v}" for v, n in verdicts.items() if n]
    if rows:
        lines.append("")
    lines += [f"{n:>{width}}  {v:<8} {_visible_all(k)}" for (v, k), n in rows]
    return "\n".join(lines)


def junit(results: list[Result], *, strict: bool = False, seconds: float = 0.0) -> str:
    """JUnit XML: one test case per relation; refuted → failure, error → error, skipped →
    skipped, unknown → skipped (a failure with --strict)."""
    import xml.etree.ElementTree as ET

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
