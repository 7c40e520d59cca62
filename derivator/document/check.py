"""Check every relation of Markdown or LaTeX files: read → blocks → relations → verdicts.

One Result per relation step, in reading order, with the line of its block and its step number
(notation.md).  A file that cannot be read at one place still has all its other relations checked.
Every block is decided in a worker process of one pool per run (``workers``), which bounds each
relation's time and memory for real and keeps the workers' proof caches warm across files; this
process only reads, schedules and assembles.
"""

from __future__ import annotations

import contextlib
import importlib
import re
import time
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any, cast, overload

import sympy as sp

from ..engine import (
    ACTIVATIONS,
    TARGETS,
    Network,
    NotationError,
    Outcome,
    Partial,
    index_ranges,
    losses,
    precision,
    proof,
    render,
)
from . import (
    blocks,
    cases,
    conventions,
    decimals,
    definitions,
    interpret,
    literals,
    macros,
    notebook,
    parse,
    unstated,
    vectors,
    workers,
)
from .cache import Cache, InModel
from .config import MEMORY_MB, TIMEOUT, check_timeout
from .conventions import read_relation  # decide() has a parameter named conventions
from .files import MAX_BYTES, SUFFIXES, FileError, kind_of, read, read_stream
from .files import decode as decode
from .inference import Finding, infer
from .results import Checked, FileOutcome, Result, Stop, unreadable
from .results import summary as summary

DIRECTIVE_KEYS = {
    "activation": tuple(ACTIVATIONS),
    "output-activation": (*ACTIVATIONS, "softmax"),
    "loss": losses.OFFERED,
    "network": ("general", "single"),
    "targets": TARGETS,
    "skip": ("next", "on", "off"),
}
#: default address-space limit of a worker (bytes); a proof that needs more is ``unknown``.  The
#: same default as ``check --memory`` (config.MEMORY_MB).
MEMORY = MEMORY_MB * 1024**2
#: with at least this many files per worker, each file is planned and decided by one worker
#: (:class:`FileTask`); with fewer, files are planned here and their blocks shared out
WHOLE_FILES = 4
#: seconds a worker may run past the proof's own deadline before it is killed (the deadline
#: is a Python signal, which code inside C, e.g. a big integer power, does not see)
GRACE = 1.0


@dataclass(eq=False)
class Run:
    """Options, caches and the worker pool shared by every file of one ``derivator check``.

    The pool starts at the first block to decide and lives until :meth:`close` (or until the run
    is garbage-collected); its workers keep their proof caches for the whole run."""

    defaults: interpret.Settings = field(default_factory=interpret.Settings)
    timeout: float = TIMEOUT
    #: worker processes deciding blocks in parallel (capped at the cores this process may use)
    jobs: int = 1
    #: address-space limit of each worker in bytes (0: none)
    memory: int = MEMORY
    max_bytes: int = MAX_BYTES
    #: the settings the caller stated ("loss", "activation", "output-activation"): what a
    #: document's definitions imply does not override them
    stated: frozenset[str] = frozenset()
    cache: dict[tuple[Any, ...], proof.Verdict] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    pool: workers.Pool | None = field(default=None, repr=False)
    #: what was inferred about each file's notation, and from which line (``check --explain``)
    explanations: list[str] = field(default_factory=list)
    #: directives of the conventions every file starts with (``[tool.derivator]``), as read by
    #: :func:`parse_directive`; a file's own directives override them
    directives: dict[str, str] = field(default_factory=dict)
    #: the persistent cache of verdicts (``.derivator_cache``), read and written by the workers
    store: Cache | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        check_timeout(self.timeout)
        self.jobs = max(1, min(self.jobs, workers.cores()))

    def workers(self) -> workers.Pool:
        if self.pool is None:
            late = (
                f"not decided within --timeout {self.timeout:g} s, and still busy {GRACE:g} s later: its worker "
                "was killed"
            )
            self.pool = workers.Pool(
                partial(_work, self), self.jobs, self.timeout + GRACE, self.memory, late
            )
            weakref.finalize(self, self.pool.close)
            _warm()
        return self.pool

    def close(self) -> None:
        """Stop the workers (their caches go with them)."""
        if self.pool is not None:
            self.pool.close()
            self.pool = None

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


#: modules SymPy imports on first use, inside the first proof: the first ``Add`` imports
#: ``sympy.tensor.tensor``, which brings ``sympy.combinatorics`` (a tenth of a second)
FIRST_USE = ("sympy.tensor.tensor", "sympy.assumptions.wrapper", "sympy.sets.setexpr")


def _warm() -> None:
    """Import what every worker would import on its first proof, once here before the workers
    fork (they inherit it), instead of once in each worker."""
    for name in FIRST_USE:
        importlib.import_module(name)


# ---------------------------------------------------------------------------------------------


def _directive_keys(text: str) -> set[str]:
    """The keys a directive line states (none for a line that cannot be read: it is reported
    where it stands)."""
    try:
        return set(parse_directive(text))
    except ValueError:
        return set()


def parse_directive(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in text.split():
        if "=" not in part:
            raise ValueError(f"directive {part!r}: write key=value")
        key, value = part.split("=", 1)
        if key in conventions.KEYS:
            try:
                conventions.update(conventions.Conventions(), {key: value})
            except ValueError as e:
                raise ValueError(f"directive {key}={value}: {e}") from None
            out[key] = value
            continue
        if key not in DIRECTIVE_KEYS:
            raise ValueError(
                f"unknown directive key {key!r} (known: {', '.join((*DIRECTIVE_KEYS, *conventions.KEYS))})"
            )
        if value not in DIRECTIVE_KEYS[key]:
            raise ValueError(
                f"unknown value {value!r} for {key} (choose {', '.join(DIRECTIVE_KEYS[key])})"
            )
        out[key] = value
    if not out:
        raise ValueError("an empty directive")
    return out


#: a condition between two index letters: (i, "=" or "≠", k)
Condition = tuple[str, str, str]
#: the most characters of prose between a stated condition and the display it introduces
CONDITION_REACH = 200


def _prose_condition(
    text: str,
    said: tuple[int, Condition] | None,
    item: blocks.Item,
    settings: interpret.Settings,
) -> tuple[Condition | None, tuple[int, Condition] | None]:
    """("when $i = k$:" then a display) The condition a display is stated under, and the one the
    prose states now for the display after it.  An inline formula that is only a condition
    between two index letters (``i = k``, ``i \\neq k``) introduces the display that ends its
    sentence ("when $i = k$:", "若 $i=k$，有", then the display, in the paragraph or right after
    it): the display's relations are the case it names, as a condition written beside the
    formula is (:func:`_conditions`).  A sentence's end, another paragraph or heading, or any
    display closes it."""
    if not isinstance(item, blocks.Block):
        return None, said
    if not item.display:
        try:
            chains = parse.parse(item.text, settings.conventions.reading)
        except (parse.ReadError, RecursionError):
            return None, said
        stated = _condition_of(chains[0]) if len(chains) == 1 else None
        return None, ((item.offset + len(item.text), stated) if stated else said)
    if said is None:
        return None, None
    gap = text[said[0] : item.offset]
    # the rest of the condition's sentence, then only the display's delimiters: no other
    # paragraph, heading or sentence between them
    sentence, *after = re.split(r"\n[ \t]*\n", gap)
    close = (
        len(gap) <= CONDITION_REACH
        and all(not re.sub(r"[$\s]|\\\[|\\begin\{[a-z*]+\}", "", x) for x in after)
        and not re.search(r"[.。!?！？](\s|$)|^\s*#", sentence.strip("$"), re.M)
    )
    return (said[1] if close else None), None


_RELATION_HINT = re.compile(
    r"=|\\leftarrow|\\gets|:=|\\coloneqq|\\triangleq|\\equiv|\\approx(?![A-Za-z])|←|≜|≡|≈"
)


@dataclass
class Task:
    """One block to decide in a worker: all it needs, and nothing of the rest of its file."""

    name: str
    source: blocks.Excerpt
    block: blocks.Block
    settings: interpret.Settings
    skipping: bool
    #: the first step to decide (after a worker was lost, the block resumes past the lost step)
    first: int = 0
    #: the expression a block that starts with = continues (the previous block's last one)
    lead: parse.Lead | None = None
    #: the model the document's scalar definitions build (``definitions``), shared by its blocks
    model: definitions.Model | None = None
    #: a condition between two index letters (``i = k``) the prose states just before the
    #: display ("when $i = k$:"): its relations are judged under it (:func:`_prose_condition`)
    condition: Condition | None = None


@dataclass
class _File:
    """A file being checked: its slots in reading order (a Result, or the results of a block
    still being decided) and the sum conventions its blocks used."""

    name: str
    slots: list[Result | list[Result]] = field(default_factory=list)
    tasks: dict[int, Task] = field(default_factory=dict)
    conventions: set[str] = field(default_factory=set)
    #: the settings nobody stated before the file's last relation (not the caller, a directive or
    #: the document's definitions): its refutations are about the default network
    defaulted: list[str] = field(default_factory=list)
    #: what the run said about this file (warnings, --explain), in the order it said it
    warnings: list[str] = field(default_factory=list)
    explanations: list[str] = field(default_factory=list)
    #: a file decided whole by one worker (:class:`FileTask`): its text, whether the worker's
    #: plan has arrived, and the blocks not decided yet
    text: str | None = None
    planned: bool = True
    pending: set[int] = field(default_factory=set)
    #: how the file is read (md, tex, ipynb), when known
    kind: str | None = None


@dataclass
class FileTask:
    """A whole file for one worker to plan and decide: with many files, planning them in the
    parent would leave the workers waiting (it takes as long as deciding a repeated relation),
    so the parent only reads files and collects what the workers send."""

    name: str
    text: str


@dataclass
class _Plan:
    """What a worker tells the parent about a file it planned: its slots (a Result, or None for
    a block it is about to decide), and what planning said about the file."""

    slots: list[Result | None]
    warnings: list[str]
    explanations: list[str]
    defaulted: list[str]


def _plan(name: str, text: str, run: Run, kind: str | None) -> _File:
    """Read the directives and cut the blocks of one file; every block becomes a Task."""
    kind = kind or kind_of(name, text)
    raw = text
    if kind == "ipynb":  # its Markdown cells, read as one Markdown text
        try:
            text, kind = notebook.markdown(name, text)[0], "md"
        except FileError as e:
            return _File(name, [unreadable(name, e)], text=raw, kind="ipynb")
    src = blocks.Source(name, text)
    items = macros.expand_items(src, blocks.scan(src, kind), kind)
    reading = _start_reading(name, items, run)
    previous: blocks.Block | None = None
    lead: parse.Lead | None = None
    f = _File(name, text=raw, kind=kind_of(name, raw) if kind == "md" else kind)
    said: tuple[int, Condition] | None = None  # an inline i = k the prose just stated
    for item in items:
        condition, said = _prose_condition(text, said, item, reading.settings)
        if isinstance(item, blocks.Note):
            run.warnings.append(f"{name}:{item.line}:{item.column}: {item.message}")
        elif isinstance(item, blocks.Problem):
            f.slots.append(_item_error(name, item, item.message, ""))
        elif isinstance(item, blocks.Directive):
            try:
                d = parse_directive(item.text)
            except ValueError as e:
                f.slots.append(_item_error(name, item, str(e), f"derivator: {item.text}"))
                continue
            reading.apply(d)
            run.explanations += [
                f"{name}:{item.line}: {k}={v} (directive)"
                for k, v in d.items()
                if k in conventions.KEYS
            ]
        elif not item.text.strip():
            run.warnings.append(f"{name}:{item.line}:{item.column}: an empty math block")
        elif _RELATION_HINT.search(item.text):
            settings = reading.settings
            lead = (
                parse.lead(previous.text, item.text, settings.conventions.reading, lead)
                if previous
                else None
            )
            here = replace(settings, conventions=settings.conventions.at(item.line))
            here = replace(here, layer_activations=here.conventions.layer_activations)
            if (
                here.conventions.loss_history
                and here.conventions.loss
                and not reading.loss_stated
                and "loss" not in reading.stated_keys
            ):
                # the cost redefined with another loss: the one in force at this line
                here = replace(here, loss=here.conventions.loss)
            here = replace(here, unstated=reading.unstated(here))
            skipping = reading.skip_on or reading.skip_next
            f.tasks[len(f.slots)] = Task(
                name, src.excerpt(item), item, here, skipping, lead=lead, condition=condition
            )
            f.defaulted = sorted(set(f.defaulted) | set(reading.defaulted))
            f.slots.append([])
            reading.skip_next = False
            previous = item
            if not skipping and reading.settings.targets == "any" and _states_targets(item, here):
                reading.apply({"targets": "distribution"})
    _attach_model(name, f, run)
    return f


_SUMS_TO_1 = re.compile(r"\\sum.*=\s*1\s*[,.;]?\s*$", re.S)


def _states_targets(item: blocks.Block, settings: interpret.Settings) -> bool:
    """Does the block state that the targets sum to 1 (``\\sum_j y_{ij} = 1``, in the document's
    letters)?  That is a hypothesis on the data, not a claim: the relations after it are judged
    with targets=distribution, as if the directive stood there (docs/soundness.md, "A stated
    hypothesis")."""
    if not _SUMS_TO_1.search(item.text):
        return False
    try:
        chains = parse.parse(item.text, settings.conventions.reading)
    except parse.ReadError:
        return False
    return any(
        len(c.exprs) == 2
        and c.ops == ["="]
        and targets_sum_to_1(
            *conventions.translate_relation([c.exprs[0], c.exprs[1]], settings.conventions)
        )
        for c in chains
    )


def targets_sum_to_1(lhs: parse.Node, rhs: parse.Node) -> bool:
    """Σ_j y_{ij} = 1 or Σ_j y_j = 1 (the sum over the targets' unit index, in the notation's
    letters): the hypothesis that each sample's targets are a distribution."""
    lhs, rhs = parse.ungrouped(lhs), parse.ungrouped(rhs)
    if not (isinstance(rhs, parse.Num) and rhs.text == "1" and isinstance(lhs, parse.SumNode)):
        return False
    body = parse.ungrouped(lhs.body)
    return (
        lhs.lower is None
        and lhs.upper is None
        and lhs.excluded is None
        and isinstance(body, parse.Var)
        and body.name == "y"
        and not body.primes
        and bool(body.sub)
        and body.sub[-1].name == lhs.index  # type: ignore[index]
        and body.sub[-1].expr is None  # type: ignore[index]
        and all(x.name != lhs.index for x in body.sub[:-1])  # type: ignore[index]
    )


@dataclass
class _Reading:
    """Where the reading of a file stands: the settings in force, what the configuration and the
    directives so far stated, which of activation and loss are still the defaults, and whether
    blocks are skipped."""

    inferred: conventions.Conventions
    settings: interpret.Settings
    stated: conventions.Conventions
    stated_keys: set[str]
    defaulted: list[str]
    skip_on: bool = False
    skip_next: bool = False
    #: the caller or a directive of the document states the loss: the definitions do not set it
    loss_stated: bool = False
    #: the caller, a directive or the document's forward pass states the output layer's σ
    output_stated: bool = False
    #: the caller or a directive states what the targets satisfy (targets=any included)
    targets_stated: bool = False

    def unstated(self, here: interpret.Settings) -> tuple[str, ...]:
        """What the document leaves to derivator's defaults at a relation read with ``here``:
        the loss when no cost is written, stated or redefined; the hidden activation when the
        forward pass names it by a letter of its own (``z_j = h(a_j)``) and nothing says which
        function that is (σ is the notation's sigmoid); the output layer's σ when neither it
        nor the loss is written (docs/soundness.md, "A refutation in a default the document
        does not state"); the targets when no directive or caller says what they satisfy
        ("Targets left unstated under a document's cross-entropy")."""
        out = set(self.defaulted) & {"activation", "loss"}
        if here.loss != self.settings.loss or here.conventions.loss_history:
            out.discard("loss")
        if not any(role == "function" for _, role in here.conventions.letters):
            out.discard("activation")
        if "loss" in out and not self.output_stated:
            out.add("output-activation")
        if not self.targets_stated:
            out.add("targets")  # (a document's Σ_j y_ij = 1 states it: targets=distribution)
        return tuple(sorted(out))  # sorted: its repr is part of the verdicts' cache key

    def apply(self, d: dict[str, str]) -> None:
        """A directive: it overrides what was inferred or stated before it."""
        self.stated = conventions.update(self.stated, d)
        self.stated_keys = self.stated_keys | (set(d) & {*conventions.KEYS, "loss"})
        settings = self.settings
        # replace, not rebuild: what the document's definitions fixed (its bias, its per-layer
        # functions) stays unless the directive itself says otherwise
        self.settings = replace(
            settings,
            activation=d.get("activation", settings.activation),
            loss=d.get("loss", settings.loss),
            network=d.get("network", settings.network),
            targets=d.get("targets", settings.targets),
            conventions=conventions.merge(self.inferred, self.stated, self.stated_keys),
            output_activation=d.get("output-activation", settings.output_activation),
        )
        self.defaulted = [k for k in self.defaulted if k not in d]
        self.output_stated = self.output_stated or "output-activation" in d
        self.targets_stated = self.targets_stated or "targets" in d
        skip = d.get("skip")
        if skip == "next":
            self.skip_next = True
        elif skip is not None:
            self.skip_on = skip == "on"


def _start_reading(name: str, items: list[blocks.Item], run: Run) -> _Reading:
    """The settings a file starts with: what its blocks imply (inferred), under the
    configuration's directives, and the loss and activations its own definitions write."""
    inferred, findings = infer([(x.line, x.text) for x in items if isinstance(x, blocks.Block)])
    run.explanations += [_finding(f, inferred, name) for f in findings] or [
        f"{name}: nothing inferred (the notation's own letters)"
    ]
    stated, stated_keys = conventions.Conventions(), set[str]()
    if run.directives:  # the configuration's directives, as if the file began with them
        stated = conventions.update(stated, run.directives)
        stated_keys = set(run.directives) & {*conventions.KEYS, "loss"}
        inferred = conventions.merge(inferred, stated, stated_keys)
        run.explanations += [f"{name}: {k}={v} (configuration)" for k, v in run.directives.items()]
    settings = replace(
        run.defaults,
        conventions=inferred,
        bias=inferred.bias != "none",
        own_functions=inferred.own_functions == "yes",
    )
    in_directives = set().union(
        *(_directive_keys(x.text) for x in items if isinstance(x, blocks.Directive))
    )
    for key in ("loss", "activation", "output-activation"):
        # the loss and activations the document's own definitions write beat the defaults; what the
        # caller states (run.stated), and a document that states them in directives (one per
        # section, say), are taken at their word instead
        value = getattr(inferred, key.replace("-", "_"))
        if value and key not in run.stated and key not in in_directives:
            settings = replace(settings, **{key.replace("-", "_"): value})
    if (
        "network" not in run.stated
        and "network" not in in_directives
        and any(f.key == "network" and f.value == "single" for f in findings)
    ):
        # every layer quantity written and used as one number: one neuron per layer
        settings = replace(settings, network="single")
    defaulted = [
        k for k in ("activation", "loss") if k not in run.stated and not getattr(inferred, k)
    ]
    return _Reading(
        inferred,
        settings,
        stated,
        stated_keys,
        defaulted,
        loss_stated="loss" in run.stated or "loss" in in_directives,
        output_stated=bool(
            "output-activation" in run.stated
            or "output-activation" in in_directives
            or inferred.output_activation
        ),
        targets_stated="targets" in run.stated or "targets" in in_directives,
    )


def _finding(f: Finding, inferred: conventions.Conventions, name: str) -> str:
    """A finding as ``--explain`` prints it; where two definitions of the loss or of a cost
    letter disagree and each governs from its line on (a redefinition), each with its line."""
    letter = f.key.removeprefix("cost ")
    mine = [(w, what) for c, w, what in inferred.cost_history if c == letter]
    if f.value or not ((f.key == "loss" and inferred.loss_history) or (f.key != letter and mine)):
        return f.text(name)
    history = list(inferred.loss_history) if f.key == "loss" else mine
    each = ", ".join(
        f"{what} from line {w}"
        for k, (w, what) in enumerate(history)
        if k == 0 or history[k - 1][1] != what
    )
    return f"{name}:{f.line}: {f.key} redefined, each from its line on: {each}"


def _item_error(
    name: str, item: blocks.Directive | blocks.Problem, reason: str, relation: str
) -> Result:
    """An error at an item that is no relation (a bad directive, a block that does not close)."""
    return Result(
        name,
        item.line,
        0,
        relation,
        Outcome.ERROR,
        reason=reason,
        column=item.column,
        at=(item.line, item.column),
    )


def _attach_model(name: str, f: _File, run: Run) -> None:
    """Build the document's model (its definitions) from every block, and give it to each task."""
    history = next((t.settings.conventions.cost_history for t in f.tasks.values()), ())
    model = definitions.first_walk(
        [
            (
                t.block.line,
                t.block.text,
                t.settings.conventions.reading,
                t.lead.node if t.lead else None,
            )
            for t in f.tasks.values()
        ],
        _redefined_costs(history),
    )
    if model.sites or model.network or model.has_cases:
        run.explanations += [f"{name}:{x} (definition, scalar model)" for x in model.explain()]
        run.explanations += [
            f"{name}:{line}: defines {what} (definition, network model)"
            for (line, _), what in sorted(model.network.items())
        ]
        for t in f.tasks.values():
            t.model = model


def _redefined_costs(history: tuple[tuple[str, int, str], ...]) -> frozenset[tuple[str, int]]:
    """(cost letter, line) where a definition of the letter says another thing than the one
    before it (the mean, then one example's cost): a definition anew, from its line on."""
    last: dict[str, str] = {}
    out = set()
    for letter, where, what in history:
        if letter in last and last[letter] != what:
            out.add((letter, where))
        last[letter] = what
    return frozenset(out)


def check_text(name: str, text: str, run: Run, kind: str | None = None) -> list[Result]:
    """All results of one file's text (decided by the run's workers)."""
    f = _plan(name, text, run, kind)
    _decide([f], run)
    return _assemble(f, run)


def check_files(names: Iterable[str], run: Run, stdin: Any = None) -> Checked:
    """Check files (``-`` is ``stdin``, a binary stream) in one run.  A file that cannot be read
    becomes one ``error`` result marked ``unreadable``.  A :class:`Stop` or KeyboardInterrupt
    (Ctrl-C) ends the run at once: the workers are killed and what was decided is returned."""

    def sources() -> Iterator[tuple[str, str | FileError]]:
        for name in names:
            label = "<stdin>" if name == "-" else name
            try:
                yield (
                    label,
                    (
                        read_stream(stdin, run.max_bytes)
                        if name == "-"
                        else read(Path(name), run.max_bytes)
                    ),
                )
            except FileError as e:
                yield label, e

    return check_sources(sources(), run)


def check_sources(sources: Iterable[tuple[str, str | FileError]], run: Run) -> Checked:
    """Check texts already read, ``(name, text)``, in one run; ``(name, FileError)`` stands for a
    file that could not be read.  Each file's results, warnings and explanations are also kept
    apart in ``Checked.files`` (what the persistent cache stores)."""
    files: list[_File] = []
    try:
        read = list(sources)
        whole = sum(isinstance(text, str) for _, text in read) >= WHOLE_FILES * run.jobs
        for label, text in read:
            if isinstance(text, FileError):
                files.append(_File(label, [unreadable(label, text)]))
            elif whole:  # planned and decided by a worker
                files.append(_File(label, text=text, planned=False))
            else:
                files.append(_planned(label, text, run))
        _decide(files, run)
    except (Stop, KeyboardInterrupt) as e:
        run.close()
        signum = e.signum if isinstance(e, Stop) else 2
        done = [_outcome(f, run, so_far=True) for f in files if f.planned]
        return Checked([r for o in done for r in o.results], signum, done)
    done = [_outcome(f, run) for f in files]
    return Checked([r for o in done for r in o.results], None, done)


def _planned(name: str, text: str, run: Run) -> _File:
    """:func:`_plan` in this process, with what it said about the file kept with the file."""
    warned, explained = len(run.warnings), len(run.explanations)
    f = _plan(name, text, run, None)
    f.text = text  # for the source line of each error
    f.warnings = run.warnings[warned:]
    f.explanations = run.explanations[explained:]
    del run.warnings[warned:], run.explanations[explained:]
    return f


def _outcome(f: _File, run: Run, so_far: bool = False) -> FileOutcome:
    warned = len(run.warnings)
    results = _assemble(f, run, so_far)
    return FileOutcome(
        f.name, results, f.warnings + run.warnings[warned:], f.explanations, complete=not so_far
    )


def _assemble(f: _File, run: Run, so_far: bool = False) -> list[Result]:
    """The results of a decided file in reading order (``so_far``: blocks not finished are
    left out), and its warning about mixed sum conventions."""
    out: list[Result] = []
    for k, slot in enumerate(f.slots):
        if isinstance(slot, Result):
            out.append(slot)
        elif not (so_far and (k in f.tasks or k in f.pending)):
            out += slot
    text, cells = f.text or "", None
    if (f.kind or kind_of(f.name, text)) == "ipynb" and not any(r.unreadable for r in out):
        text, cells = notebook.markdown(f.name, text)
    lines = text.split("\n") if any(r.at for r in out) else []
    for r in out:
        if r.at is not None and 0 < r.at[0] <= len(lines):
            r.source_line = lines[r.at[0] - 1]
        if cells is not None and r.cell is None:  # a notebook's place: cell and line in it
            r.cell, r.line = cells.place(r.line)
            if r.at is not None:
                r.at = (cells.place(r.at[0])[1], r.at[1])
    _broken(out)
    if any(r.reason.startswith(UNBUILT) for r in out):
        _name_directives(out, _model_directives(f))
    # a refutation in the document's own model (definitions.judge) is about no default
    refuted = sum(r.verdict == "refuted" and "document's" not in r.method for r in out)
    if (
        refuted and f.defaulted and not so_far
    ):  # the verdicts are right about a network nobody named
        words = {
            "activation": f"σ = {run.defaults.activation}",
            "loss": f"the loss {run.defaults.loss}",
        }
        run.warnings.append(
            f"{f.name}: {refuted} refuted relation{'s' if refuted > 1 else ''} read with "
            f"{' and '.join(words[k] for k in f.defaulted)}, which the file does not state; if "
            f"it means another, say so with {' or '.join(f'{k}=…' for k in f.defaulted)}"
        )
    if len(f.conventions) > 1 and not so_far:
        run.warnings.append(
            f"{f.name}: sums use both 0-based and 1-based bounds (both are read as over all "
            "of the range)"
        )
    return out


def _decide(files: list[_File], run: Run) -> None:
    """Decide every block of every file on the run's workers and put the results in their slots.

    A file not planned yet goes to a worker whole (:class:`FileTask`, the biggest first, so that
    the last one to finish is a small one); a planned file's blocks go one by one.  A worker
    announces each relation before deciding it; when the worker is lost (killed on time, out of
    memory, died), that relation becomes ``unknown`` with the reason and the rest of its block is
    decided by a fresh worker (a whole file's other blocks too, planned here)."""
    pool = run.workers()
    current: dict[tuple[int, int], Result | None] = {}
    whole = [n for n, f in enumerate(files) if not f.planned]
    for n in sorted(whole, key=lambda n: -len(files[n].text or "")):
        pool.submit(("file", n), FileTask(files[n].name, files[n].text or ""))
    for n, f in enumerate(files):
        for k, task in f.tasks.items():
            pool.submit((n, k), task)
    try:
        _collect(files, pool, current, run)
    except BaseException:
        run.close()  # workers busy with this run's blocks must not answer the next one
        raise


def _collect(
    files: list[_File], pool: workers.Pool, current: dict[tuple[int, int], Result | None], run: Run
) -> None:
    """Put every event of the pool in its file's slot (see :func:`_decide`)."""
    for ev in pool.events():
        key = cast(tuple[Any, int], ev.key)  # ("file", file) or (file, block), as submitted
        if key[0] == "file":
            _file_event(files, ev, pool, current, run)
            continue
        n, k = key
        f = files[n]
        if ev.kind == "message":
            what, payload = ev.payload
            _block_message(f, n, k, what, payload, current)
        elif ev.kind == "done":
            del f.tasks[k]
        else:
            _lost(f, n, k, f.tasks[k], ev.payload, pool, current)


def _block_message(
    f: _File, n: int, k: int, what: str, payload: Any, current: dict[tuple[int, int], Result | None]
) -> None:
    slot = f.slots[k]
    assert isinstance(slot, list)
    if what == "begin":
        current[n, k] = payload
    elif what == "result":
        slot.append(payload)
        current[n, k] = None
    else:
        f.conventions |= payload


def _lost(
    f: _File,
    n: int,
    k: int,
    task: Task,
    why: str,
    pool: workers.Pool,
    current: dict[tuple[int, int], Result | None],
) -> None:
    """A block whose worker was lost: the relation it was deciding is unknown, and the rest of
    the block goes to a fresh worker (a block lost while being read is unknown as a whole)."""
    slot = f.slots[k]
    assert isinstance(slot, list)
    lost = current.pop((n, k), None)
    if lost is None:
        lost = Result(
            f.name,
            task.block.line,
            task.first,
            _short(task.block.source),
            Outcome.UNKNOWN,
            column=task.block.column,
        )
        slot.append(lost)
        f.tasks.pop(k, None)
    else:
        slot.append(lost)
        task.first = lost.step + 1
        f.tasks[k] = task
        pool.submit((n, k), task)
    lost.verdict, lost.method, lost.reason = Outcome.UNKNOWN, "stopped", why


def _file_event(
    files: list[_File],
    ev: workers.Event,
    pool: workers.Pool,
    current: dict[tuple[int, int], Result | None],
    run: Run,
) -> None:
    """An event of a whole file's worker: its plan, then its blocks' messages as a block's."""
    n = cast(tuple[str, int], ev.key)[1]
    f = files[n]
    if ev.kind == "message":
        what, payload = ev.payload
        if what == "plan":
            f.slots = [[] if r is None else r for r in payload.slots]
            f.pending = {k for k, r in enumerate(payload.slots) if r is None}
            f.warnings, f.explanations = payload.warnings, payload.explanations
            f.defaulted, f.planned = payload.defaulted, True
        elif what == "block-done":
            f.pending.discard(payload)
        else:
            k, inner = payload
            _block_message(f, n, k, what, inner, current)
        return
    if ev.kind == "done" or not (f.pending or not f.planned):
        return
    # the worker was lost: plan the file here and give what is left to fresh workers
    again = _planned(f.name, f.text or "", run)
    if not f.planned:
        again.text, files[n] = f.text, again
        for k, task in again.tasks.items():
            pool.submit((n, k), task)
        return
    for k in sorted(f.pending):
        task = again.tasks[k]
        slot = f.slots[k]
        assert isinstance(slot, list)
        if (n, k) in current and current[n, k] is not None:
            _lost(f, n, k, task, ev.payload, pool, current)
        else:
            current.pop((n, k), None)
            task.first = slot[-1].step + 1 if slot else task.first
            f.tasks[k] = task
            pool.submit((n, k), task)
    f.pending.clear()


def _work(run: Run, task: Task | FileTask) -> Iterator[tuple[str, Any]]:
    """In a worker: decide one block, announcing each relation before deciding it; or plan a
    whole file and decide its blocks, each message marked with its block's slot."""
    if isinstance(task, FileTask):
        yield from _work_file(run, task)
        return
    used: set[str] = set()
    yield from block_results(
        task.name,
        task.source,
        task.block,
        task.settings,
        run,
        task.skipping,
        used,
        task.first,
        task.lead,
        task.model,
        task.condition,
    )
    yield "used", used


def _work_file(run: Run, task: FileTask) -> Iterator[tuple[str, Any]]:
    f = _planned(task.name, task.text, run)
    slots = [slot if isinstance(slot, Result) else None for slot in f.slots]
    yield "plan", _Plan(slots, f.warnings, f.explanations, f.defaulted)
    for k, block in f.tasks.items():
        for what, payload in _work(run, block):
            yield what, (k, payload)
        yield "block-done", k


def _position(
    src: blocks.Source | blocks.Excerpt, block: blocks.Block, pos: int
) -> tuple[int, int]:
    """Line and column of a position in the block; a position in the expression a continuation
    block continues (pos < 0: it stands in the previous block) is the block's own start."""
    return src.position(block.offset + block.origin(max(pos, 0)))


def block_results(
    name: str,
    src: blocks.Source | blocks.Excerpt,
    block: blocks.Block,
    settings: interpret.Settings,
    run: Run,
    skipping: bool,
    conventions: set[str],
    first: int = 0,
    lead: parse.Lead | None = None,
    model: definitions.Model | None = None,
    stated: Condition | None = None,
) -> Iterator[tuple[str, Result]]:
    """``("begin", r)`` before deciding relation r and ``("result", r)`` after, from step
    ``first`` on.  A step whose expression could not be read is one error (a step that starts
    from it is ``unknown``); the block's other steps are still decided."""
    if not block.text.strip():
        return
    read = _read_block(name, src, block, settings, skipping, lead)
    if isinstance(read, Result):
        yield "result", read
        return
    chains = read
    scalar = _scalar_steps(block, settings, lead, model, chains)
    scope = _BlockScope(name, src, block, settings, run, conventions, model, scalar)
    step = 0
    conditions = _conditions(chains)
    for c, chain in enumerate(chains):
        condition = conditions.get(c) or (stated if chain.ops else None)
        if condition is not None and condition[1] == "=":
            chain = replace(
                chain, exprs=[_renamed(e, condition[2], condition[0]) for e in chain.exprs]
            )
        if not chain.ops and isinstance(chain.exprs[0], parse.Unread):
            # unreadable, and no relation after it
            if step >= first:
                yield "result", _unread_chain(scope, chain, step, skipping)
            step += 1
            continue
        for k, op in enumerate(chain.ops):
            if op not in parse.CHECKED_OPS:
                continue
            text = _relation_text(block, chain, k, op, lead)
            r = Result(name, block.line, step, _short(text), Outcome.UNKNOWN, column=block.column)
            step += 1
            if r.step < first:
                continue
            if skipping:
                r.verdict, r.reason = Outcome.SKIPPED, "skip directive"
                yield "result", r
                continue
            yield "begin", r
            t0 = time.perf_counter()
            _decide_step(scope, r, chain, k, op, condition)
            if condition is not None and condition[1] == "=" and r.verdict == Outcome.PROVED:
                where = "the text" if c not in conditions else "the formula"
                note = f"proved where {condition[0]} = {condition[2]} (as {where} states)"
                r.reason = note + (f"; {r.reason}" if r.reason else "")
            r.seconds = time.perf_counter() - t0
            yield "result", r


@dataclass(frozen=True)
class _BlockScope:
    """What every relation of one block is decided with."""

    name: str
    src: blocks.Source | blocks.Excerpt
    block: blocks.Block
    settings: interpret.Settings
    run: Run
    conventions: set[str]
    model: definitions.Model | None
    #: the block's relations as the document's scalar model reads them (``_scalar_steps``)
    scalar: dict[int, tuple[parse.Node, parse.Node]] | None


def _read_block(
    name: str,
    src: blocks.Source | blocks.Excerpt,
    block: blocks.Block,
    settings: interpret.Settings,
    skipping: bool,
    lead: parse.Lead | None,
) -> list[parse.Chain] | Result:
    """The block's chains of relations, or the one result of a block that cannot be parsed (an
    error at the place, or skipped under a skip directive)."""
    try:
        return parse.parse(block.text, settings.conventions.reading, lead.node if lead else None)
    except parse.ReadError as e:
        if skipping:
            return Result(
                name,
                block.line,
                0,
                _short(block.source),
                Outcome.SKIPPED,
                reason="skip directive",
                column=block.column,
            )
        return Result(
            name,
            block.line,
            0,
            _short(block.source),
            Outcome.ERROR,
            reason=str(e),
            column=block.column,
            at=_position(src, block, e.pos),
        )
    except RecursionError:
        return Result(
            name,
            block.line,
            0,
            _short(block.source),
            Outcome.ERROR,
            reason="nested too deeply to read",
            column=block.column,
        )


def _unread_chain(scope: _BlockScope, chain: parse.Chain, step: int, skipping: bool) -> Result:
    """The result of an expression that could not be read and starts no relation."""
    block = scope.block
    r = Result(
        scope.name,
        block.line,
        step,
        _short(block.as_written(chain.starts[0], chain.ends[0])),
        Outcome.UNKNOWN,
        column=block.column,
    )
    _unread(r, (chain.exprs[0], chain.exprs[0]), True, scope.src, block)
    if skipping:
        r.verdict, r.reason, r.at = Outcome.SKIPPED, "skip directive", None
    return r


def _relation_text(
    block: blocks.Block, chain: parse.Chain, k: int, op: str, lead: parse.Lead | None
) -> str:
    """Relation k of a chain as written (a continuation block's left side is its lead's text)."""
    left = (
        lead.text
        if chain.starts[k] < 0 and lead
        else block.as_written(chain.starts[k], chain.ends[k]).strip()
    )
    return (
        left
        + f" {_written_op(block.text, chain, k, op)} "
        + block.as_written(chain.starts[k + 1], chain.ends[k + 1]).strip()
    )


def _decide_step(
    scope: _BlockScope,
    r: Result,
    chain: parse.Chain,
    k: int,
    op: str,
    condition: tuple[str, str, str] | None,
) -> None:
    """Decide relation k of a chain into r: refused under a condition i ≠ j, in the document's
    model, an unreadable side, or judged in the network reading (a crash of the judge is an
    error of derivator's, never a verdict on the relation)."""
    block, model, run = scope.block, scope.model, scope.run
    sides = (chain.exprs[k], chain.exprs[k + 1])
    case = cases.case_of(sides[0], op, sides[1], model.indices) if model is not None else None
    if case is not None:  # j = 1 of an index j: which case the text is about (cases.py)
        r.verdict = Outcome.SKIPPED
        r.reason = f"states the case {case}, not a relation to check (an index has no value)"
        return
    if condition is not None and condition[1] == "≠":
        r.verdict = Outcome.ERROR
        r.reason = (
            f"the relation is stated under the condition {condition[0]} ≠ {condition[2]}, which cannot "
            f"be assumed: it is not checked"
        )
    elif (
        op == "≈"
        and not any(isinstance(x, parse.Unread) for x in sides)
        and decimals.shown_unit(*sides) is None
    ):
        r.verdict = Outcome.SKIPPED
        r.reason = (
            "an approximation (≈) without decimals is no identity: only decimals are compared, "
            "to the digits shown"
        )
    elif (
        model is not None
        and not _restates_decay(model, block, r, scope.settings)
        and _in_model(r, block, scope.scalar, model, op)
    ):
        site = model.sites.get((block.line, r.step))
        r.defines = site.name if site is not None else ""
        if not r.defines and scope.scalar is not None:
            # judged in the scalar model: it uses that model's names (E_{o1}, E_{total}), each
            # built from the document's scalar definitions, not the network reading's letter E
            r.uses = sorted(definitions.used(list(scope.scalar[r.step]), model))
            return
    elif any(isinstance(x, parse.Unread) for x in sides):
        _unread(r, sides, k == 0, scope.src, block)
    else:
        try:
            decide(r, chain, k, op, scope.settings, run, scope.conventions, scope.src, block, model)
        except MemoryError:
            r.verdict, r.method = Outcome.UNKNOWN, "stopped"
            r.reason = f"needed more than the memory limit of {run.memory // 2**20:,} MB"
        except Exception as e:
            r.verdict, r.method = Outcome.ERROR, ""
            r.reason = f"derivator could not decide this relation ({type(e).__name__}: {e})"
    if model is not None and not r.defines:
        _network_definition(r, block, model, sides)


def _scalar_steps(
    block: blocks.Block,
    settings: interpret.Settings,
    lead: parse.Lead | None,
    model: definitions.Model | None,
    chains: list[parse.Chain],
) -> dict[int, tuple[parse.Node, parse.Node]] | None:
    """The block's relations as the scalar model reads them (its names of several letters), by
    step; None when the model has nothing to say or the two readings number steps differently."""
    if model is None:
        return None
    try:
        again = parse.parse(
            block.text, model.reading(settings.conventions.reading), lead.node if lead else None
        )
    except (parse.ReadError, RecursionError):
        return None
    mine = definitions.steps(again)
    if len(mine) != len(definitions.steps(chains)):
        return None
    return {step: (chain.exprs[k], chain.exprs[k + 1]) for step, chain, k in mine}


def _restates_decay(
    model: definitions.Model, block: blocks.Block, r: Result, settings: interpret.Settings
) -> bool:
    """An equation for a regularised cost after its definition (``J = C`` after ``J = C + λ/2
    Σ w²``): a claim about J, never the scalar model's first definition of it (that model does
    not hold the regularised cost, whose sum over every weight it cannot build)."""
    site = model.sites.get((block.line, r.step))
    return site is not None and any(
        d.letter == site.name and d.line < block.line for d in settings.conventions.decays
    )


def _in_model(
    r: Result,
    block: blocks.Block,
    scalar: dict[int, tuple[parse.Node, parse.Node]] | None,
    model: definitions.Model,
    op: str,
) -> bool:
    """Decide r in the document's scalar model when it belongs there: a definition of the model
    is reported as defined; a claim about the model's names is judged with its definitions
    substituted.  False: the relation is the network reading's."""
    site = model.sites.get((block.line, r.step))
    if scalar is None or r.step not in scalar or op not in ("=", "≈", *definitions.DEFINING_OPS):
        return False
    if site is not None:
        j = definitions.defined(site, model)
    else:
        lhs, rhs = scalar[r.step]
        if (
            op not in ("=", "≈")
            or interpret.is_update_rule(op, lhs, rhs)
            or not definitions.uses_model([lhs, rhs], model)
        ):
            return False
        why = definitions.conflict([lhs, rhs], model, (block.line, r.step))
        try:
            if why is None:
                j = definitions.judge(lhs, rhs, model, (block.line, r.step))
            else:
                both = definitions.judge_restated(lhs, rhs, model, (block.line, r.step))
                if both is None:
                    r.verdict, r.reason = Outcome.ERROR, why
                    return True
                j = both
        except (definitions.NotScalar, TypeError, ValueError, ArithmeticError, RecursionError):
            if why is not None:
                r.verdict, r.reason = Outcome.ERROR, why
                return True
            return False
    r.verdict, r.method, r.reason, r.counterexample = (
        j.verdict,
        j.method,
        j.reason,
        j.counterexample,
    )
    r.audit = j.audit
    return True


def _written_op(text: str, chain: parse.Chain, k: int, op: str) -> str:
    """The operator as the document writes it (``\\equiv``, ``\\coloneqq``), so that a relation
    reads as written; ``=`` and ``<-`` as always."""
    if op in ("=", "<-") or chain.ends[k] < 0:
        return "=" if op == "=" else op
    written = text[chain.ends[k] : chain.starts[k + 1]].strip()
    return written if written.startswith("\\") or written == ":=" else op


def _network_definition(
    r: Result, block: blocks.Block, model: definitions.Model, sides: tuple[parse.Node, parse.Node]
) -> None:
    """A relation of the network reading: what it uses, and, for a definition of the network's
    model, ``defined`` when the model derivator reads the document in satisfies it (anything else
    is settled in :func:`_broken`, once every block is decided)."""
    r.uses = sorted(definitions.uses(list(sides)))
    name = model.network.get((block.line, r.step))
    if name is None:
        again = definitions.network_name(sides[0])
        if (
            again is not None
            and r.verdict == Outcome.PROVED
            and r.step == 0
            and (again.lower() != "delta" or definitions.defines_delta(sides[1]))
        ):
            # a restatement the model satisfies: the name is built again; a formula for δ is a
            # claim, which never rebuilds a δ whose definition (its sign) the model does not hold
            r.defines = again
        return
    if (
        r.verdict == Outcome.ERROR
        and name not in definitions.COST_CAPITALS
        and not any(isinstance(n, parse.Unread) for side in sides for n in parse.walk(side))
    ):
        # read, but not in this notation (an index free on one side only, a size limit): an
        # error of its own, which leaves the name to the network's own definition; never a
        # cost's (J = L + λ/2 Σ w²: what uses J is not judged as if J were the loss)
        return
    r.defines = name
    if r.verdict == Outcome.PROVED:
        r.verdict, r.method = (
            Outcome.DEFINED,
            "definition (the model satisfies it: " + r.method + ")",
        )
        r.reason = f"defines {name}" + (f"; {r.reason}" if r.reason else "")


#: how the error of a definition the model does not satisfy starts (``_broken``)
UNBUILT = "a definition of "
#: the directive keys that shape the model a definition is judged in
MODEL_KEYS = frozenset({*conventions.KEYS, "activation", "output-activation", "loss", "network"})


def _model_directives(f: _File) -> list[tuple[int, str]]:
    """(line, ``key=value``) of each directive of the file that shapes the model, in order."""
    text, kind = f.text or "", f.kind or kind_of(f.name, f.text or "")
    if kind == "ipynb":
        try:
            text, kind = notebook.markdown(f.name, text)[0], "md"
        except FileError:
            return []
    out = []
    for item in blocks.scan(blocks.Source(f.name, text), kind):
        if isinstance(item, blocks.Directive):
            try:
                d = parse_directive(item.text)
            except ValueError:
                continue
            out += [(item.line, f"{k}={v}") for k, v in d.items() if k in MODEL_KEYS]
    return out


def _name_directives(out: list[Result], directives: list[tuple[int, str]]) -> None:
    """A definition the model does not satisfy, read under directives stated before it: the
    error names them (the definition governs what the document means; a directive that
    contradicts it is to be removed, not obeyed), instead of advising more directives."""
    for r in out:
        before = [f"{kv} (line {ln})" for ln, kv in directives if ln < r.line]
        if r.reason.startswith(UNBUILT) and "derivator cannot build" in r.reason and before:
            r.reason = r.reason.split(" (state the model with directives")[0] + (
                f"; read under the directive{'s' if len(before) > 1 else ''} "
                f"{', '.join(before)}, which the definition contradicts: the document's "
                "definition governs, so remove or correct the directive"
            )


def _broken(out: list[Result]) -> None:
    """A definition of the network's model that the model derivator built does not satisfy is
    not refuted (definitions define): it is an error, and the relations after it that use its
    name are errors naming it, never judged in a default model.  A later definition of the name
    that the model satisfies governs what follows it."""
    broken: dict[str, int] = {}
    #: a name broken with the cost it depends on (δ, L): that cost's letter, for the message
    costs_of: dict[str, str] = {}
    built: set[str] = set()
    for r in out:
        if r.defines and r.verdict in (Outcome.DEFINED, Outcome.PROVED):
            broken.pop(r.defines, None)
            if r.verdict == Outcome.DEFINED:
                built.add(r.defines)
            for implied in [k for k, cost in costs_of.items() if cost == r.defines]:
                broken.pop(implied, None)  # a cost built again rebuilds what depends on it
                del costs_of[implied]
            continue
        if r.defines and r.verdict in (Outcome.REFUTED, Outcome.ERROR):
            # a definition that holds only at sizes the notation implies (w_00, a_0: one neuron
            # per layer) is not a model that contradicts the document: reported, not breaking
            # a definition whose two sides do not even have the same free indices (L_i = (1/n)
            # Σ_i …) defines nothing: reported, and the name keeps the notation's meaning
            said = " ".join([r.reason, *r.hints])
            sized = "holds only when" in said or "free on the left only" in said
            if r.verdict == Outcome.REFUTED:
                # the refutation's own words stay in its hints (the report shows them apart)
                why = "refuted there; the hints say how"
                if r.defines == "delta" and "differ only in sign" in said:
                    r.hints.append(
                        "δ is ∂L_i/∂z; a δ with the author's minus sign is defined by δ = −∂C/∂z "
                        "itself, not by a chain of partials"
                    )
                r.verdict, r.method, r.counterexample = Outcome.ERROR, "", None
                r.reason = (
                    f"a definition of {r.defines} that the model derivator built does not satisfy "
                    f"({why}): derivator cannot build the document's model "
                    "from it, so what uses it is not judged (state the model with directives, "
                    "check --explain shows the one it built)"
                )
            if not sized:
                broken.setdefault(r.defines, r.line)
                if r.defines in definitions.COST_CAPITALS:
                    # δ and the notation's L are partials and values of the cost: a cost that
                    # cannot be built takes them with it (δ = a − y is not judged in mse when the
                    # document's own cost is a cross-entropy derivator could not read)
                    for implied in ("delta", "L"):
                        if implied == "L" and "L" in built:
                            continue  # the notation's L defined by the document itself, built
                        broken.setdefault(implied, r.line)
                        costs_of.setdefault(implied, r.defines)
            continue
        hit = sorted((broken[u], u) for u in r.uses if u in broken and broken[u] < r.line)
        if hit and (
            r.verdict in (Outcome.PROVED, Outcome.REFUTED)
            # a relation refuted in the defaults that another reading proves (_unless_unstated)
            # was judged in a model that ignores the broken definition too
            or (r.verdict == Outcome.UNKNOWN and r.method == UNSTATED_METHOD)
        ):
            line, name = hit[0]
            r.verdict, r.method, r.counterexample, r.hints = Outcome.ERROR, "", None, []
            what = (
                f"{name}, whose definition"
                if name not in costs_of
                else (f"{name}, which depends on the cost {costs_of[name]}, whose definition")
            )
            r.reason = (
                f"uses {what} (line {line}) derivator could not build into its "
                "model: not judged in a model the document does not define"
            )


def _unread(
    r: Result,
    sides: tuple[parse.Node, parse.Node],
    first: bool,
    src: blocks.Source | blocks.Excerpt,
    block: blocks.Block,
) -> None:
    """A step with an unreadable side.  Each unreadable expression is one error, at the first
    step that holds it (its chain's first step, or the step it ends); a step that only starts
    from an expression already reported is ``unknown``."""
    new = [x for x in (sides[0] if first else None, sides[1]) if isinstance(x, parse.Unread)]
    new = list({id(x): x for x in new}.values())  # a one-sided step names its expression once
    if not new:
        ln, col = _position(src, block, sides[0].pos)
        r.verdict, r.reason = (
            Outcome.UNKNOWN,
            f"its left side could not be read (line {ln}, column {col})",
        )
        return
    ln, col = _position(src, block, new[0].pos)
    r.verdict, r.at = Outcome.ERROR, (ln, col)
    r.reason = "; ".join(
        [new[0].message]  # at r.at
        + [
            # the same refusal on the other side is said once, with where it recurs
            "also at line {}, column {}".format(*_position(src, block, x.pos))
            if x.message == new[0].message
            else "line {}, column {}: {}".format(*_position(src, block, x.pos), x.message)
            for x in new[1:]
        ]
    )


def _short(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _conditions(chains: list[parse.Chain]) -> dict[int, tuple[str, str, str]]:
    """``\\frac{\\partial p_j}{\\partial o_i} = p_i(1 - p_i), \\quad i = j``: a relation followed in its block by
    an equation or inequation of two index letters is stated under that condition: {chain: (i, op, j)}.
    Under ``i = j`` the relation is read with j renamed i (the case it states); ``i ≠ j`` cannot be
    assumed, and the relation is reported, never judged without its condition."""
    out = {}
    for c in range(len(chains) - 1):
        condition = _condition_of(chains[c + 1])
        if chains[c].ops and condition is not None:
            out[c] = condition
    return out


def _condition_of(chain: parse.Chain) -> Condition | None:
    """``i = j`` or ``i ≠ j`` between two bare lowercase letters: (i, op, j), else None."""
    if not (len(chain.exprs) == 2 and chain.ops[0] in ("=", "≠")):
        return None
    first, second = chain.exprs
    if not all(
        isinstance(x, parse.Var)
        and len(x.name) == 1
        and x.name.islower()
        and not x.sub
        and x.tag is None
        and x.sample is None
        and not x.primes
        for x in (first, second)
    ):
        return None
    assert isinstance(first, parse.Var) and isinstance(second, parse.Var)
    return (first.name, chain.ops[0], second.name)


@overload
def _renamed(node: parse.Index, old: str, new: str) -> parse.Index: ...
@overload
def _renamed(node: parse.Node, old: str, new: str) -> parse.Node: ...
def _renamed(node: parse.Node | parse.Index, old: str, new: str) -> parse.Node | parse.Index:
    """The expression with the index letter ``old`` written ``new`` (in subscripts and sums)."""
    if isinstance(node, parse.Index):
        return replace(node, name=new) if node.name == old and node.expr is None else node
    if isinstance(node, parse.SumNode) and node.index == old:
        node = replace(node, index=new)
    return parse.map_children(node, lambda x: _renamed(x, old, new))


def decide(
    r: Result,
    chain: parse.Chain,
    k: int,
    op: str,
    settings: interpret.Settings,
    run: Run,
    conventions: set[str],
    src: blocks.Source | blocks.Excerpt,
    block: blocks.Block,
    model: definitions.Model | None = None,
    timeout: float | None = None,
) -> None:
    """Read relation ``k`` of a chain in the network reading and judge it (through the run's
    caches, keyed by everything the verdict depends on: the sides, the network, the settings
    in force and the document's definitions in force, ``model``).  A refutation in a setting
    the document leaves unstated is judged again in the other standard readings of it
    (:func:`_unless_unstated`).  ``timeout``: the proof's limit, when not the run's."""
    started = time.monotonic()
    if _regularised_definition(r, chain, k, settings, block):
        return
    _judge(r, chain, k, op, settings, run, conventions, src, block, model, timeout)
    limit = run.timeout if timeout is None else timeout
    deadline = started + limit * UNSTATED_SHARE
    if r.verdict == Outcome.REFUTED and settings.unstated:
        _unless_unstated(r, chain, k, op, settings, run, src, block, model, deadline)


#: the share of a relation's time limit within which the readings of what a document leaves
#: unstated are tried after a refutation (the worker must answer within the limit)
UNSTATED_SHARE = 0.6
#: the method of a relation refuted in the defaults and proved in another reading of what the
#: document leaves unstated (``unknown``)
UNSTATED_METHOD = "judged in the readings of what the document leaves unstated"


def _unless_unstated(
    r: Result,
    chain: parse.Chain,
    k: int,
    op: str,
    settings: interpret.Settings,
    run: Run,
    src: blocks.Source | blocks.Excerpt,
    block: blocks.Block,
    model: definitions.Model | None,
    deadline: float,
) -> None:
    """A relation refuted while derivator's defaults stand in for what the document does not
    state (the loss, a hidden activation it names h, the output layer) is refuted in a network
    the document does not define.  When another standard reading of what it leaves unstated
    proves it, it is ``unknown``, naming the directive of that reading; when none does (or no
    time is left to try), the refutation stands, with the file's warning that it was read
    with the defaults (docs/soundness.md, "A refutation in a default the document does not
    state")."""
    for choice in unstated.choices(settings):
        left = deadline - time.monotonic()
        if left <= 0.05:
            return
        alt = Result(r.file, r.line, r.step, r.relation, Outcome.UNKNOWN, column=r.column)
        try:
            _judge(alt, chain, k, op, choice.settings, run, set(), src, block, model, left)
        except Exception:  # a reading that cannot be built (a loss its output does not allow)
            continue
        if alt.verdict != Outcome.PROVED:
            continue
        r.verdict, r.method, r.counterexample, r.audit = Outcome.UNKNOWN, UNSTATED_METHOD, None, ""
        r.hints = []
        r.reason = (
            f"holds with {choice.directive}, not with {unstated.default_words(settings, choice.settings)} "
            f"(derivator's defaults), and the document does not state which it means: say so "
            f"with the directive {choice.directive}, or write the definition"
        )
        return


def _judge(
    r: Result,
    chain: parse.Chain,
    k: int,
    op: str,
    settings: interpret.Settings,
    run: Run,
    conventions: set[str],
    src: blocks.Source | blocks.Excerpt,
    block: blocks.Block,
    model: definitions.Model | None,
    timeout: float | None,
) -> None:
    """:func:`decide` in the settings given, without a second reading."""
    vectors.forget_layout()
    try:
        lhs_node, rhs_node, first = read_relation(
            chain.exprs[k],
            chain.exprs[k + 1],
            chain.exprs[0],
            settings.conventions,
            settings.network,
        )
        if _settled_unread(r, op, chain, lhs_node, rhs_node):
            return
        interpret.uncheckable(lhs_node)
        interpret.uncheckable(rhs_node)
        net = interpret.choose_network(settings, [lhs_node, rhs_node, first])
        conv = interpret.Converter(net, settings)
        conv.implicit = interpret.implicit_sample([lhs_node, rhs_node])
        _set_chain_variable(conv, first)
        try:
            lhs, rhs = conv.convert(lhs_node), conv.convert(rhs_node)
            if vectors.across_layers() and index_ranges(net, lhs, rhs)[1]:
                conv, lhs, rhs = _other_layout(chain, k, settings, net, first)
            lhs, rhs = _given_values(net, lhs, rhs, model, (block.line, r.step))
            conv.check_letters(lhs, rhs)
            r.display = f"{render.to_unicode(lhs)} = {render.to_unicode(rhs)}"
        except interpret.NeedsMatrix as e:
            lhs, rhs = _matrix_sides(
                net, lhs_node, rhs_node, e, settings.conventions.weights == "from-to"
            )
        conventions |= conv.conventions
    except interpret.Uncheckable as e:
        r.verdict, r.reason = e.verdict, str(e)
        return
    except (interpret.Unreadable, parse.ReadError) as e:
        ln, col = _position(src, block, e.pos)
        r.verdict, r.reason, r.at = Outcome.ERROR, str(e), (ln, col)
        return
    except (NotationError, ValueError, TypeError) as e:
        r.verdict, r.reason = Outcome.ERROR, str(e)
        return
    shown = precision.judge(lhs, rhs, decimals.shown_unit(lhs_node, rhs_node))
    if shown is not None:  # rounded decimals: equal to the digits shown, or not
        r.verdict, r.method, r.reason = shown.verdict, shown.method, shown.reason
        r.counterexample = shown.counterexample
        r.display = f"{precision.shown(lhs)} = {precision.shown(rhs)}"
        return
    # the same text in the same context means the same relation: reuse its proof
    if _about_indices(lhs, rhs):
        r.verdict = Outcome.SKIPPED
        r.reason = "a statement about indices or sizes, not an identity between quantities"
        return
    defs = model.fingerprint((block.line, r.step)) if model is not None else ""
    key = (
        net,
        settings,
        defs,
        str(conv.implicit),
        str(conv.chain_variable),
        r.relation,
        run.timeout if timeout is None else timeout,
    )
    v = run.cache.get(key)
    if v is None:
        v = _prove_stored(lhs, rhs, InModel(net, settings, defs), run, r, timeout)
        v = run.cache[key] = _unless_targets_sum_to_1(
            v, lhs, rhs, net, settings, defs, run, r, timeout
        )
    r.verdict, r.method, r.counterexample = v.verdict, v.method, v.counterexample
    r.audit = v.audit
    if op == "≈" and v.verdict != Outcome.PROVED:
        # ≈ claims agreement to the digits shown, not an identity: only numbers are compared
        r.verdict, r.method, r.counterexample = Outcome.UNKNOWN, "", None
        r.reason = (
            "an approximation (≈): not an identity, and its sides are not numbers that can be "
            "compared to the digits shown"
        )
        return
    notes = _notes(conv, settings, (lhs_node, rhs_node), v.verdict)
    notes += _in_force(settings.conventions, block.line, (lhs_node, rhs_node))
    r.hints = notes + v.hints
    r.reason = "; ".join(x for x in [v.reason] + notes if x)


def _regularised_definition(
    r: Result, chain: parse.Chain, k: int, settings: interpret.Settings, block: blocks.Block
) -> bool:
    """``J = L + \\frac{\\lambda}{2}\\sum_l \\|W^{(l)}\\|^2`` on the line that defines it: the model
    is built from this definition (every partial of J is read through it, ``regularised``), so
    it is ``defined``, never judged against itself."""
    head = parse.ungrouped(chain.exprs[0])
    if k != 0 or not isinstance(head, parse.Var) or head.sub:
        return False
    for d in settings.conventions.decays:
        if d.letter == head.name and d.line == block.line:
            per = "/n" if d.per_sample else ""
            lam = render.to_unicode(sp.Symbol(d.parameter))
            r.verdict, r.method, r.defines = Outcome.DEFINED, "definition", d.letter
            r.reason = (
                f"defines {d.letter} = {d.base} + ({d.factor})·{lam}{per}·Σ w² (every weight of "
                f"every layer, no bias); {lam} is a parameter this definition introduces: what "
                "is proved holds for every value of it"
            )
            return True
    return False


def _notes(
    conv: interpret.Converter,
    settings: interpret.Settings,
    sides: tuple[parse.Node, parse.Node],
    verdict: Outcome,
) -> list[str]:
    """What the reading of a judged relation says beside its verdict: the converter's notes,
    δ shown as −δ where the document defines δ with the minus sign, and why a claim is refuted
    under a loss the document leaves unknown."""
    notes = list(dict.fromkeys(conv.notes))
    unknown = settings.conventions.loss_functions
    if verdict == Outcome.REFUTED and settings.loss == "generic" and unknown:
        notes.append(
            f"the document's loss {conventions.letter_shown(unknown[0][0])} (line {unknown[0][1]}) "
            "is left unknown (a claim must hold for every loss): the counterexample takes the "
            f"loss {losses.ANY_LOSS_SHOWN}"
        )
    minus = [w for w, sign in settings.conventions.delta_history if sign == "minus"]
    if settings.conventions.delta_sign == "minus" and any(
        isinstance(n, parse.Var) and n.name == "delta" for side in sides for n in parse.walk(side)
    ):
        notes.append(
            f"the document defines δ as −∂L/∂z (line {minus[0]}): shown as −δ, the notation's δ being ∂L/∂z"
        )
    return notes


_COST_IS = {"mean": "the mean over the samples", "sum": "the sum over the samples"}


def _in_force(
    conv: conventions.Conventions, line: int, sides: tuple[parse.Node, parse.Node]
) -> list[str]:
    """Which definition a relation was judged with, where the document redefines its cost: the
    loss in force at its line (the squared error, then the cross-entropy) and what a cost letter
    it writes means there (Nielsen's C, the mean, then one example's cost)."""
    letters = {n.name for side in sides for n in parse.walk(side) if isinstance(n, parse.Var)}
    # (the sides as read: the document's cost letter is the notation's L there)
    costs = set(conv.cost_letters()) if letters & {"L", *conv.cost_letters()} else set()
    out = []
    if len({loss for _, loss in conv.loss_history}) > 1 and (costs or "delta" in letters):
        where, loss = _since(list(conv.loss_history), line)
        out.append(f"the loss in force: {loss} (line {where})")
    for letter in sorted(costs):
        mine = [(where, what) for name, where, what in conv.cost_history if name == letter]
        if len({what for _, what in mine}) > 1:
            where, what = _since(mine, line)
            meaning = _COST_IS.get(what, "one example's cost")
            out.append(f"{letter} here: {meaning} (line {where})")
    return out


def _since(history: list[tuple[int, str]], line: int) -> tuple[int, str]:
    """The value in force at ``line`` (the last definition before it, the first before any) and
    the line of the definition that made it so (the first of a run that says the same)."""
    k = max((i for i, (where, _) in enumerate(history) if where <= line), default=0)
    while k > 0 and history[k - 1][1] == history[k][1]:
        k -= 1
    return history[k]


def _given_values(
    net: Network,
    lhs: sp.Expr,
    rhs: sp.Expr,
    model: definitions.Model | None,
    place: tuple[int, int],
) -> tuple[sp.Expr, sp.Expr]:
    """A name that is no quantity of the network but that the document gives a number before
    this place (``ζ = 2``) stands for that number: a definition names a value, so substituting
    it changes nothing that holds in the document (docs/soundness.md, "Definitions define").
    Any other name stays, and is reported as an unknown quantity."""
    unknown = proof.unknown_names(net, lhs, rhs) if model is not None else []
    if not unknown or model is None:
        return lhs, rhs
    values = {s.name: v for s, v in model.at(place).values.items() if v.is_number}
    given = {x: values[x.name] for x in unknown if x.name in values}
    if not given:
        return lhs, rhs
    return lhs.xreplace(given), rhs.xreplace(given)


def _not_a_claim(op: str, chain: parse.Chain, lhs: parse.Node, rhs: parse.Node) -> str:
    """Why a relation is no claim to check (an update rule, a hypothesis on the targets), or ""."""
    if interpret.is_update_rule(op, lhs, rhs):
        return "update rule"
    if op == "=" and len(chain.exprs) == 2 and targets_sum_to_1(lhs, rhs):
        return (
            "a hypothesis on the targets, not a claim: the relations after it are judged "
            "with targets that sum to 1 (as under the directive targets=distribution)"
        )
    return ""


def _settled_unread(
    r: Result, op: str, chain: parse.Chain, lhs: parse.Node, rhs: parse.Node
) -> bool:
    """A relation settled before its sides are read into the network (True): no claim
    (skipped, saying why), or matrices written out in numbers (judged by arithmetic)."""
    skipped = _not_a_claim(op, chain, lhs, rhs)
    if skipped:
        r.verdict, r.reason = Outcome.SKIPPED, skipped
        return True
    literal = literals.judge(lhs, rhs)
    if literal is None:
        return False
    r.verdict, r.method, r.reason = literal.verdict, literal.method, literal.reason
    r.counterexample = literal.counterexample
    return True


def _other_layout(
    chain: parse.Chain,
    k: int,
    settings: interpret.Settings,
    net: Network,
    first: parse.Node,
) -> tuple[interpret.Converter, sp.Expr, sp.Expr]:
    """A Jacobian across layers whose own layout (a row per entry of the numerator) puts an index
    letter in two ranges, read in the other (a row per entry of the denominator): the layers'
    ranges differ, so the shapes of the relation say which layout it is written in, and only
    the one where every letter has one range is kept (vectors._jacobian).  Where both fail, the
    shapes of the relation fit neither layout: an error, never a verdict of a layout of ours."""
    lhs_node, rhs_node, _ = read_relation(
        chain.exprs[k],
        chain.exprs[k + 1],
        chain.exprs[0],
        settings.conventions,
        settings.network,
        denominator=True,
    )
    conv = interpret.Converter(net, settings)
    conv.implicit = interpret.implicit_sample([lhs_node, rhs_node])
    _set_chain_variable(conv, first)
    lhs, rhs = conv.convert(lhs_node), conv.convert(rhs_node)
    if index_ranges(net, lhs, rhs)[1]:
        raise interpret.Unreadable(
            "∂u/∂v of two layers' vectors is a matrix, a row per entry of u (the Jacobian) or of "
            "v (its transpose): the shapes of this relation fit neither" + vectors.SINGLE,
            vectors.lhs_pos(chain.exprs[k]),
        )
    conv.notes.append(
        "∂u/∂v across layers read with a row per entry of v (the Jacobian's transpose)"
    )
    return conv, lhs, rhs


def _set_chain_variable(conv: interpret.Converter, first: parse.Node) -> None:
    """What the chain differentiates by, read from its first expression: the denominator of a
    partial (∂C/∂w = …), or x of f'(x) = ((1 + e^{-x})^{-1})' = … (a primed bracket is d/dx)."""
    if isinstance(first, parse.Partial):
        try:
            v = conv.convert(first)
            if isinstance(v, sp.Expr) and hasattr(v, "den"):
                conv.chain_variable = v.den
        except (interpret.Unreadable, interpret.NeedsMatrix):
            pass
    elif (
        isinstance(first, parse.Call)
        and first.primes == 1
        and len(first.args) == 1
        and isinstance(first.args[0], parse.Var)
        and not first.args[0].sub
        and first.args[0].tag is None
    ):
        with contextlib.suppress(interpret.Unreadable, interpret.NeedsMatrix):
            conv.chain_variable = conv.convert(first.args[0])


def _matrix_sides(
    net: Network,
    lhs_node: parse.Node,
    rhs_node: parse.Node,
    e: interpret.NeedsMatrix,
    from_to: bool = False,
) -> tuple[sp.Expr, sp.Expr]:
    """Both sides as the entry (r, c) of matrices, when both are matrices; a matrix equated with
    a number is unreadable in a general network."""
    if not (interpret.has_matrix(lhs_node) and interpret.has_matrix(rhs_node)):
        raise interpret.Unreadable(
            "a matrix (∇W, W, A, Δ …) is equated with a number: in a general network "
            "that is only true with one neuron per layer (directive network=single)",
            e.pos,
        ) from None
    mc = interpret.MatrixConverter(net, from_to)
    rr, cc = sp.Symbol("r", integer=True), sp.Symbol("c", integer=True)
    return mc.side(lhs_node, rr, cc), mc.side(rhs_node, rr, cc)


def _unless_targets_sum_to_1(
    v: proof.Verdict,
    lhs: sp.Expr,
    rhs: sp.Expr,
    net: Network,
    settings: interpret.Settings,
    defs: str,
    run: Run,
    r: Result,
    timeout: float | None = None,
) -> proof.Verdict:
    """A refutation that only targets which do not sum to 1 give, in a document whose own cost
    definition is a cross-entropy and that says nothing of its targets, is withheld: ``unknown``,
    saying so (``targets=any`` stated keeps the refutation).  The cross-entropy −Σ_j t_j log y_j
    compares distributions, so its targets are class probabilities (usually one-hot) by the
    loss's own meaning, and authors use Σ_c t_c = 1 without writing it; a counterexample with
    other targets says nothing about their model (docs/soundness.md, "Targets left unstated
    under a document's cross-entropy").  The relation is judged again with
    targets=distribution: refuted there too, it stays refuted."""
    if not (
        v.verdict == Outcome.REFUTED
        and settings.targets == "any"
        and "targets" in settings.unstated
        and settings.conventions.loss == "cross-entropy"
        and net.loss == "cross-entropy"
        and (lhs - rhs).has(net.y)
    ):
        return v
    dist = replace(net, targets="distribution")
    again = _prove_stored(
        lhs, rhs, InModel(dist, replace(settings, targets="distribution"), defs), run, r, timeout
    )
    if again.verdict == Outcome.REFUTED or again.verdict == Outcome.ERROR:
        return v
    return proof.Verdict(
        Outcome.UNKNOWN,
        "targets",
        "holds when every sample's targets sum to 1 (Σ_j y_ij = 1), as the targets of the "
        "document's cross-entropy do, and fails for other targets: not refuted, since they may "
        "be one-hot; state it before (\\sum_j y_{ij} = 1, or the directive "
        "targets=distribution or one-hot) to have it judged",
    )


def _prove_stored(
    lhs: sp.Expr, rhs: sp.Expr, model: InModel, run: Run, r: Result, timeout: float | None = None
) -> proof.Verdict:
    """``proof.prove``, through the persistent cache when the run has one: a relation whose two
    sides and model (network, settings, the document's definitions in force) are unchanged is
    not proved again; a verdict that depends on the run's limits is not stored.  ``timeout``:
    the limit, when not the run's."""
    limit = run.timeout if timeout is None else timeout
    if run.store is None:
        return proof.prove(lhs, rhs, model.net, timeout=limit)
    stored = run.store.get_relation(lhs, rhs, model)
    if stored is not None:
        r.cached = True
        return proof.Verdict(**stored)
    v = proof.prove(lhs, rhs, model.net, timeout=limit)
    run.store.put_relation(lhs, rhs, model, {**v.as_dict(), "hints": v.hints, "seconds": v.seconds})
    return v


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
    """Files as given; directories recursively (``*.md`` and ``*.tex``), in sorted order.  A name
    the system refuses (too long, a loop) is kept, so that reading it reports why."""
    out: list[str] = []
    for p in paths:
        try:
            is_dir = p != "-" and Path(p).is_dir()
        except (OSError, ValueError):
            is_dir = False
        if is_dir:
            out += sorted(
                str(f) for f in Path(p).rglob("*") if f.suffix.lower() in SUFFIXES and f.is_file()
            )
        else:
            out.append(p)
    return out
