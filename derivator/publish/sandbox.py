"""The sandbox every user's template renders in, and the plain data it sees.

A template is a user's file (``derivator render post.md.j2``, ``derivator article --template``).
Three things keep it from doing more than writing text:

* **Plain data only.**  The context a template receives is built by :func:`plain` from strings
  (``Markup`` too), numbers, booleans, ``None``, tuples and read-only mappings, plus the calls the
  template may make (which return the same).  Before, a display in an article's context carried its
  writer, whose networks led to SymPy, whose ``Expr.coeff`` evaluates a string: a template ran
  ``__import__('os').system('id')``.  With plain data there is no path to any engine object.
* **The sandbox.**  jinja2's :class:`~jinja2.sandbox.SandboxedEnvironment` refuses underscore
  attributes and unsafe callables; :class:`Sandbox` also intercepts ``*``, ``**`` and ``%`` so that
  ``'a' * 10**10`` or ``2**10000000`` is refused before it allocates (sizes in :data:`MAX_TEXT`,
  :data:`MAX_DIGITS`).
* **Reads stay inside.**  :class:`InsideLoader` reads ``{% include %}``/``{% extends %}`` only from
  the real path of the template's folder (a symlink out of it is refused), refuses a template larger
  than :data:`MAX_TEMPLATE_BYTES`, and (for article templates) private-use characters, which the
  article's markup uses for its own tokens.

What a limit cannot catch (memory or time spent by many small steps) the child process that renders
bounds (:mod:`derivator.system.child`).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

import jinja2
from jinja2.loaders import split_template_path
from jinja2.sandbox import SandboxedEnvironment

from ..system import files

#: the longest text one operation of a template may build (characters or items)
MAX_TEXT = 10_000_000
#: the most decimal digits an integer a template computes may have (Python prints no more)
MAX_DIGITS = 4300
#: the largest template (or included file) read
MAX_TEMPLATE_BYTES = 5_000_000
#: characters the article's markup reserves for its tokens (the Unicode private-use area)
PRIVATE = re.compile("[\ue000-\uf8ff]")

#: the leaves of a template's context
LEAVES = (str, int, float, bool, type(None))


class SandboxError(jinja2.TemplateError):
    """A template asked for more than the sandbox allows (the message says what)."""


def _digits(n: int) -> float:
    return abs(n).bit_length() * math.log10(2)


class Sandbox(SandboxedEnvironment):
    """A sandboxed environment whose ``*``, ``**`` and ``%`` refuse results past the limits."""

    intercepted_binops = frozenset(["*", "**", "%"])

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "*":
            for seq, count in ((left, right), (right, left)):
                if (
                    isinstance(seq, (str, list, tuple))
                    and isinstance(count, int)
                    and len(seq) * max(count, 0) > MAX_TEXT
                ):
                    raise SandboxError(
                        f"a text or list of more than {MAX_TEXT:,} items (… * {count})"
                    )
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and _digits(left) + _digits(right) > MAX_DIGITS
            ):
                raise SandboxError(f"a number of more than {MAX_DIGITS} digits")
        elif operator == "**":
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and abs(left) > 1
                and right > 0
                and _digits(left) * right > MAX_DIGITS
            ):
                raise SandboxError(f"a number of more than {MAX_DIGITS} digits ({left}**{right})")
        elif operator == "%" and isinstance(left, str):
            widths = (int(w) for w in re.findall(r"\d+", left))
            if any(w > MAX_TEXT for w in widths):
                raise SandboxError(f"a format wider than {MAX_TEXT:,} characters")
        return super().call_binop(context, operator, left, right)


class InsideLoader(jinja2.BaseLoader):
    """Templates from one folder, by real path: nothing outside it (a symlink, ``..``), nothing
    larger than :data:`MAX_TEMPLATE_BYTES`, and with ``private=False`` no private-use character."""

    def __init__(self, folder: Path, private: bool = True) -> None:
        self.folder, self.private = Path(folder), private

    def get_source(
        self, environment: jinja2.Environment, template: str
    ) -> tuple[str, str, Callable[[], bool]]:
        path = self.folder.joinpath(*split_template_path(template))
        try:
            real = files.inside(self.folder, path)
        except files.OutsideError:
            raise jinja2.TemplateNotFound(
                f"{template} (it leads outside the template's folder {self.folder})"
            ) from None
        if not real.is_file():
            raise jinja2.TemplateNotFound(template)
        size = real.stat().st_size
        if size > MAX_TEMPLATE_BYTES:
            raise SandboxError(
                f"{path}: {size:,} bytes; a template may have at most {MAX_TEMPLATE_BYTES:,}"
            )
        source = real.read_bytes().decode("utf-8")
        if not self.private:
            m = PRIVATE.search(source)
            if m is not None:
                line = source.count("\n", 0, m.start()) + 1
                col = m.start() - (source.rfind("\n", 0, m.start()) + 1) + 1
                raise jinja2.TemplateSyntaxError(
                    f"column {col}: private-use character U+{ord(m.group()):04X}; "
                    "the article's markup reserves these",
                    line,
                    template,
                    str(path),
                )
        mtime = real.stat().st_mtime
        return source, str(path), lambda: real.is_file() and real.stat().st_mtime == mtime


def environment(
    folder: Path, *, autoescape: bool = False, private: bool = True, **options: Any
) -> Sandbox:
    """The sandbox over a template's folder; undefined names are errors."""
    return Sandbox(
        loader=InsideLoader(folder, private),
        undefined=jinja2.StrictUndefined,
        autoescape=autoescape,
        keep_trailing_newline=True,
        **options,
    )


def plain(value: Any, convert: Callable[[Any], Any] | None = None) -> Any:
    """``value`` as plain data: leaves (:data:`LEAVES`, ``Markup`` included) as they are, lists and
    tuples as tuples, mappings as read-only mappings with string keys, callables as they are (the
    template's calls; their results are plain too); anything else passes through ``convert``, whose
    result must be a leaf.  TypeError otherwise: nothing else reaches a template."""
    if isinstance(value, LEAVES):
        return value
    if isinstance(value, Mapping):
        return MappingProxyType({str(k): plain(v, convert) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(plain(v, convert) for v in value)
    if convert is not None:
        out = convert(value)
        if isinstance(out, LEAVES):
            return out
    raise TypeError(f"not plain data for a template: {type(value).__name__}")


class Later(Mapping[str, Any]):
    """A read-only mapping computed when a template first reads from it: ``make()``'s mapping,
    made :func:`plain`.  The article's chapters are offered so, and a template pays only for the
    chapters it reads (a writer's template of ten lines, or one that fails at its first line, no
    longer waits for every chapter's proofs).  What it holds is private (``_make``, ``_value``:
    the sandbox refuses names with an underscore); what it gives is plain data."""

    __slots__ = ("_make", "_value")

    def __init__(self, make: Callable[[], Mapping[str, Any]], convert: Any = None) -> None:
        self._make: Callable[[], Any] | None = lambda: plain(make(), convert)
        self._value: Mapping[str, Any] = MappingProxyType({})

    def _get(self) -> Mapping[str, Any]:
        if self._make is not None:
            self._value = self._make()
            self._make = None
        return self._value

    def __getitem__(self, key: str) -> Any:
        return self._get()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._get())

    def __len__(self) -> int:
        return len(self._get())


def context(
    values: Mapping[str, Any], calls: Mapping[str, Callable[..., Any]], convert: Any = None
) -> dict[str, Any]:
    """A template's context: ``values`` made :func:`plain` (a :class:`Later` stays one, computed
    when it is read), and ``calls`` (functions whose results are plain) beside them."""
    out: dict[str, Any] = {
        k: v if isinstance(v, Later) else plain(v, convert) for k, v in values.items()
    }
    out.update(calls)
    return out
