"""What ``check`` says about a file: one Result per relation (or problem), the outcome of a run,
and the signal that ends a run early.  Nothing here needs the engine, so that results read back
from the cache are printed without importing SymPy.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..engine.names import VERDICTS
from ..engine.outcome import Outcome
from .files import FileError


@dataclass
class Result:
    """One relation (or one problem) of a file, as notation.md's JSON shows it."""

    file: str
    line: int
    step: int
    relation: str
    verdict: Outcome
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
    #: the whole file could not be read (exit status 2, not 1)
    unreadable: bool = False
    #: the verdict was read from the persistent cache (``.derivator_cache``), not proved anew
    cached: bool = False
    #: the file's line at ``at``, for the report's excerpt with a caret (not part of the JSON)
    source_line: str = ""
    #: in a notebook, the cell (counted from 1) that ``line`` and ``at`` count lines in
    cell: int | None = None
    #: the name this relation defines, when it is a definition (``definitions``; "" for a claim)
    defines: str = ""
    #: the names it uses (a claim that uses a name whose definition could not be built is not
    #: judged in a default model)
    uses: list[str] = field(default_factory=list)
    #: what the independent audit of a proof found (engine/audit.py); empty when none ran here
    audit: str = ""

    def __post_init__(self) -> None:
        self.verdict = Outcome.of(self.verdict)  # a word read back from JSON or a cache, too

    def location(self) -> str:
        """Where a reader finds it: ``file:line`` (``file:cell 3:line`` in a notebook), and
        ``:column`` of a reading error's exact place."""
        line, column = self.at if self.verdict == Outcome.ERROR and self.at else (self.line, None)
        where = f"{self.file}:cell {self.cell}:{line}" if self.cell else f"{self.file}:{line}"
        return f"{where}:{column}" if column else where

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "step": self.step,
            "relation": self.relation,
            "verdict": self.verdict,
            "method": self.method,
            # tools read where an error is from its reason, as they always have
            "reason": (
                f"line {self.at[0]}, column {self.at[1]}: {self.reason}"
                if self.at is not None and self.verdict == Outcome.ERROR and not self.unreadable
                else self.reason
            ),
            "counterexample": self.counterexample,
        }


class Stop(BaseException):
    """Raised (by a signal handler) to end a run early; ``signum`` is the signal."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@dataclass
class FileOutcome:
    """One file's results, and what the run said about it: its warnings and ``--explain`` lines.
    ``complete`` is False for a file whose run was stopped before every block was decided."""

    name: str
    results: list[Result]
    warnings: list[str] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)
    complete: bool = True


@dataclass
class Checked:
    """The outcome of :func:`check_files`: results in the order of the files and of their text;
    ``stopped`` is the signal that ended the run early (then only what was decided is there).
    ``files`` holds the same results file by file, with each file's warnings."""

    results: list[Result]
    stopped: int | None = None
    files: list[FileOutcome] = field(default_factory=list)

    @property
    def warnings(self) -> list[str]:
        return [w for f in self.files for w in f.warnings]

    @property
    def explanations(self) -> list[str]:
        return [e for f in self.files for e in f.explanations]

    @property
    def unreadable(self) -> bool:
        return any(r.unreadable for r in self.results)


def summary(results: list[Result]) -> dict[str, int]:
    s: dict[str, int] = dict.fromkeys(VERDICTS, 0)
    for r in results:
        s[r.verdict] += 1
    return s


def unreadable(name: str, e: FileError) -> Result:
    """The one result of a file that could not be read at all."""
    return Result(
        name,
        e.line or 1,
        0,
        "",
        Outcome.ERROR,
        reason=e.reason,
        unreadable=True,
        at=(e.line, 1) if e.line else None,
        display="(the file was not read)",
    )


def record(r: Result) -> dict[str, Any]:
    """Every field of a result as JSON data (what the cache stores)."""
    return {
        "file": r.file,
        "line": r.line,
        "step": r.step,
        "relation": r.relation,
        "verdict": r.verdict,
        "method": r.method,
        "reason": r.reason,
        "counterexample": r.counterexample,
        "column": r.column,
        "seconds": r.seconds,
        "hints": list(r.hints),
        "display": r.display,
        "at": list(r.at) if r.at else None,
        "source_line": r.source_line,
        "cell": r.cell,
        "defines": r.defines,
        "uses": list(r.uses),
    }


def _is_int(x: Any) -> bool:
    return type(x) is int


def from_record(d: Any) -> Result:
    """A result from :func:`record`'s data; ValueError for anything else (a cache file is data
    from disk: its shape is checked, never trusted)."""
    if not isinstance(d, dict) or set(d) != set(record(Result("", 1, 0, "", Outcome.ERROR))):
        raise ValueError("not a result record")
    texts = ("file", "relation", "verdict", "method", "reason", "display", "source_line", "defines")
    if not all(isinstance(d[k], str) for k in texts) or d["verdict"] not in VERDICTS:
        raise ValueError("not a result record")
    if not (
        _is_int(d["line"]) and _is_int(d["step"]) and (d["column"] is None or _is_int(d["column"]))
    ):
        raise ValueError("not a result record")
    if not (isinstance(d["hints"], list) and all(isinstance(h, str) for h in d["hints"])):
        raise ValueError("not a result record")
    if not (d["counterexample"] is None or isinstance(d["counterexample"], dict)):
        raise ValueError("not a result record")
    at = d["at"]
    if at is not None and not (isinstance(at, list) and len(at) == 2 and all(map(_is_int, at))):
        raise ValueError("not a result record")
    if isinstance(d["seconds"], bool) or not isinstance(d["seconds"], (int, float)):
        raise ValueError("not a result record")
    if not (d["cell"] is None or _is_int(d["cell"])):
        raise ValueError("not a result record")
    if not (isinstance(d["uses"], list) and all(isinstance(u, str) for u in d["uses"])):
        raise ValueError("not a result record")
    return Result(
        d["file"],
        d["line"],
        d["step"],
        d["relation"],
        d["verdict"],
        d["method"],
        d["reason"],
        d["counterexample"],
        d["column"],
        float(d["seconds"]),
        list(d["hints"]),
        d["display"],
        (at[0], at[1]) if at else None,
        cached=True,
        source_line=d["source_line"],
        cell=d["cell"],
        defines=d["defines"],
        uses=list(d["uses"]),
    )
