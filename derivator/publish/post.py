"""A writer's own post: a jinja2 template whose formulas are derived and proved when it renders.

``derivator render post.md.j2`` (or ``.tex.j2``, ``.html.j2``) renders the template with these
calls, each of which inserts a numbered display of proved relations in the template's format::

    {{ gradient("w", layer="L-1", form="closed") }}   ∂L/∂w of layer L-1: chain | delta | closed | matrix
    {{ chain("b", layer="L") }}                       the chain of partials of ∂L/∂b of layer L
    {{ matrix_form("l") }}                            Δ, ∇W, ∇B of a layer in matrix form
    {{ ref("dw") }}                                   "(3)" / \\eqref{eq:dw} for gradient(..., label="dw")

A formula that is not proved, a layer the network does not have, an unknown name: the render
fails with ``template:line: why`` (:class:`PostError`), and nothing is written.

Why a sandbox: the template is a user's file, and a plain jinja2 environment lets ``{{ … }}`` reach
Python internals (``''.__class__.__mro__``), which would execute code from that file.
"""

from __future__ import annotations

import re
import sys
import traceback
from dataclasses import dataclass
from html import escape
from pathlib import Path
from types import FrameType, TracebackType
from typing import Any

import jinja2
from markupsafe import Markup

from ..engine import Network, NotationError, diagnostic
from . import blocks, fit, formulas, mathfmt, sandbox


class PostError(Exception):
    """Why a post could not be rendered, as ``file:line: message``."""


@dataclass(frozen=True)
class PostOptions:
    """The network the post's formulas live in (the command line's options)."""

    activation: str = "sigmoid"
    loss: str = "mse"
    network: str = "general"
    depth: int = 3
    timeout: float = 10.0


def template_format(path: Path) -> str:
    """``post.md.j2`` → ``md``; the template's format decides how math is delimited."""
    parts = path.name.split(".")
    if len(parts) < 3 or parts[-1] != "j2" or parts[-2] not in mathfmt.FORMATS:
        raise PostError(f"{path}: name the template <name>.md.j2, <name>.tex.j2 or <name>.html.j2")
    return parts[-2]


def column(path: str, line: int, *hints: str) -> int | None:
    """The column (1-based) of the place on ``path``'s line ``line`` that an error is about: where
    the first of ``hints`` that stands on the line does (the call that failed, a name jinja2 quotes
    in its message), else the first ``{{`` or ``{%``; None when the line cannot be read.  jinja2
    tells the line only; the column puts the caret under the call, as a reader's errors do."""
    text = diagnostic.source_line(path, line)
    if text is None:
        return None
    for hint in hints:
        for probe in (hint + "(", hint) if hint else ():
            at = text.find(probe)
            if at >= 0:
                return at + 1
    starts = [at for at in (text.find("{{"), text.find("{%")) if at >= 0]
    return min(starts) + 1 if starts else 1


def place(path: str, line: int, *hints: str) -> str:
    """``path:line:column`` (``path:line`` when the line cannot be read): see :func:`column`."""
    col = column(path, line, *hints)
    return f"{path}:{line}" + (f":{col}" if col is not None else "")


def quoted(message: str) -> list[str]:
    """The names jinja2 quotes in ``message`` (``'nope' is undefined``, ``attribute '__class__'``,
    ``expected token 'end of print statement', got 'b'``): what on the line it is about."""
    return re.findall(r"'([^'\n]{1,80})'", message)


def _template_line(frames: list[FrameType], names: dict[str, str], call: str = "") -> str | None:
    """``file:line:column`` of the innermost template frame (jinja2 maps its compiled code back to
    lines; the column is where ``call`` stands on that line)."""
    for frame in reversed(frames):
        t = frame.f_globals.get("__jinja_template__")
        if t is not None:
            return place(
                names.get(t.name, t.name), t.get_corresponding_lineno(frame.f_lineno), call
            )
    return None


def where(names: dict[str, str], call: str = "") -> str:
    """``file:line:column`` of the template line whose call (named ``call``) is running now (``?``
    outside a template); ``names`` maps a template's name to the path a writer knows it by."""
    return _template_line(_stack(), names, call) or "?"


def _stack() -> list[FrameType]:
    frames, f = [], sys._getframe(1)
    while f is not None:
        frames.append(f)
        f = f.f_back  # type: ignore[assignment]
    return list(reversed(frames))


def _tb_line(tb: TracebackType | None, files: dict[str, str], *hints: str) -> str | None:
    """``file:line:column`` of the innermost traceback entry in a template: jinja2 rewrites the
    traceback of an error raised while rendering so that its entries carry the template's file and
    line (the column: where the first of ``hints`` stands on it)."""
    found = None
    for entry in traceback.extract_tb(tb):
        if entry.filename in files and entry.lineno is not None:
            found = (files[entry.filename], entry.lineno)
    return place(*found, *hints) if found else None


class _Calls:
    """The functions a template calls; one instance per render pass (equation numbers restart)."""

    def __init__(
        self,
        net: Network,
        fmt: str,
        opts: PostOptions,
        names: dict[str, str],
        labels: dict[str, int],
        final: bool,
    ) -> None:
        self.net, self.fmt, self.opts, self.names = net, fmt, opts, names
        self.labels = labels  # from the previous pass, so that a reference may come first
        self.final = final
        self.number = 0
        #: the displays the calls placed (proved as printed), for the command's check of the rest
        self.shown: list[str] = []

    def fail(self, message: str, call: str) -> PostError:
        return PostError(f"{where(self.names, call)}: {message}")

    def _pick(self, quantity: str, layer: str, form: str, call: str) -> formulas.Formula:
        try:
            return formulas.pick(self.net, quantity, layer, form, self.opts.timeout)
        except ValueError as e:
            raise self.fail(str(e), call) from None

    def _fitted(self, rows: list[tuple[str, str]], punct: str) -> str:
        """``lhs = rhs`` rows (an empty lhs continues the chain), each right side broken over rows
        as the article breaks it: at a plain LaTeX article's width in LaTeX (:data:`fit.POST`), at
        a phone's in Markdown and HTML (closed forms ran 43 pt and 48 pt past a plain article)."""
        display = blocks.Display(
            tuple(blocks.Step(lhs, rhs, "") for lhs, rhs in rows), False, 0, punct
        )
        return display.broken(fit.POST) if self.fmt == "tex" else display.narrow

    def _display(self, latex: str, label: str) -> Markup:
        self.number += 1
        if label:
            self.labels[label] = self.number
        body = escape(latex, quote=False) if self.fmt == "html" else latex
        shown = mathfmt.display(body, self.fmt, self.number, label)
        self.shown.append(shown)
        return Markup(shown)

    def gradient(
        self,
        quantity: str,
        layer: str = "L",
        form: str = "closed",
        label: str = "",
        punct: str = "",
    ) -> Markup:
        lhs, rhs = self._pick(quantity, layer, form, "gradient").latex().split(" = ", 1)
        return self._display(self._fitted([(lhs, rhs)], punct), label)

    def chain(self, quantity: str, layer: str = "L", label: str = "", punct: str = "") -> Markup:
        """The chain of partials, then the closed form: two proved steps of one display."""
        c = self._pick(quantity, layer, "chain", "chain")
        closed = self._pick(quantity, layer, "closed", "chain")
        lhs, mid = c.latex().split(" = ", 1)
        rhs = closed.latex().split(" = ", 1)[1]
        return self._display(self._fitted([(lhs, mid), ("", rhs)], punct), label)

    def matrix_form(self, layer: str = "l", label: str = "", punct: str = "") -> Markup:
        rows = [
            self._pick(q, layer, "matrix", "matrix_form").latex().split(" = ", 1)
            for q in ("delta", "w", "b")
        ]
        return self._display(self._fitted([(lhs, rhs) for lhs, rhs in rows], punct), label)

    def ref(self, label: str) -> Markup:
        if label not in self.labels:
            if not self.final:  # the first pass: the label may be defined further down
                return Markup(mathfmt.reference(self.fmt, 0, label))
            raise self.fail(f"ref({label!r}): no formula has label={label!r}", "ref")
        return Markup(mathfmt.reference(self.fmt, self.labels[label], label))


def environment(folder: Path, fmt: str) -> sandbox.Sandbox:
    """A sandboxed environment over the template's folder; undefined names are errors."""
    return sandbox.environment(folder, autoescape=fmt == "html")


def render_post(path: Path, opts: PostOptions = PostOptions()) -> str:
    """The rendered post; :class:`PostError` (with ``file:line``) when it cannot be rendered."""
    return render_parts(path, opts)[0]


def writers_own(text: str, shown: list[str]) -> str:
    """``text`` with the displays the calls placed (``shown``, proved as printed) blanked out,
    line for line: what is left is the writer's own prose and math, for ``derivator check``."""
    for display in shown:
        text = text.replace(display, "\n" * display.count("\n"))
    return text


def render_parts(path: Path, opts: PostOptions = PostOptions()) -> tuple[str, list[str]]:
    """The rendered post and the displays its calls placed in it (:func:`writers_own`)."""
    fmt = template_format(path)
    try:
        net = Network(
            depth=opts.depth, activation=opts.activation, loss=opts.loss, network=opts.network
        )
    except (ValueError, NotationError) as e:
        raise PostError(str(e)) from None
    template = load(environment(path.parent, fmt), path)
    labels: dict[str, int] = {}
    text, shown = "", list[str]()
    for final in (
        False,
        True,
    ):  # the first pass learns the labels' numbers, for references that come first
        calls = _Calls(net, fmt, opts, {path.name: str(path)}, dict(labels), final)
        ctx: dict[str, Any] = sandbox.context(  # plain data and calls that return Markup
            {"network": net.describe()},
            {
                "gradient": calls.gradient,
                "chain": calls.chain,
                "matrix_form": calls.matrix_form,
                "ref": calls.ref,
            },
        )
        text = render_template(template, path, ctx)
        labels, shown = calls.labels, calls.shown
    return text, shown


def load(env: jinja2.Environment, path: Path) -> jinja2.Template:
    """The template at ``path`` from ``env`` (whose loader reads its folder); a missing, unreadable
    or ill-formed file is a :class:`PostError` with ``file:line``."""
    try:
        return env.get_template(path.name)
    except jinja2.TemplateNotFound:
        raise PostError(f"{path}: no such file") from None
    except jinja2.TemplateSyntaxError as e:
        raise _syntax(e, path) from None
    except UnicodeDecodeError as e:
        raise PostError(f"{path}: not UTF-8 ({e.reason})") from None
    except jinja2.TemplateError as e:  # the sandbox's loader: too large, outside the folder
        raise PostError(str(e)) from None


def render_template(template: jinja2.Template, path: Path, ctx: dict[str, Any]) -> str:
    """``template`` rendered with ``ctx``; an error in it (an undefined name, a call that failed, the
    sandbox refusing an attribute) is a :class:`PostError` with the template's ``file:line``."""
    try:
        return template.render(**ctx)
    except PostError:
        raise
    except jinja2.TemplateSyntaxError as e:
        raise _syntax(e, path) from None
    except RecursionError as e:
        where_ = _tb_line(e.__traceback__, {str(template.filename): str(path)}) or str(path)
        raise PostError(
            f"{where_}: the template includes, extends or calls itself without end"
        ) from None
    except MemoryError as e:
        where_ = _tb_line(e.__traceback__, {str(template.filename): str(path)}) or str(path)
        raise PostError(
            f"{where_}: the template needs more memory than allowed (--memory)"
        ) from None
    except (
        jinja2.TemplateError,
        TypeError,
        ValueError,
        KeyError,
        AttributeError,
        ArithmeticError,
    ) as e:
        files = {str(template.filename): str(path)}
        where_ = _tb_line(e.__traceback__, files, *quoted(str(e))) or str(path)
        raise PostError(f"{where_}: {type(e).__name__}: {e}") from None


def _syntax(e: jinja2.TemplateSyntaxError, path: Path) -> PostError:
    """A template that does not parse: ``file:line:column: message`` (the column: where the token
    jinja2 names in its message stands on the line)."""
    name = str(path) if e.name == path.name else str(e.filename)
    return PostError(f"{place(name, e.lineno, *quoted(e.message or ''))}: {e.message}")
