"""``derivator check`` over many files, through the persistent cache.

Each file is read, and looked up in the cache by its name, its text and the run's options.  A
file found there is answered at once: nothing imports SymPy, starts a worker or reads a formula.
Only the other files go to ``check`` (imported then), whose workers find unchanged relations in
the cache too, so that editing one relation proves that relation again and not its neighbours.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .cache import UNSTABLE, Cache, digest
from .config import MEMORY_MB, TIMEOUT
from .files import MAX_BYTES, FileError, read, read_stream
from .results import Checked, FileOutcome, Stop, from_record, record, unreadable

#: default address-space budget of a worker (bytes), as ``check --memory`` (config.MEMORY_MB)
MEMORY = MEMORY_MB * 1024**2


@dataclass(frozen=True)
class Options:
    """What a run checks with: the network's settings (those the caller ``stated`` beat what a
    document's definitions imply), directives every file starts with, and the run's limits."""

    activation: str = "sigmoid"
    loss: str = "mse"
    network: str = "general"
    targets: str = "any"
    output_activation: str | None = None
    stated: frozenset[str] = frozenset()
    #: conventions' directives as ``(key, value)``, from the configuration
    directives: tuple[tuple[str, str], ...] = ()
    timeout: float = TIMEOUT
    #: worker processes (0: one per core this process may use)
    jobs: int = 0
    memory: int = MEMORY
    max_bytes: int = MAX_BYTES

    def key(self) -> list[Any]:
        """What a file's results depend on besides its name and text (not the limits: a verdict
        that depends on them is never stored)."""
        return [
            self.activation,
            self.loss,
            self.network,
            self.targets,
            self.output_activation,
            sorted(self.stated),
            sorted(self.directives),
        ]


class DirectiveError(ValueError):
    """A directive of the configuration that cannot be read; ``key`` names it."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def file_key(name: str, text: str, options: Options) -> str:
    return digest("file", name, text, options.key())


def _cacheable(outcome: FileOutcome) -> bool:
    return outcome.complete and not any(
        r.method in UNSTABLE or r.unreadable for r in outcome.results
    )


def _store(cache: Cache, key: str, outcome: FileOutcome) -> None:
    cache.put(
        "files",
        key,
        {
            "results": [record(r) for r in outcome.results],
            "warnings": outcome.warnings,
            "explanations": outcome.explanations,
        },
    )


def _stored(cache: Cache, key: str, name: str) -> FileOutcome | None:
    data = cache.get("files", key)
    try:
        results = [from_record(x) for x in data["results"]]
        warnings, explanations = data["warnings"], data["explanations"]
        if not all(isinstance(x, str) for x in [*warnings, *explanations]):
            return None
    except (TypeError, KeyError, ValueError):
        return None
    if any(r.file != name for r in results):
        return None
    for r in results:
        r.seconds = 0.0  # the time this run spent on it
    return FileOutcome(name, results, list(warnings), list(explanations))


def check_paths(
    names: Iterable[str],
    options: Options,
    cache: Cache | None = None,
    stdin: Any = None,
) -> Checked:
    """Check files (``-`` is ``stdin``) through ``cache`` (None: prove everything).  A
    :class:`Stop` or KeyboardInterrupt ends the run: what was decided is returned."""
    done: list[FileOutcome | None] = []
    misses: list[tuple[int, str, str, str | None]] = []
    stopped: int | None = None
    try:
        for name in names:
            label = "<stdin>" if name == "-" else name
            try:
                text = (
                    read_stream(stdin, options.max_bytes)
                    if name == "-"
                    else read(Path(name), options.max_bytes)
                )
            except FileError as e:  # reported as it is: nothing to decide
                done.append(FileOutcome(label, [unreadable(label, e)]))
                continue
            key = None
            if cache is not None:
                key = file_key(label, text, options)
                found = _stored(cache, key, label)
                if found is not None:
                    done.append(found)
                    continue
            misses.append((len(done), label, text, key))
            done.append(None)
        if misses:
            stopped = _check(misses, done, options, cache)
    except (Stop, KeyboardInterrupt) as e:
        stopped = e.signum if isinstance(e, Stop) else 2
    files = [f for f in done if f is not None]  # a file not reached before a stop is left out
    return Checked([r for f in files for r in f.results], stopped, files)


def _check(
    misses: list[tuple[int, str, str, str | None]],
    done: list[FileOutcome | None],
    options: Options,
    cache: Cache | None,
) -> int | None:
    """Decide the files the cache did not answer (in one run of ``check``) and store them."""
    from . import check, interpret, workers

    directives = dict(options.directives)
    for name, value in directives.items():
        try:
            check.parse_directive(f"{name}={value}")
        except ValueError as e:
            raise DirectiveError(name, str(e)) from None
    run = check.Run(
        interpret.Settings(
            options.activation,
            options.loss,
            options.network,
            options.targets,
            output_activation=options.output_activation,
        ),
        options.timeout,
        jobs=options.jobs or workers.cores(),
        memory=options.memory,
        max_bytes=options.max_bytes,
        stated=options.stated,
        directives=directives,
        store=cache,
    )
    try:
        checked = check.check_sources([(label, text) for _, label, text, _ in misses], run)
    finally:
        run.close()
    for (at, _, _, key), outcome in zip(misses, checked.files):
        done[at] = outcome
        if cache is not None and key is not None and _cacheable(outcome):
            _store(cache, key, outcome)
    return checked.stopped
