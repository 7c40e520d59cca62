"""Check every relation of a Markdown or LaTeX file: blocks → relations → verdicts.

One Result per relation step, in reading order, with the line of its block and its step number
(notation.md).  A file that cannot be read at one place still has all its other relations checked;
proofs of relations that repeat are reused within a run.
"""

from __future__ import annotations

import multiprocessing
import re
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable

import sympy as sp

from ..engine import ACTIVATIONS, LOSSES, TARGETS, NotationError, Partial, proof, render
from . import blocks as B
from . import conventions as CV
from . import interpret as I
from . import parse as P
from .inference import infer

DIRECTIVE_KEYS = {
    "activation": tuple(ACTIVATIONS),
    "loss": tuple(k for k in LOSSES if k != "upstream"),
    "network": ("general", "single"),
    "targets": TARGETS,
    "skip": ("next", "on", "off"),
}
SUFFIXES = {".md": "md", ".markdown": "md", ".tex": "tex", ".ltx": "tex"}


@dataclass
class Result:
    """One relation (or one problem) of a file, as notation.md's JSON shows it."""

    file: str
    line: int
    step: int
    relation: str
    verdict: str
    method: str = ""
    reason: str = ""
    counterexample: dict[str, Any] | None = None
    column: int | None = None
    seconds: float = 0.0
    hints: list[str] = field(default_factory=list)
    #: the relation as derivator read it, in the notation's Unicode (empty when it was not read)
    display: str = ""
    #: where a reading error is (line, column), which may be below the block's first line
    at: tuple[int, int] | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "step": self.step, "relation": self.relation,
                "verdict": self.verdict, "method": self.method, "reason": self.reason,
                "counterexample": self.counterexample}


@dataclass
class Run:
    """Options and caches shared by every file of one ``derivator check``."""

    defaults: I.Settings = field(default_factory=I.Settings)
    timeout: float = 10.0
    #: processes that decide blocks in parallel (1: in this process)
    jobs: int = 1
    cache: dict[tuple[Any, ...], proof.Verdict] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    #: what was inferred about each file's notation, and from which line (``check --explain``)
    explanations: list[str] = field(default_factory=list)


class FileError(Exception):
    """A file that cannot be read at all (missing, not UTF-8): exit status 2."""


def kind_of(name: str, text: str) -> str:
    suffix = Path(name).suffix.lower()
    if suffix in SUFFIXES:
        return SUFFIXES[suffix]
    return "tex" if re.search(r"\\begin\{document\}|\\documentclass", text) else "md"


def read(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise FileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise FileError(f"{path}: is a directory") from None
    except OSError as e:
        raise FileError(f"{path}: cannot be read ({e.strerror})") from None
    return decode(str(path), data)


def decode(name: str, data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        raise FileError(f"{name}:{line}: not UTF-8 (byte 0x{data[e.start]:02x} at offset {e.start}); "
                        "save the file as UTF-8") from None


# ---------------------------------------------------------------------------------------------


def parse_directive(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split():
        if "=" not in part:
            raise ValueError(f"directive {part!r}: write key=value")
        key, value = part.split("=", 1)
        if key in CV.KEYS:
            try:
                CV.update(CV.Conventions(), {key: value})
            except ValueError as e:
                raise ValueError(f"directive {key}={value}: {e}") from None
            out[key] = value
            continue
        if key not in DIRECTIVE_KEYS:
            raise ValueError(f"unknown directive key {key!r} (known: {', '.join((*DIRECTIVE_KEYS, *CV.KEYS))})")
        if value not in DIRECTIVE_KEYS[key]:
            raise ValueError(f"unknown value {value!r} for {key} (choose {', '.join(DIRECTIVE_KEYS[key])})")
        out[key] = value
    if not out:
        raise ValueError("an empty directive")
    return out


_RELATION_HINT = re.compile(r"=|\\leftarrow|\\gets|:=|\\coloneqq|←")


def check_text(name: str, text: str, run: Run, kind: str | None = None) -> list[Result]:
    """All results of one file's text."""
    src = B.Source(name, text)
    items = B.scan(src, kind or kind_of(name, text))
    inferred, findings = infer([(x.line, x.text) for x in items if isinstance(x, B.Block)])
    run.explanations += [f.text(name) for f in findings] or [f"{name}: nothing inferred (the notation's own letters)"]
    stated, stated_keys = CV.Conventions(), set[str]()
    settings = replace(run.defaults, conventions=inferred)
    previous: B.Block | None = None
    lead: P.Lead | None = None
    skip_on, skip_next = False, False
    conventions: set[str] = set()
    # results in reading order; a block's slot is filled when it has been decided (maybe elsewhere)
    out: list[Result | tuple[B.Block, I.Settings, bool, P.Lead | None]] = []
    for item in items:
        if isinstance(item, B.Problem):
            out.append(Result(name, item.line, 0, "", "error", reason=item.message, column=item.column,
                              at=(item.line, item.column)))
            continue
        if isinstance(item, B.Directive):
            try:
                d = parse_directive(item.text)
            except ValueError as e:
                out.append(Result(name, item.line, 0, f"derivator: {item.text}", "error", reason=str(e),
                                  column=item.column, at=(item.line, item.column)))
                continue
            stated, stated_keys = CV.update(stated, d), stated_keys | (set(d) & set(CV.KEYS))
            run.explanations += [f"{name}:{item.line}: {k}={v} (directive)" for k, v in d.items() if k in CV.KEYS]
            settings = I.Settings(d.get("activation", settings.activation), d.get("loss", settings.loss),
                                  d.get("network", settings.network), d.get("targets", settings.targets),
                                  CV.merge(inferred, stated, stated_keys))
            skip = d.get("skip")
            if skip == "next":
                skip_next = True
            elif skip is not None:
                skip_on = skip == "on"
            continue
        if not item.text.strip():
            run.warnings.append(f"{name}:{item.line}:{item.column}: an empty math block")
            continue
        if not _RELATION_HINT.search(item.text):
            continue
        lead = P.lead(previous.text, item.text, settings.conventions.reading, lead) if previous else None
        out.append((item, settings, skip_on or skip_next, lead))
        skip_next = False
        previous = item
    tasks = [x for x in out if isinstance(x, tuple)]
    decided = iter(_decide_blocks(name, src, tasks, run))
    results: list[Result] = []
    for x in out:
        if isinstance(x, Result):
            results.append(x)
        else:
            block_results, used = next(decided)
            results += block_results
            conventions |= used
    if len(conventions) > 1:
        run.warnings.append(f"{name}: sums use both 0-based and 1-based bounds (both are read as over all "
                            "of the range)")
    return results


#: state a forked worker reads (set just before the pool starts, inherited by fork)
_WORK: tuple[str, B.Source, Run] | None = None


def _work(task: tuple[B.Block, I.Settings, bool, P.Lead | None]) -> tuple[list[Result], set[str]]:
    assert _WORK is not None
    name, src, run = _WORK
    used: set[str] = set()
    block, settings, skipping, lead = task
    return check_block(name, src, block, settings, run, skipping, used, lead), used


def _decide_blocks(name: str, src: B.Source, tasks: list[tuple[B.Block, I.Settings, bool, P.Lead | None]],
                   run: Run) -> list[tuple[list[Result], set[str]]]:
    """Decide every block, on ``run.jobs`` processes when there is enough work to share.

    Proofs are independent and the machine has several cores; forked workers inherit the
    imported modules, so starting them costs milliseconds."""
    global _WORK
    _WORK = (name, src, run)
    jobs = min(run.jobs, len(tasks) // 8)
    if jobs > 1 and "fork" in multiprocessing.get_all_start_methods():
        try:
            with multiprocessing.get_context("fork").Pool(jobs) as pool:
                return pool.map(_work, tasks, chunksize=1)
        except (OSError, multiprocessing.ProcessError):
            pass  # no processes to be had: decide here
    return [_work(t) for t in tasks]


def _position(src: B.Source, block: B.Block, pos: int) -> tuple[int, int]:
    return src.position(block.offset + pos)


def check_block(name: str, src: B.Source, block: B.Block, settings: I.Settings, run: Run, skipping: bool,
                conventions: set[str], lead: P.Lead | None = None) -> list[Result]:
    if not block.text.strip():
        return []
    try:
        chains = P.parse(block.text, settings.conventions.reading, lead.node if lead else None)
    except P.ReadError as e:
        ln, col = _position(src, block, e.pos)
        if skipping:
            return [Result(name, block.line, 0, _short(block.text), "skipped", reason="skip directive")]
        return [Result(name, block.line, 0, _short(block.text), "error", reason=f"line {ln}, column {col}: {e}",
                       column=col, at=(ln, col))]
    except RecursionError:
        return [Result(name, block.line, 0, _short(block.text), "error", reason="nested too deeply to read",
                       column=block.column)]
    out: list[Result] = []
    step = 0
    for chain in chains:
        for k, op in enumerate(chain.ops):
            if op not in P.CHECKED_OPS:
                continue
            left = lead.text if chain.starts[k] < 0 and lead else block.text[chain.starts[k]:chain.ends[k]].strip()
            text = left + f" {'=' if op == '=' else op} " + block.text[chain.starts[k + 1]:chain.ends[k + 1]].strip()
            r = Result(name, block.line, step, _short(text), "unknown")
            step += 1
            out.append(r)
            if skipping:
                r.verdict, r.reason = "skipped", "skip directive"
                continue
            t0 = time.perf_counter()
            try:
                decide(r, chain, k, op, settings, run, conventions, src, block)
            except Exception as e:  # noqa: BLE001 — one relation must never stop the run
                r.verdict, r.method = "error", ""
                r.reason = f"derivator could not decide this relation ({type(e).__name__}: {e})"
            r.seconds = time.perf_counter() - t0
    return out


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def decide(r: Result, chain: P.Chain, k: int, op: str, settings: I.Settings, run: Run,
           conventions: set[str], src: B.Source, block: B.Block) -> None:
    try:
        lhs_node, rhs_node, first = CV.read_relation(chain.exprs[k], chain.exprs[k + 1], chain.exprs[0],
                                                     settings.conventions, settings.network)
        if I.is_update_rule(op, lhs_node, rhs_node):
            r.verdict, r.reason = "skipped", "update rule"
            return
        I.uncheckable(lhs_node)
        I.uncheckable(rhs_node)
        net = I.choose_network(settings, [lhs_node, rhs_node, first])
        conv = I.Converter(net, settings)
        conv.implicit = I.implicit_sample([lhs_node, rhs_node])
        if isinstance(first, P.Partial):
            try:
                v = conv.convert(first)
                if isinstance(v, sp.Expr) and hasattr(v, "den"):
                    conv.chain_variable = v.den  # type: ignore[attr-defined]
            except (I.Unreadable, I.NeedsMatrix):
                pass
        try:
            lhs, rhs = conv.convert(lhs_node), conv.convert(rhs_node)
            conv.check_letters(lhs, rhs)
            r.display = f"{render.to_unicode(lhs)} = {render.to_unicode(rhs)}"
        except I.NeedsMatrix as e:
            if not (I.has_matrix(lhs_node) and I.has_matrix(rhs_node)):
                raise I.Unreadable("a matrix (∇W, W, A, Δ …) is equated with a number: in a general network "
                                   "that is only true with one neuron per layer (directive network=single)",
                                   e.pos) from None
            mc = I.MatrixConverter(net)
            rr, cc = sp.Symbol("r", integer=True), sp.Symbol("c", integer=True)
            lhs, rhs = mc.side(lhs_node, rr, cc), mc.side(rhs_node, rr, cc)
        conventions |= conv.conventions
    except I.Uncheckable as e:
        r.verdict, r.reason = e.verdict, str(e)
        return
    except (I.Unreadable, P.ReadError) as e:
        ln, col = _position(src, block, e.pos)
        r.verdict, r.reason, r.column, r.at = "error", f"line {ln}, column {col}: {e}", col, (ln, col)
        return
    except (NotationError, ValueError, TypeError) as e:
        r.verdict, r.reason = "error", str(e)
        return
    # the same text in the same context means the same relation: reuse its proof
    if _about_indices(lhs, rhs):
        r.verdict, r.reason = "skipped", "a statement about indices or sizes, not an identity between quantities"
        return
    key = (net, settings, str(conv.implicit), str(conv.chain_variable), r.relation, run.timeout)
    v = run.cache.get(key)
    if v is None:
        v = proof.prove(lhs, rhs, net, timeout=run.timeout)
        run.cache[key] = v
    r.verdict, r.method, r.counterexample = v.verdict, v.method, v.counterexample
    notes = list(dict.fromkeys(conv.notes))
    r.hints = notes + v.hints
    r.reason = "; ".join(x for x in [v.reason] + notes if x)


def _about_indices(lhs: sp.Expr, rhs: sp.Expr) -> bool:
    """``j' = j``, ``k = 0`` and ``n_{(L-1)} = 4`` only name indices and sizes (integer symbols):
    they state where a formula applies, not an identity.  Everything else is a claim: a quantity,
    a function, a sum, a partial, the loss L, η, or plain numbers (1 = 2 is false, not skipped)."""
    symbols = lhs.free_symbols | rhs.free_symbols
    if not symbols:
        return False
    for e in (lhs, rhs):
        if e.atoms(sp.Indexed) or e.has(sp.Function) or e.has(sp.Sum) or e.atoms(Partial):
            return False
    return all(s.assumptions0.get("integer") for s in symbols)


def expand_paths(paths: Iterable[str]) -> list[str]:
    """Files as given; directories recursively (``*.md`` and ``*.tex``), in sorted order."""
    out: list[str] = []
    for p in paths:
        path = Path(p)
        if p != "-" and path.is_dir():
            out += sorted(str(f) for f in path.rglob("*") if f.suffix.lower() in SUFFIXES and f.is_file())
        else:
            out.append(p)
    return out


def summary(results: list[Result]) -> dict[str, int]:
    s = {v: 0 for v in proof.VERDICTS}
    for r in results:
        s[r.verdict] += 1
    return s
