"""The persistent cache of ``derivator check`` (``.derivator_cache/``, like ``.ruff_cache``).

Two kinds of entries, each a small JSON file named by the SHA-256 of its key:

* ``files``: every result of one file, keyed by its name, its text and the run's options (the
  network, the directives of the configuration).  An unchanged file is answered from it without
  reading a formula, starting a worker or importing SymPy.
* ``relations``: one relation's verdict, keyed by its two sides as read (SymPy's ``srepr``) and
  the model it is judged in (:func:`model_fingerprint`).  A file that changed is read again,
  and only its changed relations are proved again: their neighbours are found here.

Every key also holds the versions of derivator (its version and a hash of its source, so an
edited checkout never reuses a stale verdict) and of SymPy, through the folder the entries live
in.  A verdict that depends on the time or memory allowed (``timeout``, ``stopped``) is never
stored.  Entries are JSON, never pickles (a cache file is data, not code); one that cannot be
read, is not ours or answers another key is ignored and written anew.  Writes go to a temporary
file in the same folder and are renamed into place (``os.replace``), so concurrent runs and a run
killed mid-write leave whole entries or none; a cache folder that is a symbolic link is not used.

The cache trusts its folder: whoever can write there can write verdicts.  CI that checks
untrusted changes (pull requests from forks) should run with ``--no-cache`` or keep the cache
outside the checkout (``cache-dir``, ``DERIVATOR_CACHE_DIR``).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import stat
from pathlib import Path
from typing import Any

from .. import __version__
from ..system import files

#: the layout of entries; a new layout is a new folder, never a misread entry
FORMAT = 1
MARKER = "derivator-cache"
TAG = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by derivator.\n"
    "# For information about cache directory tags see https://bford.info/cachedir/\n"
)
#: the largest entry read back (bytes); a bigger file is not ours
MAX_ENTRY = 64 * 1024 * 1024
#: methods of verdicts that depend on the limits of the run, not on the relation
UNSTABLE = ("timeout", "stopped")

_SOURCE: str | None = None


def source_fingerprint() -> str:
    """A hash of derivator's own source files (and the SymPy version): the folder name of the
    entries this code may read.  Computed once per process (a few milliseconds)."""
    global _SOURCE
    if _SOURCE is None:
        h = hashlib.sha256()
        package = Path(__file__).resolve().parents[1]
        for path in sorted(package.rglob("*.py")):
            h.update(path.relative_to(package).as_posix().encode() + b"\0")
            with contextlib.suppress(OSError):
                h.update(path.read_bytes())
        h.update(b"\0sympy " + sympy_version().encode())
        _SOURCE = f"{__version__}-{h.hexdigest()[:16]}"
    return _SOURCE


def sympy_version() -> str:
    """SymPy's version, read from its release file without importing it (an import costs most
    of a second; this is for a cache key)."""
    try:
        spec = importlib.util.find_spec("sympy")
        if spec is None or spec.origin is None:
            return "absent"
        text = (Path(spec.origin).parent / "release.py").read_text(encoding="utf-8")
        m = re.search(r"""__version__\s*=\s*["']([^"']+)["']""", text)
        return m.group(1) if m else "unknown"
    except (OSError, ValueError, ImportError):
        return "unknown"


def model_fingerprint(model: Any) -> str:
    """What a relation's verdict depends on besides its two sides: the model it is judged in.

    Today that is the engine's Network (depth, widths, activations, loss, targets, letters,
    the top layer's tag: its frozen dataclass ``repr`` names every field).  A Model built from a
    document's definitions extends this by exposing ``fingerprint()``: a string that changes
    whenever anything the proof may use changes (its definitions, their order, the conventions)."""
    fingerprint = getattr(model, "fingerprint", None)
    if callable(fingerprint):
        return str(fingerprint())
    return repr(model)


class InModel:
    """A network together with what else a relation's verdict is judged with in ``check``: the
    run's settings (directives, conventions in force at the relation's line) and the
    fingerprint of the document's definitions in force there
    (:meth:`derivator.document.definitions.Model.fingerprint`).  Its :meth:`fingerprint` is the
    model part of a relation's key, so a verdict is never reused in a document that defines its
    names differently, even when the relation's text and sides are the same."""

    def __init__(self, net: Any, settings: Any, definitions: str) -> None:
        self.net, self.settings, self.definitions = net, settings, definitions

    def fingerprint(self) -> str:
        return digest("model", repr(self.net), repr(self.settings), self.definitions)


def digest(*parts: Any) -> str:
    """The SHA-256 of the parts as canonical JSON."""
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def sides_text(lhs: Any, rhs: Any) -> tuple[str, str]:
    """Both sides of a relation as text that names the same expression in every process:
    SymPy's ``srepr`` with each Dummy (whose number differs from run to run) written as a symbol
    numbered in order of appearance, with its assumptions.  Only called with SymPy loaded."""
    import sympy as sp

    dummies: dict[Any, Any] = {}
    for side in (lhs, rhs):
        for node in sp.preorder_traversal(side):
            if isinstance(node, sp.Dummy) and node not in dummies:
                dummies[node] = sp.Symbol(f"Dummy#{len(dummies)}:{node.name}", **node.assumptions0)
    if dummies:
        lhs, rhs = lhs.xreplace(dummies), rhs.xreplace(dummies)
    return sp.srepr(lhs), sp.srepr(rhs)


def relation_key(left: str, right: str, model: Any) -> str:
    """The key of a relation's verdict: its two sides as read (``srepr``) in a model."""
    return digest("relation", left, right, model_fingerprint(model))


def verdict_fields(data: Any) -> dict[str, Any] | None:
    """The fields of a stored verdict (verdict, method, reason, counterexample, hints, seconds),
    or None when ``data`` has another shape: an entry is data from disk, checked before use."""
    from ..engine.names import VERDICTS

    fields = {"verdict", "method", "reason", "counterexample", "hints", "seconds"}
    if not (isinstance(data, dict) and set(data) == fields):
        return None
    ok = (
        data["verdict"] in VERDICTS
        and isinstance(data["method"], str)
        and data["method"] not in UNSTABLE
        and isinstance(data["reason"], str)
        and (data["counterexample"] is None or isinstance(data["counterexample"], dict))
        and isinstance(data["hints"], list)
        and all(isinstance(h, str) for h in data["hints"])
        and isinstance(data["seconds"], (int, float))
        and not isinstance(data["seconds"], bool)
    )
    return data if ok else None


class Cache:
    """Entries under ``folder/<version>-<source hash>/``; see the module's docstring."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.base: Path | None = folder / source_fingerprint()
        #: why the cache could not be written (then it is only read), for one warning
        self.problem: str | None = None
        self.hits = 0
        self.misses = 0

    @classmethod
    def open(cls, folder: Path) -> Cache:
        """The cache in ``folder``, created with its CACHEDIR.TAG and .gitignore when missing.
        A folder that cannot be made or is a symbolic link gives a cache that answers nothing
        (``problem`` says why)."""
        cache = cls(folder)
        try:
            if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
                raise OSError(f"{folder} is a symbolic link or not a folder: not used")
            folder.mkdir(parents=True, exist_ok=True)
            for name, text in (
                ("CACHEDIR.TAG", TAG),
                (".gitignore", "# created by derivator\n*\n"),
            ):
                if not os.path.lexists(folder / name):
                    _write(folder / name, text)
        except OSError as e:
            cache.problem = f"the cache {folder} is not used: {e.strerror or e}"
            cache.base = None
        return cache

    def _path(self, kind: str, key: str) -> Path:
        assert self.base is not None, "an unusable cache is never read or written"
        return self.base / kind / key[:2] / f"{key}.json"

    def get(self, kind: str, key: str) -> Any:
        """The value stored under ``key``, or None (missing, unreadable, foreign, another key)."""
        value = None if self.base is None else _read(self._path(kind, key), key)
        if value is None:
            self.misses += 1
        else:
            self.hits += 1
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        """Store ``value`` (JSON data) under ``key``; a failure to write is remembered, not raised."""
        if self.problem is not None:
            return
        path = self._path(kind, key)
        try:
            text = json.dumps({MARKER: FORMAT, "key": key, "value": value}, ensure_ascii=False)
            path.parent.mkdir(parents=True, exist_ok=True)
            _write(path, text)
        except (TypeError, ValueError):  # not JSON data: this entry is not stored
            pass
        except OSError as e:  # a full or read-only disk: the run goes on, reading only
            self.problem = f"the cache {self.folder} could not be written: {e.strerror or e}"

    def get_relation(self, lhs: Any, rhs: Any, model: Any) -> dict[str, Any] | None:
        """A stored verdict's fields for ``lhs = rhs`` (SymPy expressions) in a model, or None."""
        return verdict_fields(self.get("relations", relation_key(*sides_text(lhs, rhs), model)))

    def put_relation(self, lhs: Any, rhs: Any, model: Any, verdict: dict[str, Any]) -> None:
        """Store a verdict's fields (never one that depends on the run's limits)."""
        if verdict.get("method") not in UNSTABLE:
            self.put("relations", relation_key(*sides_text(lhs, rhs), model), verdict)


def _read(path: Path, key: str) -> Any:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > MAX_ENTRY:
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            data = json.loads(f.read().decode("utf-8"))
    except (OSError, ValueError, UnicodeDecodeError, RecursionError):
        return None
    finally:
        os.close(fd)
    if not (isinstance(data, dict) and data.get(MARKER) == FORMAT and data.get("key") == key):
        return None
    return data.get("value")


def _write(path: Path, text: str) -> None:
    """Write atomically (:func:`derivator.system.files.write_atomic`: a temporary file in the same
    folder, renamed over ``path``; a symbolic link at ``path`` is refused, never followed).  No
    fsync: an entry lost in a crash is computed again, but one is never read half-written."""
    files.write_atomic(path, text, durable=False)


def clean(folder: Path) -> bool:
    """Remove a cache folder (only one that holds derivator's CACHEDIR.TAG); whether it did."""
    if folder.is_symlink() or not folder.is_dir():
        return False
    try:
        tag = (folder / "CACHEDIR.TAG").read_text(encoding="utf-8")
    except OSError:
        return False
    if "created by derivator" not in tag:
        return False
    shutil.rmtree(folder)
    return True
