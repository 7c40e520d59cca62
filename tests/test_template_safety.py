"""A template is a user's file: it sees plain data, runs no code, allocates no gigabytes, and no
name it writes leads out of its folders.

The attack that found this: ``{{ gradient("w").w.nets.single.i.coeff("…") }}`` walked from a
display to its writer, to its networks, to a SymPy symbol whose ``coeff`` evaluates a string.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
from markupsafe import Markup
from typer.testing import CliRunner

from derivator.cli.app import app
from derivator.publish import article, sandbox

ATTACK = "{{ gradient(\"w\").w.nets.single.i.coeff(\"__import__('os').system('touch %s')\") }}"


def walk(value: Any, seen: set[int] | None = None) -> Iterator[Any]:
    """Everything reachable from ``value`` as a template reaches it: items of mappings and
    sequences, and the results of the calls a template may make."""
    seen = set() if seen is None else seen
    if id(value) in seen:
        return
    seen.add(id(value))
    yield value
    if isinstance(value, (MappingProxyType, sandbox.Later)):
        for v in value.values():
            yield from walk(v, seen)
    elif isinstance(value, tuple):
        for v in value:
            yield from walk(v, seen)


PLAIN = {
    str,
    Markup,
    article.Shown,
    int,
    float,
    bool,
    type(None),
    tuple,
    MappingProxyType,
    sandbox.Later,
}


@pytest.fixture(scope="module", params=["general", "single"])
def context(request: pytest.FixtureRequest) -> dict[str, Any]:
    opts = article.Options(network=request.param)
    ctx, _ = article.context(opts, "en", article.Nets.build(opts))
    return ctx


def test_a_template_sees_only_plain_data(context: dict[str, Any]) -> None:
    calls = {k: v for k, v in context.items() if callable(v) and not isinstance(v, str)}
    assert set(calls) == {"gradient", "chain", "matrix_form", "ref"}
    reached = [x for k, v in context.items() if k not in calls for x in walk(v)]
    results: list[Any] = [
        calls["gradient"]("w"),
        calls["chain"]("b", layer="L-1"),
        calls["matrix_form"](),
        calls["gradient"]("b", label="x"),
    ]
    results.append(calls["ref"]("x"))
    results.append(calls["ref"](results[0]))
    reached += [x for r in results for x in walk(r)]
    wrong = {type(x).__name__ for x in reached if type(x) not in PLAIN}
    assert len(reached) > 100 and not wrong, wrong
    # a display token has no attributes of its own: nothing leads from it to an object
    shown = next(x for x in reached if isinstance(x, article.Shown))
    assert not hasattr(shown, "__dict__")


def _article(tmp_path: Path, text: str, name: str = "mine.en.j2") -> tuple[int, str]:
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    args = ["article", "--lang", "en", "--format", "md", "--template", str(src)]
    result = CliRunner().invoke(app, [*args, "-o", str(tmp_path / "out")])
    return result.exit_code, result.output


def _render(tmp_path: Path, text: str, name: str = "post.md.j2") -> tuple[int, str]:
    src = tmp_path / name
    src.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(app, ["render", str(src), "-o", str(tmp_path / "post.md")])
    return result.exit_code, result.output


def test_the_attack_through_a_display_is_a_clean_error(tmp_path: Path) -> None:
    marker = tmp_path / "RAN"
    code, out = _article(tmp_path, "# T\n\n" + ATTACK % marker + "\n")
    assert code != 0 and "mine.en.j2:3" in out and "has no attribute 'w'" in out, out
    assert "Traceback" not in out and not marker.exists() and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    "line",
    [
        "{{ gradient('w').__class__ }}",
        "{{ ref.__self__ }}",
        "{{ gradient.__func__.__globals__ }}",
        "{{ single.eq_chain.__class__.__mro__ }}",
        "{{ intro.__class__ }}",
        "{{ single.eq_chain.w }}",
        "{{ single.copy().eq_chain.w }}",
        "{{ single.eq_chain.__call__.__self__ }}",
        "{{ single._make }}",
        "{{ intro._value }}",
        "{{ exercises._get() }}",
    ],
)
def test_no_attribute_leads_to_an_object(
    context: dict[str, Any], tmp_path: Path, line: str
) -> None:
    import jinja2

    template = article.language_environment(tmp_path).from_string(line)
    with pytest.raises(jinja2.TemplateError):
        template.render(context)


def test_a_template_pays_only_for_the_chapters_it_reads(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The chapters are derived and proved when a template first reads from them: a template that
    reads the introduction only (or fails at its first line) does not wait for the other chapters."""
    made: list[str] = []
    for name in ("_intro", "_single", "_general", "_deltas", "_matrices", "_exercises"):
        real = getattr(article, name)
        monkeypatch.setattr(
            article, name, lambda w, real=real, name=name: made.append(name) or real(w)
        )
    opts = article.Options()
    ctx, _ = article.context(opts, "en", article.Nets.build(opts))
    assert made == []
    template = article.language_environment(tmp_path).from_string("{{ intro.L }} {{ intro.n }}")
    assert template.render(ctx) and made == ["_intro"]
    code, out = _article(tmp_path, "# T\n\n{{ nope }}\n")
    assert code != 0 and "'nope' is undefined" in out and made == ["_intro"], (made, out)


def test_a_figure_title_does_not_name_a_file(tmp_path: Path) -> None:
    """The picture's file is named by the article, never by the template: a title that looks like
    a path stays a title, and every file written lies in the output folder."""
    code, out = _article(
        tmp_path, "# T\n\n![../../../escaped](" + "{{ single.graph }})\nA graph.\n"
    )
    assert code == 0, out
    written = [Path(line) for line in out.splitlines() if line.startswith(str(tmp_path))]
    out_dir = (tmp_path / "out").resolve()
    assert written and all(out_dir in p.resolve().parents for p in written)
    assert not list(tmp_path.parent.glob("**/escaped*"))


@pytest.mark.parametrize(
    "line, message",
    [
        ("{{ 'a' * 10**10 }}", "more than 10,000,000"),
        ("{{ [1] * 10**9 }}", "more than 10,000,000"),
        ("{{ (2**10000000)|string }}", "more than 4300 digits"),
        ("{{ 10**5000 * 10**5000 }}", "more than 4300 digits"),
        ("{{ '%9999999999s' % 'a' }}", "wider than"),
        ("{{ 1/0 }}", "ZeroDivisionError"),
        ("{{ 2.0**100000 }}", "OverflowError"),
    ],
)
def test_costly_operators_are_refused(tmp_path: Path, line: str, message: str) -> None:
    code, out = _render(tmp_path, line + "\n")
    assert code != 0 and "post.md.j2:1" in out and message in out, out
    assert "Traceback" not in out


@pytest.mark.parametrize(
    "text, message",
    [
        ("{% include 'post.md.j2' %}\n", "includes, extends or calls itself"),
        ("{% extends 'post.md.j2' %}\n", "includes, extends or calls itself"),
        ("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}\n", "includes, extends or calls itself"),
    ],
)
def test_a_template_that_recurses_is_an_error(tmp_path: Path, text: str, message: str) -> None:
    code, out = _render(tmp_path, text)
    assert code != 0 and message in out and "Traceback" not in out, out


def test_private_use_characters_in_an_article_template_are_an_error(tmp_path: Path) -> None:
    """The article's markup reserves them for its tokens; written by hand they would forge one."""
    code, out = _article(tmp_path, "# T\n\nSee \ue000b\ue00199\ue002 here.\n")
    assert code != 0 and "mine.en.j2:3" in out and "column 5" in out, out
    assert "U+E000" in out and "Traceback" not in out


def test_forged_tokens_from_escapes_are_an_error(tmp_path: Path) -> None:
    code, out = _article(tmp_path, '# T\n\n{{ "\\ue000b\\ue00199\\ue002" }}\n')
    assert code != 0 and "imitates the article's tokens" in out and "Traceback" not in out, out


def test_include_does_not_follow_a_symlink_out_of_the_folder(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET\n", encoding="utf-8")
    folder = tmp_path / "posts"
    folder.mkdir()
    (folder / "link.txt").symlink_to(secret)
    (folder / "part.txt").write_text("inside\n", encoding="utf-8")
    code, out = _render(folder, "{% include 'link.txt' %}\n")
    assert code != 0 and "outside the template's folder" in out and "TOP SECRET" not in out, out
    assert not (folder / "post.md").exists()
    code, out = _render(folder, "{% include 'part.txt' %}")
    assert code == 0 and (folder / "post.md").read_text(encoding="utf-8") == "inside\n", out


def test_a_huge_template_is_refused_before_it_is_read(tmp_path: Path) -> None:
    src = tmp_path / "big.md.j2"
    with src.open("w", encoding="utf-8") as f:
        f.seek(6_000_000)
        f.write("x")
    result = CliRunner().invoke(app, ["render", str(src), "-o", str(tmp_path / "big.md")])
    assert result.exit_code != 0 and "at most 5,000,000" in result.output, result.output
