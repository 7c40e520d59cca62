"""Which files ``derivator check`` reads, found as ruff finds Python files.

A file named on the command line is checked as it is (whatever its suffix), unless
``--force-exclude`` applies the exclusions to it too (what a pre-commit hook wants: it names every
changed file).  A folder is searched recursively for the ``include`` patterns (Markdown and
LaTeX), skipping what ``exclude`` and ``extend-exclude`` name (by default hidden folders,
``.venv``, ``node_modules``, ``site-packages``, ``build``, ``dist`` …) and what ``.gitignore``
files ignore (from the repository's top down to each folder, as git reads them, with
``.git/info/exclude``).  Patterns are gitignore patterns, matched against the path relative to the
project root.  Symbolic links to folders are not followed (no loops, nothing outside the tree);
a symbolic link to a file is read only when its real path lies inside the folder named (else a
warning says it was left out: before, ``check DIR`` printed an outside file's text in its notes).

The order is the order of the arguments, and sorted within a folder, so output is deterministic;
a file reached twice is checked once.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from .config import Config


@dataclass
class Found:
    """The files to check in order, and what was left out (for messages and ``--show-files``)."""

    files: list[str] = field(default_factory=list)
    #: files and folders skipped by an exclusion or .gitignore, with the reason
    skipped: list[tuple[str, str]] = field(default_factory=list)
    #: what a user should hear about: symbolic links that lead out of the folder named
    warnings: list[str] = field(default_factory=list)


def _spec(patterns: Sequence[str]) -> pathspec.PathSpec:
    return pathspec.GitIgnoreSpec.from_lines(patterns)


@dataclass
class _Ignore:
    """The .gitignore files that apply in one folder, outermost first: (folder, spec)."""

    layers: tuple[tuple[Path, pathspec.PathSpec], ...] = ()

    def ignored(self, path: Path, is_dir: bool) -> bool:
        verdict = False
        for folder, spec in self.layers:
            try:
                rel = path.relative_to(folder).as_posix()
            except ValueError:
                continue
            result = spec.check_file(rel + "/" if is_dir else rel)
            if result.include is not None:
                verdict = result.include
        return verdict

    def entering(self, folder: Path) -> _Ignore:
        spec = _read_ignore(folder / ".gitignore")
        return _Ignore(self.layers + ((folder, spec),)) if spec is not None else self


def _read_ignore(path: Path) -> pathspec.PathSpec | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    return _spec(text.splitlines())


def _git_top(start: Path) -> Path | None:
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _ignore_for(folder: Path, root: Path) -> _Ignore:
    """The .gitignore layers that apply in ``folder``: from the repository's top (or the project
    root, outside a repository) down to ``folder`` itself, with .git/info/exclude first."""
    top = _git_top(folder)
    base = top or (root if folder == root or root in folder.parents else folder)
    ignore = _Ignore()
    if top is not None:
        spec = _read_ignore(top / ".git" / "info" / "exclude")
        if spec is not None:
            ignore = _Ignore(((top, spec),))
    chain = [folder, *folder.parents]
    for f in reversed(chain[: chain.index(base) + 1] if base in chain else [folder]):
        ignore = ignore.entering(f)
    return ignore


class Finder:
    """Applies one configuration's include, exclude and .gitignore rules."""

    def __init__(self, config: Config) -> None:
        self.root = config.root.resolve()
        self.include = _spec([*config["include"], *config["extend-include"]])
        self.exclude = _spec([*config["exclude"], *config["extend-exclude"]])
        self.gitignore = bool(config["respect-gitignore"])
        self.force = bool(config["force-exclude"])

    def _relative(self, path: Path, base: Path) -> str:
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:
            return path.relative_to(base).as_posix() if base in path.parents else path.name

    def excluded(self, path: Path, is_dir: bool, base: Path) -> str | None:
        """Why ``path`` (absolute) is excluded by the patterns, or None."""
        rel = self._relative(path, base)
        if rel in ("", "."):
            return None
        if self.exclude.match_file(rel + "/" if is_dir else rel):
            return "excluded"
        return None

    def find(self, paths: Sequence[str]) -> Found:
        out = Found()
        seen: set[Path] = set()

        def add(name: str, key: Path) -> None:
            if key not in seen:
                seen.add(key)
                out.files.append(name)

        for arg in paths:
            if arg == "-":
                out.files.append(arg)
                continue
            p = Path(arg)
            try:
                is_dir = p.is_dir()
                absolute = p.resolve() if is_dir or p.exists() else None
            except (OSError, ValueError, RuntimeError):
                is_dir, absolute = False, None
            if absolute is None:  # missing or unusable: reading it reports why
                out.files.append(arg)
                continue
            if self.force:
                why = self.excluded(absolute, is_dir, absolute.parent)
                if why is None and self.gitignore:
                    ignore = _ignore_for(absolute.parent, self.root)
                    why = "ignored by .gitignore" if ignore.ignored(absolute, is_dir) else None
                if why is not None:
                    out.skipped.append((arg, why))
                    continue
            if not is_dir:
                add(arg, absolute)
                continue
            ignore = _ignore_for(absolute, self.root) if self.gitignore else _Ignore()
            for name, key in self._walk(p, absolute, absolute, ignore, out):
                add(name, key)
        return out

    def _walk(
        self, shown: Path, folder: Path, base: Path, ignore: _Ignore, out: Found
    ) -> list[tuple[str, Path]]:
        """The files under ``folder`` to check, sorted: (name as shown, absolute path)."""
        found: list[tuple[str, Path]] = []
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            return found
        for entry in entries:
            path = folder / entry.name
            name = shown / entry.name
            try:
                is_dir = entry.is_dir(follow_symlinks=False)
                is_file = entry.is_file()
            except OSError:
                continue
            if not (is_dir or is_file):
                continue
            key = path
            if is_file and entry.is_symlink():
                real = path.resolve()
                if real != base and base not in real.parents:
                    out.warnings.append(
                        f"{name}: a symbolic link to a file outside {base}; not read"
                    )
                    continue
                key = real  # a file reached twice (through a link) is checked once
            why = self.excluded(path, is_dir, base)
            if why is None and self.gitignore and ignore.ignored(path, is_dir):
                why = "ignored by .gitignore"
            if why is not None:
                out.skipped.append((str(name), why))
                continue
            if is_dir:
                inner = ignore.entering(path) if self.gitignore else ignore
                found += self._walk(name, path, base, inner, out)
            elif self.include.match_file(self._relative(path, base)):
                found.append((str(name), key))
        return sorted(found, key=lambda x: x[0])


def find(paths: Sequence[str], config: Config) -> Found:
    """The files to check for the command line's ``paths`` under ``config``'s rules."""
    return Finder(config).find(paths)
