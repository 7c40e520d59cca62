"""``derivator check``'s configuration: ``[tool.derivator]`` in pyproject.toml, or derivator.toml.

Found as ruff finds its own: from the working folder up to the root, the first folder with a
``derivator.toml`` or ``.derivator.toml`` (keys at the top level), or with a ``pyproject.toml``
that has a ``[tool.derivator]`` table, holds the configuration; its folder is the project root,
against which include/exclude patterns are matched and where the cache lives.  ``--config FILE``
names the file instead, ``--isolated`` ignores every file.

Every value keeps where it came from (a default, the command line, ``pyproject.toml:12``), so that
``--show-settings`` and ``--explain`` can say it.  An unknown key or a value of the wrong kind is a
:class:`ConfigError` naming the file and the line of the key, before any work.  Directive values
of the notation's conventions (``cost-is``, ``letters``, …) are read by ``check.parse_directive``
when the first file is checked; a file answered from the cache was checked with the same values.

Nothing here imports the engine.
"""

from __future__ import annotations

import difflib
import math
import os
import re
import tomllib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.names import ACTIVATIONS, LOSSES, NETWORK_KINDS, TARGETS
from .files import SUFFIXES

#: default address-space budget of a check worker in megabytes (``--memory``, ``memory =``, and the
#: API's ``check.Run``): the corpus and the seed article need less than 700 MB, and a CI runner has
#: a few GB for all its cores.  The one place this default is written.
MEMORY_MB = 768
#: default seconds per relation (``--timeout``, ``timeout =``, ``check.Run``)
TIMEOUT = 10.0
#: the file names that hold a configuration, by precedence within one folder
FILES = ("derivator.toml", ".derivator.toml", "pyproject.toml")
FORMATS = ("text", "json", "jsonl", "sarif", "github", "junit")
#: the longest --timeout (seconds); beyond it "bounded" means nothing to a CI job
MAX_TIMEOUT = 24 * 3600.0
#: folders never searched, as ruff's defaults (a hidden folder, ``.*``, is never searched either)
DEFAULT_EXCLUDE = (
    ".*",
    "__pypackages__",
    "_build",
    "buck-out",
    "build",
    "dist",
    "node_modules",
    "site-packages",
    "venv",
    ".derivator_cache",
)
DEFAULT_INCLUDE = tuple(f"*{suffix}" for suffix in SUFFIXES)
#: the keys of a directive line that the conventions module reads (``conventions.KEYS``); they
#: are kept as text here and read where a directive is read
CONVENTION_KEYS = (
    "cost",
    "cost-is",
    "mse-half",
    "letters",
    "layer-tags",
    "index-layers",
    "weights",
    "weight-layer",
    "samples",
    "batch",
)


class ConfigError(Exception):
    """A configuration that cannot be used; ``where`` is ``file:line`` (or the file alone)."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(f"{where}: {message}")
        self.where, self.message = where, message


def _strings(value: Any) -> tuple[str, ...]:
    if not (isinstance(value, list) and all(isinstance(x, str) for x in value)):
        raise ValueError('give a list of strings, e.g. ["docs/drafts/", "*.draft.md"]')
    return tuple(value)


def _boolean(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("give true or false")
    return value


def _choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def read(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"{value!r} is not one of {', '.join(choices)}")
        return value

    return read


def check_timeout(seconds: float) -> float:
    """A usable per-relation time limit, or ValueError naming the allowed range."""
    if not (math.isfinite(seconds) and 0 < seconds <= MAX_TIMEOUT):
        raise ValueError(
            f"--timeout {seconds:g}: give a number of seconds above 0 and at most {MAX_TIMEOUT:g}"
        )
    return seconds


def _timeout(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("give a number of seconds")
    if not (math.isfinite(value) and 0 < value <= MAX_TIMEOUT):
        raise ValueError(f"give a number of seconds above 0 and at most {MAX_TIMEOUT:g}")
    return float(value)


def _integer(low: int, high: int, what: str) -> Callable[[Any], int]:
    def read(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ValueError(f"give a whole number of {what}")
        if not low <= value <= high:
            raise ValueError(f"give {what} from {low} to {high}")
        return value

    return read


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("give a non-empty string")
    return value


def _word(value: Any) -> str:
    if not isinstance(value, str) or not value or any(c.isspace() for c in value):
        raise ValueError(
            'give the directive\'s value as one word, e.g. "mean" or "activation:z,target:t"'
        )
    return value


#: every key of [tool.derivator]: how its value is read, and its default
KEYS: dict[str, tuple[Callable[[Any], Any], Any]] = {
    "include": (_strings, DEFAULT_INCLUDE),
    "extend-include": (_strings, ()),
    "exclude": (_strings, DEFAULT_EXCLUDE),
    "extend-exclude": (_strings, ()),
    "force-exclude": (_boolean, False),
    "respect-gitignore": (_boolean, True),
    "strict": (_boolean, False),
    "allow-empty": (_boolean, False),
    "timeout": (_timeout, TIMEOUT),
    "memory": (_integer(256, 1 << 20, "megabytes"), MEMORY_MB),
    "jobs": (_integer(0, 1 << 20, "worker processes (0: one per core; capped at the cores)"), 0),
    "format": (_choice(FORMATS), "text"),
    "cache": (_boolean, True),
    "cache-dir": (_text, ".derivator_cache"),
    # the network a document is checked in, unless it states another (as the options)
    "activation": (_choice(ACTIVATIONS), "sigmoid"),
    "output-activation": (_choice((*ACTIVATIONS, "softmax")), None),
    "loss": (_choice(LOSSES), "mse"),
    "network": (_choice(NETWORK_KINDS), "general"),
    "targets": (_choice(TARGETS), "any"),
    # directives of the notation's conventions, as if every file began with them
    **dict.fromkeys(CONVENTION_KEYS, (_word, None)),
}
#: the keys that state the network (the caller's word beats what a document's definitions imply)
NETWORK_KEYS = ("activation", "output-activation", "loss", "network", "targets")


@dataclass(frozen=True)
class Value:
    """One setting and where it came from: ``default``, ``command line`` or ``FILE:LINE``."""

    value: Any
    source: str = "default"


@dataclass
class Config:
    """The settings of one run.  ``root`` is the project root (the configuration's folder, or the
    working folder without one); ``path`` the configuration file, if any."""

    values: dict[str, Value]
    root: Path
    path: Path | None = None
    #: ``[tool.derivator]`` for pyproject.toml, empty for derivator.toml
    table: str = ""

    def __getitem__(self, key: str) -> Any:
        return self.values[key].value

    def source(self, key: str) -> str:
        return self.values[key].source

    def extend(self, key: str, more: Sequence[str]) -> None:
        """Add the command line's patterns to a list setting (``--exclude``)."""
        old = self.values[key]
        source = "command line" if old.source == "default" else f"{old.source} + command line"
        self.values[key] = Value((*old.value, *more), source)

    def directives(self) -> dict[str, str]:
        """The conventions' directive keys the configuration states."""
        return {k: self[k] for k in CONVENTION_KEYS if self[k] is not None}

    def stated(self) -> frozenset[str]:
        """The network's keys stated by the command line or the configuration."""
        return frozenset(k for k in NETWORK_KEYS if self.source(k) != "default")

    def cache_dir(self) -> Path:
        """Where the cache lives: ``$DERIVATOR_CACHE_DIR`` when set and neither the command line
        nor the configuration names one, else ``cache-dir`` against the project root."""
        env = os.environ.get("DERIVATOR_CACHE_DIR")
        if env and self.source("cache-dir") == "default":
            return Path(env)
        return self.root / self["cache-dir"]

    def show(self) -> str:
        """Every setting as TOML, with where it came from (``--show-settings``)."""
        where = f"{self.path} ({self.table or 'top level'})" if self.path else "none"
        lines = [
            f"# configuration file: {where}",
            f"# project root: {self.root}",
            f"# cache: {self.cache_dir() if self['cache'] else 'off'}",
        ]
        width = max(len(k) for k in self.values) + 3
        for key, v in self.values.items():
            text = f"{key} = {_toml(v.value)}" if v.value is not None else f"# {key} (not set)"
            pad = max(width + 24, len(text) + 2)
            lines.append(f"{text:<{pad}}# {v.source}")
        return "\n".join(lines)


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return "[" + ", ".join(_toml(x) for x in value) + "]"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


# ---------------------------------------------------------------------------------------------
# finding and reading the file


def find(start: Path) -> tuple[Path, dict[str, Any], str] | None:
    """The configuration that applies in ``start``: (file, its TOML, table name), or None."""
    for folder in (start, *start.parents):
        for name in FILES:
            path = folder / name
            if not path.is_file():
                continue
            data = _load(path)
            if name != "pyproject.toml":
                return path, data, ""
            tool = data.get("tool")
            if isinstance(tool, dict) and "derivator" in tool:
                return path, data, "tool.derivator"
    return None


def _load(path: Path, cwd: Path | None = None) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(
            _shown(path, cwd or Path.cwd().resolve()),
            f"cannot be read ({getattr(e, 'strerror', None) or e})",
        ) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        m = re.search(r"\(at line (\d+), column (\d+)\)", str(e))
        shown = _shown(path, cwd or Path.cwd().resolve())
        where = f"{shown}:{m.group(1)}:{m.group(2)}" if m else shown
        message = re.sub(r" \(at line.*", "", str(e))
        raise ConfigError(where, f"not valid TOML: {message}") from None


def key_lines(text: str, table: str) -> dict[str, int]:
    """The line of each key of ``table`` ("" for the top level) in a TOML text, for messages.
    Only what a configuration table holds is recognised: ``key = …`` lines under the table's
    header (a multi-line array starts on its key's line)."""
    out: dict[str, int] = {}
    current = ""
    depth = 0  # open brackets of a multi-line value
    for n, line in enumerate(text.split("\n"), 1):
        stripped = line.strip()
        if depth == 0 and stripped.startswith("["):
            m = re.match(r"\[\s*([^\]]+?)\s*\]", stripped)
            current = re.sub(r"\s*\.\s*", ".", m.group(1)).replace('"', "") if m else "?"
            continue
        if depth == 0 and current == table:
            m = re.match(r"""\s*(?:"([^"]+)"|'([^']+)'|([A-Za-z0-9_-]+))\s*=""", line)
            if m:
                out.setdefault(m.group(1) or m.group(2) or m.group(3), n)
        code = re.sub(r'"(?:\\.|[^"\\])*"|\'[^\']*\'|#.*', "", line)
        depth = max(0, depth + code.count("[") - code.count("]"))
    return out


def load(
    cwd: Path | None = None,
    *,
    path: Path | None = None,
    isolated: bool = False,
    cli: dict[str, Any] | None = None,
) -> Config:
    """The run's settings: the defaults, then the configuration file (found from ``cwd``, or
    ``path``), then the command line (``cli``: key → value, None for an option not given)."""
    cwd = (cwd or Path.cwd()).resolve()
    values = {key: Value(default) for key, (_, default) in KEYS.items()}
    found: tuple[Path, dict[str, Any], str] | None = None
    if path is not None:
        if not path.is_file():
            raise ConfigError(str(path), "no such configuration file")
        data = _load(path)
        if path.name == "pyproject.toml":
            tool = data.get("tool")
            if not (isinstance(tool, dict) and isinstance(tool.get("derivator"), dict)):
                raise ConfigError(str(path), "has no [tool.derivator] table")
            found = (path, data, "tool.derivator")
        else:
            found = (path, data, "")
    elif not isolated:
        found = find(cwd)
    config = Config(values, cwd)
    if found is not None:
        file, data, table = found
        config.path, config.table = file.resolve(), table
        config.root = file.resolve().parent
        section = data["tool"]["derivator"] if table else data
        if not isinstance(section, dict):
            raise ConfigError(str(file), f"[{table}] must be a table")
        lines = key_lines(file.read_text(encoding="utf-8"), table)
        shown = _shown(file, cwd)
        for key, value in section.items():
            where = f"{shown}:{lines[key]}" if key in lines else shown
            if key not in KEYS:
                near = difflib.get_close_matches(key, KEYS, n=1)
                hint = f" (did you mean {near[0]!r}?)" if near else ""
                raise ConfigError(
                    where,
                    f"unknown key {key!r} in {f'[{table}]' if table else 'the configuration'}{hint}; "
                    f"known: {', '.join(KEYS)}",
                )
            try:
                values[key] = Value(KEYS[key][0](value), where)
            except ValueError as e:
                raise ConfigError(where, f"{key} = {_toml(value)}: {e}") from None
    for key, value in (cli or {}).items():
        if value is not None:
            try:
                values[key] = Value(KEYS[key][0](value), "command line")
            except ValueError as e:
                raise ConfigError(f"--{key} {_toml(value)}", str(e)) from None
    return config


def _shown(file: Path, cwd: Path) -> str:
    """A configuration file's name as messages show it: relative to the working folder when it
    is inside it."""
    try:
        return str(file.resolve().relative_to(cwd))
    except ValueError:
        return str(file)
