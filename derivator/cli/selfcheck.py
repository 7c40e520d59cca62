"""What ``derivator render`` and ``derivator article --template`` say about a page they wrote:
its relations as ``derivator check`` judges them, never a bare "every formula proved".

Why: the calls of a writer's template print proved formulas, but the writer's own prose may hold
math too (a formula typed by hand, a chain that skips a step).  The command runs the checker on the
page it wrote (a post: the text around the displays its calls placed, which were proved as they
were printed), in the network it wrote it for, and a page with a refuted relation (or one the
checker cannot read) ends with exit status 1 and those relations listed; the page stays written,
so that the writer can look at it and run ``derivator check`` on it.  Unknown relations are said,
not counted as proved.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

#: the formats of a page the command checks: an HTML post is read as Markdown is (its math stands
#: in ``\\(…\\)``, ``\\[…\\]`` or ``$…$`` between tags the reader passes over), its entities
#: (``&lt;``, ``&amp;``) decoded first, line for line
CHECKED = ("md", "tex", "html")


@dataclass(frozen=True)
class Verdicts:
    """The checker's verdicts on one page, counted; ``failing`` lists the refuted and unreadable."""

    page: str
    total: int
    proved: int
    unknown: int
    failing: tuple[str, ...]
    #: which relations were checked: a post's own text, or a whole article page
    scope: str = "of its own text"

    def summary(self) -> str:
        """The line the command ends with: what was proved, and what was not."""
        if self.failing:
            return (
                f"{self.page}: written, but derivator check refutes or cannot read "
                f"{len(self.failing)} of its {self.total} relations:\n" + "\n".join(self.failing)
            )
        if not self.total:
            return f"{self.page}: no relation {self.scope} to check"
        if self.unknown:
            return (
                f"{self.page}: {self.proved} of {self.total} relations proved or defined, "
                f"{self.unknown} not decided (derivator check {self.page} lists them)"
            )
        return f"{self.page}: derivator check proves the {self.total} relations {self.scope}"


def check_page(
    page: str,
    text: str,
    fmt: str,
    network_options: tuple[str, str, str],
    timeout: float = 10.0,
    scope: str = "of its own text",
) -> Verdicts:
    """``derivator check`` of the page ``text`` (named ``page``, in format ``fmt``) in the network
    it was written for, ``(activation, loss, network)``: stated, as the options of ``check`` state
    it (the page's own directives refine it)."""
    from ..document import check, interpret
    from ..engine.outcome import Outcome

    activation, loss, network = network_options
    if fmt == "html":
        text, fmt = html.unescape(text), "md"
    run = check.Run(
        defaults=interpret.Settings(activation=activation, loss=loss, network=network),
        timeout=timeout,
        stated=frozenset({"activation", "loss"}),
    )
    try:
        results = check.check_text(page, text, run, kind=fmt)
    finally:
        run.close()
    results = [r for r in results if r.verdict != Outcome.SKIPPED]  # the page says to skip them
    good = (Outcome.PROVED, Outcome.DEFINED)
    failing = tuple(
        f"{page}:{r.line}: {r.verdict}: {r.display or r.relation}"
        + (f"  ({r.reason})" if r.reason else "")
        for r in results
        if r.verdict in (Outcome.REFUTED, Outcome.ERROR)
    )
    return Verdicts(
        page,
        len(results),
        sum(r.verdict in good for r in results),
        sum(r.verdict == Outcome.UNKNOWN for r in results),
        failing,
        scope,
    )
