"""How a claim was judged: the one list of verdicts that the prover, the reader and the reports share.

An :class:`Outcome` is a string (``Outcome.PROVED == "proved"``), so JSON, templates and code that
compares with ``"proved"`` see the plain word; each member also carries the mark and the terminal
colour that the text report prints, so that a new verdict is one line here.

>>> Outcome.PROVED == "proved", f"{Outcome.REFUTED.mark} {Outcome.REFUTED}"
(True, '✗ refuted')
>>> Outcome.of("unknown")
<Outcome.UNKNOWN: 'unknown'>
"""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    """The verdict on one claim (``Verdict.verdict``, ``Result.verdict``)."""

    _value_: str
    #: the one-character mark of the text report
    mark: str
    #: the ANSI colour (SGR parameters) of the text report
    color: str

    def __new__(cls, value: str, mark: str, color: str) -> Outcome:
        member = str.__new__(cls, value)
        member._value_ = value
        member.mark = mark
        member.color = color
        return member

    @classmethod
    def of(cls, word: str) -> Outcome:
        """The member for a verdict word (``"proved"`` → ``Outcome.PROVED``; a KeyError for a
        word that is no verdict): names are the words in capitals."""
        return cls[word.upper()]

    #: equal for every size and input (or at the sizes the document states)
    PROVED = "proved", "✓", "32"
    #: a definition: the document gives a name its meaning (forward pass, cost, a new name,
    #: ``:=``), and derivator built it into the model the document's claims are judged in; a
    #: definition is never refuted (docs/soundness.md, "Definitions define")
    DEFINED = "defined", "≔", "36"
    #: a counterexample shows the two sides differ
    REFUTED = "refuted", "✗", "31;1"
    #: not decided: evidence only, a timeout, or a form the prover cannot settle
    UNKNOWN = "unknown", "?", "33"
    #: not a claim to check (a skip directive, an update rule)
    SKIPPED = "skipped", "–", "2"
    #: the relation could not be read or built: the message says why and where
    ERROR = "error", "!", "35;1"
