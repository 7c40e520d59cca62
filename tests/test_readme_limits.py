"""The README's limits are the code's: each number the README gives for a
limit is read from its text and compared with the constant the code enforces, so that neither can
change alone.  (Before, the README said "constants up to 1,000 digits, exponents up to 100"
while the reader refused a number of more than 30 digits and an exponent above 64.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from derivator.cli.app import app
from derivator.document import blocks, files, interpret, parse
from derivator.engine import notation
from derivator.publish import sandbox

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _number(pattern: str) -> int:
    text = " ".join(README.split())  # the README wraps its lines anywhere
    m = re.search(pattern, text)
    assert m, f"the README does not say {pattern!r}"
    return int(m.group(1).replace(",", ""))


@pytest.mark.parametrize(
    "pattern, enforced",
    [
        (r"layers up to ([\d,]+)", notation.MAX_LAYERS),
        (r"numbers of up to ([\d,]+) digits as written", parse.MAX_DIGITS),
        (r"up to ([\d,]+) digits once their powers are worked out", parse.MAX_VALUE_DIGITS),
        (r"exponents up to ([\d,]+)", interpret.MAX_EXPONENT),
        (r"formulas up to ([\d,]+) characters", parse.MAX_LENGTH),
        (r"nested at most ([\d,]+) deep", parse.MAX_DEPTH),
        (r"([\d,]+) blocks per file", blocks.MAX_ITEMS),
        (r"files up to ([\d,]+) MB", files.MAX_BYTES >> 20),
        (r"templates? (?:of|up to) at most ([\d,]+) MB", sandbox.MAX_TEMPLATE_BYTES // 10**6),
        (r"texts? of at most ([\d,]+) characters", sandbox.MAX_TEXT),
        (r"integers of at most ([\d,]+) digits", sandbox.MAX_DIGITS),
    ],
)
def test_the_readme_states_the_limit_the_code_enforces(pattern: str, enforced: int) -> None:
    assert _number(pattern) == enforced


@pytest.mark.parametrize(
    "formula, message",
    [
        ("z_{ij}^{(L)} = " + "1" * 31, "the limit is 30"),
        ("z_{ij}^{(L)} = z_{ij}^{(L)}^{65}", "the limit is 64"),
    ],
)
def test_the_stated_limits_are_enforced(tmp_path: Path, formula: str, message: str) -> None:
    """Each limit the README names is a refusal with a message, not a number in a docstring."""
    src = tmp_path / "limits.md"
    src.write_text(f"# Limits\n\n$${formula}$$\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["check", str(src), "--no-cache"])
    assert result.exit_code == 1 and message in result.output, result.output
