"""`derivator check` wired into CI as a course maintainer would: configuration in
pyproject.toml, discovery as ruff does it, exit codes, the persistent cache, every output format
(validated against the published SARIF 2.1.0 schema and our own JSON schema), the pre-commit hook
and the GitHub Action run as those tools run them.  Real processes and real files throughout."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import inprocess
import jsonschema
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCHEMAS = Path(__file__).resolve().parent / "schemas"

GOOD = r"$$\frac{\partial L_i}{\partial a_{ij}^{(L)}} = a_{ij}^{(L)} - y_{ij}$$"
WRONG = r"$$\frac{\partial L_i}{\partial a_{ik}^{(L-1)}} = (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) w_{jk}^{(L)}$$"
GOOD_B = r"$$\frac{\partial z_{ij}^{(L)}}{\partial b_j^{(L)}} = 1$$"
GOOD_W = r"$$\frac{\partial z_{ij}^{(L)}}{\partial w_{jk}^{(L)}} = a_{ik}^{(L-1)}$$"
#: a sum: its bound index is a SymPy Dummy, numbered anew in every process
GOOD_SUM = r"$$\frac{\partial L_i}{\partial a_{ik}^{(L-1)}} = \sum_j (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) w_{jk}^{(L)}$$"
#: true when the bare cost C is the mean over samples (cost-is=mean), false for the sum
MEAN_C = r"$$\frac{\partial C}{\partial a_{ij}^{(L)}} = \frac{1}{n}(a_{ij}^{(L)} - y_{ij})$$"


def env(**extra: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    out.update(PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8", COLUMNS="200", **extra)
    return out


def check(
    *args: str, cwd: Path, stdin: str | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    """``derivator check`` in this process (tests/inprocess.py): what the command does, with the
    environment ``env`` gives a new process; the cache's tests use :func:`check_process`."""
    r = inprocess.derivator(
        "check",
        *args,
        cwd=cwd,
        stdin=stdin,
        env={"NO_COLOR": None, "FORCE_COLOR": None, "COLUMNS": "200", **extra},
    )
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    return r


def check_process(
    *args: str, cwd: Path, stdin: str | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    """``derivator check`` in a new process, as a CI job starts it."""
    r = subprocess.run(
        [sys.executable, "-m", "derivator", "check", *args],
        input=stdin,
        capture_output=True,
        text=True,
        encoding="utf-8",
        cwd=cwd,
        env=env(**extra),
        timeout=300,
    )
    assert "Traceback" not in r.stdout + r.stderr, r.stderr
    return r


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def doc(*blocks: str) -> str:
    return "# Notes\n\n" + "\n\nSome words.\n\n".join(blocks) + "\n"


# ---------------------------------------------------------------------------------------------
# 1. configuration


def project(tmp_path: Path, config: str, name: str = "pyproject.toml") -> Path:
    root = tmp_path / "course"
    write(root / name, config)
    write(root / "docs" / "sub" / "notes.md", doc(GOOD))
    return root


def settings(r: subprocess.CompletedProcess[str]) -> dict[str, tuple[str, str]]:
    """--show-settings as {key: (value, source)}."""
    out = {}
    for line in r.stdout.splitlines():
        m = re.match(r"^(#\s)?([\w-]+)(?: = (.*?))?\s+# (.*)$", line)
        if m and not line.startswith("# configuration") and not line.startswith("# project"):
            out[m.group(2)] = ((m.group(3) or "").strip(), m.group(4))
    return out


def test_configuration_is_found_from_a_subfolder_and_the_command_line_wins(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        '[project]\nname = "course"\n\n[tool.derivator]\ntimeout = 30\nloss = "cross-entropy"\n'
        'extend-exclude = ["drafts/"]\nstrict = true\n',
    )
    sub = root / "docs" / "sub"
    write(sub / "pyproject.toml", '[project]\nname = "not-ours"\n')  # no [tool.derivator]: skipped
    r = check("--show-settings", "--timeout", "5", cwd=sub)
    assert r.returncode == 0, r.stderr
    s = settings(r)
    assert s["timeout"] == ("5.0", "command line")
    assert s["loss"] == ('"cross-entropy"', f"{root / 'pyproject.toml'}:6")
    assert s["extend-exclude"] == ('["drafts/"]', f"{root / 'pyproject.toml'}:7")
    assert s["strict"] == ("true", f"{root / 'pyproject.toml'}:8")
    assert s["activation"] == ('"sigmoid"', "default")
    assert f"# configuration file: {root / 'pyproject.toml'}" in r.stdout
    assert f"# cache: {os.environ['DERIVATOR_CACHE_DIR']}" in r.stdout
    # from the root, the file is named relative to the working folder
    s = settings(check("--show-settings", "--no-strict", cwd=root))
    assert s["loss"][1] == "pyproject.toml:6" and s["strict"] == ("false", "command line")
    # --explain prints the same, on standard error, before what it inferred
    r = check("docs", "--explain", "--loss", "mse", cwd=root)
    assert r.returncode == 0, r.stderr
    assert re.search(r'^loss = "mse"\s+# command line$', r.stderr, re.M), r.stderr
    assert re.search(r"^timeout = 30.0\s+# pyproject.toml:5$", r.stderr, re.M), r.stderr


def test_derivator_toml_wins_over_pyproject_and_isolated_and_config_choose(tmp_path: Path) -> None:
    root = project(tmp_path, "[tool.derivator]\ntimeout = 30\n")
    write(root / "derivator.toml", "# top-level keys\njobs = 1\n")
    s = settings(check("--show-settings", cwd=root))
    assert s["jobs"] == ("1", "derivator.toml:2") and s["timeout"][1] == "default"
    s = settings(check("--show-settings", "--isolated", cwd=root))
    assert s["jobs"][1] == "default" and s["timeout"][1] == "default"
    s = settings(check("--show-settings", "--config", "pyproject.toml", cwd=root))
    assert s["timeout"] == ("30.0", "pyproject.toml:2") and s["jobs"][1] == "default"


@pytest.mark.parametrize(
    ("config", "where", "words"),
    [
        (
            "[tool.derivator]\ntimeout = 5\ntimout = 20\n",
            "pyproject.toml:3:",
            "unknown key 'timout' in [tool.derivator] (did you mean 'timeout'?)",
        ),
        (
            '[tool.derivator]\n\ntimeout = "20"\n',
            "pyproject.toml:3:",
            'timeout = "20": give a number of seconds',
        ),
        ("[tool.derivator]\nmemory = 10\n", "pyproject.toml:2:", "give megabytes from 256"),
        (
            '[tool.derivator]\nloss = "mae"\n',
            "pyproject.toml:2:",
            "'mae' is not one of mse, cross-entropy",
        ),
        ('[tool.derivator]\nexclude = "build"\n', "pyproject.toml:2:", "give a list of strings"),
        (
            '[tool.derivator]\nformat = "yaml"\n',
            "pyproject.toml:2:",
            "'yaml' is not one of text, json",
        ),
        ('[tool.derivator]\nloss = "mse\n', "pyproject.toml:2:12:", "not valid TOML"),
        (
            '[tool.derivator]\ncost-is = "median"\n',
            "pyproject.toml:2:",
            "unknown value 'median' for cost-is",
        ),
        ('[tool.derivator]\nletters = "activation z"\n', "pyproject.toml:2:", "letters"),
    ],
)
def test_a_bad_configuration_names_its_file_and_line(
    tmp_path: Path, config: str, where: str, words: str
) -> None:
    root = project(tmp_path, config)
    r = check("docs", cwd=root)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert r.stderr.startswith(f"Error: {where}"), r.stderr
    assert words in r.stderr, r.stderr
    assert "relation" not in r.stdout  # nothing was checked


def test_a_bad_option_value_is_a_usage_error(tmp_path: Path) -> None:
    root = project(tmp_path, "")
    for args, words in [
        (("--timeout", "0"), "--timeout"),
        (("--jobs", "-1"), "--jobs"),
        (("--memory", "12"), "--memory"),
        (("--config", "missing.toml"), "no such configuration file"),
    ]:
        r = check("docs", *args, cwd=root)
        assert r.returncode == 2 and words in r.stderr, (args, r.stderr)


def test_directives_of_the_configuration_start_every_file(tmp_path: Path) -> None:
    """cost-is in [tool.derivator] reads the bare cost C of every file; a file's own directive
    still overrides it."""
    root = project(tmp_path, '[tool.derivator]\ncost = "C"\ncost-is = "mean"\n')
    write(root / "docs" / "mean.md", MEAN_C + "\n")
    write(root / "docs" / "own.md", "<!-- derivator: cost-is=sum -->\n\n" + MEAN_C + "\n")
    r = check("docs/mean.md", "docs/own.md", "--format", "json", cwd=root)
    verdicts = {x["file"]: x["verdict"] for x in json.loads(r.stdout)["results"]}
    assert verdicts == {"docs/mean.md": "proved", "docs/own.md": "refuted"}, r.stdout
    r = check("docs/mean.md", "--isolated", "--format", "json", cwd=root)
    (only,) = json.loads(r.stdout)["results"]
    assert only["verdict"] == "error" and "cost" in only["reason"], only


# ---------------------------------------------------------------------------------------------
# 2. discovery


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A course repository with everything a real one holds besides its notes."""
    root = tmp_path / "repo"
    (root / ".git" / "info").mkdir(parents=True)
    write(root / ".git" / "info" / "exclude", "local-only.md\n")
    write(root / ".gitignore", "drafts/\n*.log.md\n!keep.log.md\n")
    for name in [
        "docs/intro.md",
        "docs/chapter.tex",
        "docs/sub/deep.markdown",
        "docs/sub/scratch.tmp.md",
        "docs/sub/keep.log.md",
        "docs/sub/old.log.md",
        "drafts/wip.md",
        "local-only.md",
        ".venv/lib/python3.11/site-packages/pkg/README.md",
        "venv/README.md",
        "node_modules/lib/README.md",
        "build/html/page.md",
        "dist/page.md",
        "site-packages/x.md",
        ".hidden/notes.md",
        ".github/notes.md",
        "docs/.secret.md",
        "docs/image.png",
        "README.md",
    ]:
        write(root / name, doc(WRONG))
    write(root / "docs" / "sub" / ".gitignore", "*.tmp.md\n")
    os.symlink(root / "docs", root / "docs-link")  # a link to a folder is not followed
    return root


def shown(r: subprocess.CompletedProcess[str]) -> list[str]:
    assert r.returncode == 0, r.stderr
    return r.stdout.splitlines()


def test_discovery_skips_what_ruff_skips_and_what_gitignore_ignores(repo: Path) -> None:
    assert shown(check("--show-files", cwd=repo)) == [
        "README.md",
        "docs/chapter.tex",
        "docs/intro.md",
        "docs/sub/deep.markdown",
        "docs/sub/keep.log.md",
    ]
    # without .gitignore: drafts, the ignored logs, the local exclude and the nested ignore return
    assert shown(check("--show-files", "--no-respect-gitignore", cwd=repo)) == [
        "README.md",
        "docs/chapter.tex",
        "docs/intro.md",
        "docs/sub/deep.markdown",
        "docs/sub/keep.log.md",
        "docs/sub/old.log.md",
        "docs/sub/scratch.tmp.md",
        "drafts/wip.md",
        "local-only.md",
    ]
    # a folder given by name is searched with the same rules, and named as given
    assert shown(check("--show-files", "docs/sub", cwd=repo)) == [
        "docs/sub/deep.markdown",
        "docs/sub/keep.log.md",
    ]
    assert shown(check("--show-files", str(repo / "docs" / "sub"), cwd=repo.parent)) == [
        str(repo / "docs" / "sub" / "deep.markdown"),
        str(repo / "docs" / "sub" / "keep.log.md"),
    ]


def test_exclude_patterns_and_force_exclude(repo: Path) -> None:
    write(repo / "pyproject.toml", '[tool.derivator]\nextend-exclude = ["docs/sub/", "*.tex"]\n')
    assert shown(check("--show-files", cwd=repo)) == ["README.md", "docs/intro.md"]
    assert shown(check("--show-files", "--exclude", "README.md", cwd=repo)) == ["docs/intro.md"]
    # a file named on the command line is checked as given, unless --force-exclude
    named = [
        "drafts/wip.md",
        "docs/chapter.tex",
        ".venv/lib/python3.11/site-packages/pkg/README.md",
    ]
    assert shown(check("--show-files", *named, cwd=repo)) == named
    assert shown(check("--show-files", "--force-exclude", *named, "docs/intro.md", cwd=repo)) == [
        "docs/intro.md"
    ]
    # the same file reached twice is checked once
    assert shown(check("--show-files", "docs/intro.md", "docs", cwd=repo)) == ["docs/intro.md"]


# ---------------------------------------------------------------------------------------------
# 3. exit codes


def test_nothing_to_check_exits_5_unless_allowed(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    write(empty / "notes.txt", "no math here\n")
    r = check(cwd=empty)
    assert r.returncode == 5 and "no Markdown or LaTeX file to check in ." in r.stderr, r.stderr
    prose = tmp_path / "prose"
    write(prose / "a.md", "# Prose\n\nNo formula at all, only $x$ inline.\n")
    r = check("a.md", cwd=prose)
    assert r.returncode == 5 and "no relation found in 1 file" in r.stderr, r.stderr
    r = check("a.md", "--allow-empty", cwd=prose)
    assert r.returncode == 0 and r.stderr == "", r.stderr
    r = check("--allow-empty", "--format", "json", cwd=empty)
    assert r.returncode == 0 and json.loads(r.stdout)["results"] == []
    # a wrong path is an unreadable file: 2, with the reason
    r = check("no/such/file.md", cwd=empty)
    assert r.returncode == 2 and "no/such/file.md" in r.stdout and "no such file" in r.stdout, r
    assert "no such file" not in r.stderr, r.stderr  # said once, in the report


def test_help_documents_every_exit_code() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "derivator", "check", "--help"],
        capture_output=True,
        text=True,
        env=env(),
        timeout=60,
    )
    text = " ".join(r.stdout.split())
    for words in [
        "Exit status: 0",
        "1 a relation is refuted",
        "2 usage error",
        "5 nothing to check",
        "130/143",
    ]:
        assert words in text, (words, text[-1500:])
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    for code in ("`0`", "`1`", "`2`", "`5`", "`130`"):
        assert code in readme, code


# ---------------------------------------------------------------------------------------------
# 4. the cache

RUN_CLI = (
    "import runpy, sys\n"
    "sys.argv = ['derivator', 'check', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('derivator', run_name='__main__')\n"
    "except SystemExit as e:\n"
    "    code = e.code\n"
    "print('imported sympy' if 'sympy' in sys.modules else 'no sympy', file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def test_an_unchanged_file_is_answered_from_the_cache_without_sympy(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    write(folder / "a.md", doc(GOOD, WRONG, GOOD_B))
    cache = tmp_path / "cache"
    first = check_process("a.md", "--format", "json", "--cache-dir", str(cache), cwd=folder)
    assert first.returncode == 1
    assert (
        (cache / "CACHEDIR.TAG")
        .read_text()
        .startswith("Signature: 8a477f597d28d172789f06886806bc55")
    )
    assert (cache / ".gitignore").read_text().splitlines()[-1] == "*"
    r = subprocess.run(
        [sys.executable, "-c", RUN_CLI, "a.md", "--format", "json", "--cache-dir", str(cache)],
        capture_output=True,
        text=True,
        cwd=folder,
        env=env(),
        timeout=120,
    )
    assert r.returncode == 1 and r.stderr.strip().endswith("no sympy"), r.stderr
    cold, warm = json.loads(first.stdout)["results"], json.loads(r.stdout)["results"]
    assert [x["cached"] for x in cold] == [False] * 3 and [x["cached"] for x in warm] == [True] * 3
    strip = lambda rs: [{k: v for k, v in x.items() if k not in ("seconds", "cached")} for x in rs]  # noqa: E731
    assert strip(cold) == strip(warm)
    # the text output and the warning are the same too
    t1 = check_process("a.md", "--no-cache", cwd=folder)
    t2 = check_process("a.md", "--cache-dir", str(cache), cwd=folder)
    drop_time = lambda s: re.sub(r" in [\d.]+ s$", "", s, flags=re.M)  # noqa: E731
    assert drop_time(t1.stdout) == drop_time(t2.stdout) and "warning:" in t2.stdout


def test_a_changed_relation_is_proved_again_and_its_neighbours_are_not(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    f = write(folder / "a.md", doc(GOOD, GOOD_W, GOOD_B, GOOD_SUM))
    check_process("a.md", "--format", "json", cwd=folder)
    f.write_text(doc(GOOD, WRONG, GOOD_B, GOOD_SUM), encoding="utf-8")
    r = check_process("a.md", "--format", "json", cwd=folder)
    results = json.loads(r.stdout)["results"]
    assert [(x["verdict"], x["cached"]) for x in results] == [
        ("proved", True),
        ("refuted", False),
        ("proved", True),
        ("proved", True),  # found although its Dummy has another number in this process
    ]
    # the model is part of the key: the same text in another network is judged again (the
    # refuted WRONG was also judged under the cross-entropy, a reading of the loss the file
    # leaves unstated, and that verdict is reused: the same relation in the same model)
    r = check_process("a.md", "--format", "json", "--loss", "cross-entropy", cwd=folder)
    results = json.loads(r.stdout)["results"]
    assert not results[0]["cached"] and results[0]["verdict"] == "refuted"
    assert not any(x["cached"] for k, x in enumerate(results) if k != 1)


def test_corrupt_foreign_and_concurrent_cache_files_are_harmless(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    write(folder / "a.md", doc(GOOD, WRONG))
    write(folder / "b.md", doc(GOOD_B, GOOD_W))
    cache = tmp_path / "cache"
    args = ("a.md", "b.md", "--format", "json", "--jobs", "1", "--cache-dir", str(cache))
    # two runs at once on an empty cache: both finish, agree, and leave only whole entries
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "derivator", "check", *args],
            cwd=folder,
            env=env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [1, 1], outs
    verdicts = [[x["verdict"] for x in json.loads(o)["results"]] for o, _ in outs]
    assert verdicts[0] == verdicts[1] == ["proved", "refuted", "proved", "proved"]
    entries = sorted(p for p in cache.rglob("*.json"))
    assert entries and not list(cache.rglob(".tmp-*"))
    for p in entries:
        json.loads(p.read_text(encoding="utf-8"))  # whole, not torn
    # now spoil every entry in every way a disk or another tool could
    spoilers = [
        lambda p: p.write_bytes(b"\x00\xff garbage"),
        lambda p: p.write_text(
            p.read_text(encoding="utf-8")[: len(p.read_text(encoding="utf-8")) // 2]
        ),
        lambda p: p.write_text(json.dumps({"derivator-cache": 1, "key": "another", "value": {}})),
        lambda p: p.write_text(json.dumps({"tool": "other", "verdict": "proved"})),
        lambda p: p.write_text(
            json.dumps({"derivator-cache": 1, "key": p.stem, "value": {"verdict": "proved"}})
        ),
        lambda p: p.write_text(
            json.dumps(
                {
                    "derivator-cache": 1,
                    "key": p.stem,
                    "value": {
                        "results": [{"verdict": "proved"}],
                        "warnings": [],
                        "explanations": [],
                    },
                }
            )
        ),
        lambda p: (p.unlink(), os.symlink("/dev/zero", p)),
    ]
    for n, p in enumerate(entries):
        spoilers[n % len(spoilers)](p)
    r = check_process(*args, cwd=folder)
    assert r.returncode == 1, r.stderr
    assert [x["verdict"] for x in json.loads(r.stdout)["results"]] == verdicts[0]
    assert r.stderr.count("warning:") == json.loads(outs[0][0])["warnings"].__len__()


def test_no_cache_clean_and_a_cache_that_cannot_be_used(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    write(folder / "a.md", doc(GOOD))
    here = dict(DERIVATOR_CACHE_DIR="")  # the project's own .derivator_cache
    assert check_process("a.md", "--no-cache", cwd=folder, **here).returncode == 0
    assert not (folder / ".derivator_cache").exists()
    assert check_process("a.md", cwd=folder, **here).returncode == 0
    assert (folder / ".derivator_cache" / "CACHEDIR.TAG").is_file()
    # the cache is hidden from discovery, and clean removes it
    assert shown(check_process("--show-files", cwd=folder, **here)) == ["a.md"]
    r = subprocess.run(
        [sys.executable, "-m", "derivator", "clean"],
        cwd=folder,
        env=env(**here),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (
        r.returncode == 0 and "removed" in r.stdout and not (folder / ".derivator_cache").exists()
    )
    # clean leaves a folder alone that is not a derivator cache
    other = write(tmp_path / "precious" / "data.txt", "keep me").parent
    r = subprocess.run(
        [sys.executable, "-m", "derivator", "clean", "--cache-dir", str(other)],
        cwd=folder,
        env=env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and (other / "data.txt").exists()
    # a cache folder that is a symbolic link is not used; the run goes on and says so
    os.symlink(other, folder / "linked")
    r = check_process("a.md", "--cache-dir", str(folder / "linked"), cwd=folder)
    assert r.returncode == 0 and "not used" in r.stdout, r.stdout
    assert sorted(os.listdir(other)) == ["data.txt"]


# ---------------------------------------------------------------------------------------------
# 5. outputs


@pytest.fixture(scope="module")
def outputs(
    tmp_path_factory: pytest.TempPathFactory,
) -> dict[str, subprocess.CompletedProcess[str]]:
    """One file in every format (the first run fills the cache the others use)."""
    folder = tmp_path_factory.mktemp("outputs")
    write(
        folder / "docs" / "a b.md",
        doc(
            GOOD,
            WRONG,
            r"$$a_{ij}^{(L)} = \foo$$",
            r"$$z_{i0}^{(L)} = w_{00}^{(L)} a_{i0}^{(L-1)} + \cdots + b_0^{(L)}$$",
        ),
    )
    cache = str(tmp_path_factory.mktemp("outputs-cache"))
    out = {}
    for fmt in ("json", "jsonl", "sarif", "github", "junit", "text"):
        out[fmt] = check("docs", "--format", fmt, "--cache-dir", cache, cwd=folder)
    out["sarif-strict"] = check(
        "docs", "--format", "sarif", "--strict", "--cache-dir", cache, cwd=folder
    )
    out["quiet"] = check("docs", "-q", "--cache-dir", cache, cwd=folder)
    out["statistics"] = check("docs", "--statistics", "--cache-dir", cache, cwd=folder)
    out["statistics-json"] = check(
        "docs", "--statistics", "-f", "json", "--cache-dir", cache, cwd=folder
    )
    return out


def test_sarif_validates_against_the_published_schema(outputs: dict) -> None:
    schema = json.loads((SCHEMAS / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    for key in ("sarif", "sarif-strict"):
        r = outputs[key]
        assert r.returncode == 1, r.stderr
        log = json.loads(r.stdout)
        jsonschema.Draft4Validator(schema).validate(log)
        (run,) = log["runs"]
        rules = [rule["id"] for rule in run["tool"]["driver"]["rules"]]
        levels = {}
        for res in run["results"]:
            assert rules[res["ruleIndex"]] == res["ruleId"]
            loc = res["locations"][0]["physicalLocation"]
            assert loc["artifactLocation"]["uri"] == "docs/a%20b.md"  # relative, percent-encoded
            assert loc["region"]["startLine"] >= 1 and loc["region"].get("startColumn", 1) >= 1
            assert res["partialFingerprints"]["derivatorRelation/v1"]
            levels[res["ruleId"]] = res["level"]
        # proved relations are not alerts; unknown is a warning, an error with --strict
        assert set(levels) == {"refuted", "error", "unknown"}
        assert levels["unknown"] == ("error" if key == "sarif-strict" else "warning")
        refuted = next(x for x in run["results"] if x["ruleId"] == "refuted")
        assert "a sum over j is missing" in refuted["message"]["text"]
        assert "counterexample" in refuted["message"]["text"]
        error = next(x for x in run["results"] if x["ruleId"] == "error")
        region = error["locations"][0]["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (11, 18)  # where \foo stands


def test_json_and_json_lines_follow_the_documented_schema(outputs: dict) -> None:
    schema = json.loads((ROOT / "docs" / "check-result.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(outputs["json"].stdout)
    jsonschema.Draft202012Validator(schema).validate(data)
    assert [r["verdict"] for r in data["results"]] == ["proved", "refuted", "error", "unknown"]
    refuted, error = data["results"][1], data["results"][2]
    assert refuted["hints"] and all(h not in refuted["reason"] for h in refuted["hints"])
    assert error["position"] == {"line": 11, "column": 18}  # where \foo stands
    assert error["line"] == 11 and error["column"] == 1  # the block
    assert data["warnings"] and data["warnings"][0].startswith("docs/a b.md: ")
    lines = outputs["jsonl"].stdout.splitlines()
    result_schema = {
        "$schema": schema["$schema"],
        "$defs": schema["$defs"],
        "$ref": "#/$defs/result",
    }
    for line, full in zip(lines, data["results"], strict=True):
        one = json.loads(line)
        jsonschema.Draft202012Validator(result_schema).validate(one)
        assert {k: v for k, v in one.items() if k not in ("seconds", "cached")} == {
            k: v for k, v in full.items() if k not in ("seconds", "cached")
        }


def test_quiet_prints_only_what_fails_and_statistics_count(outputs: dict) -> None:
    quiet = outputs["quiet"].stdout
    assert "✗ refuted" in quiet and "! error" in quiet and "✓" not in quiet
    assert "? unknown" not in quiet  # not a failure without --strict
    assert quiet.splitlines()[-1].startswith("4 relations: 1 proved, 1 refuted, 1 unknown")
    full = outputs["text"].stdout
    assert "✓ proved" in full and len(full.splitlines()) > len(quiet.splitlines())
    stats = outputs["statistics"].stdout.splitlines()
    assert stats[:4] == ["1  proved", "1  refuted", "1  unknown", "1  error"], stats
    assert any(
        re.fullmatch(
            r"1  refuted\s+‹index› is free on the right only: a sum over ‹index› is missing\?", s
        )
        for s in stats
    ), stats
    data = json.loads(outputs["statistics-json"].stdout)
    assert data["verdicts"]["refuted"] == 1 and {"verdict", "reason", "count"} == set(
        data["reasons"][0]
    )


def test_quiet_prints_nothing_when_nothing_fails(tmp_path: Path) -> None:
    write(tmp_path / "a.md", doc(GOOD))
    r = check("a.md", "-q", cwd=tmp_path)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")


def test_github_and_junit_formats(outputs: dict) -> None:
    gh = outputs["github"].stdout.splitlines()
    assert any(
        line.startswith("::error file=docs/a b.md,line=") and "refuted" in line for line in gh
    )
    assert any(line.startswith("::warning file=docs/a b.md") and "unknown" in line for line in gh)
    import xml.etree.ElementTree as ET

    suites = ET.fromstring(outputs["junit"].stdout)
    suite = suites.find("testsuite")
    assert suite is not None and suite.get("tests") == "4" and suite.get("failures") == "1"


# ---------------------------------------------------------------------------------------------
# 6. the pre-commit hook and the GitHub Action, run as those tools run them


@pytest.fixture()
def shim(tmp_path: Path) -> Path:
    """A `derivator` executable on PATH that runs this checkout (what pip install puts there)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    exe = bin_dir / "derivator"
    exe.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m derivator "$@"\n')
    exe.chmod(0o755)
    return bin_dir


def fixture_repo(root: Path) -> Path:
    write(root / "docs" / "good.md", doc(GOOD))
    write(root / "docs" / "wrong.md", doc(GOOD, WRONG))
    write(root / "docs" / "prose.md", "# Only words\n")
    write(root / "notes.tex", "\\[ " + GOOD.strip("$") + " \\]\n")
    write(root / ".venv" / "lib" / "bad.md", doc(WRONG))
    write(root / "script.py", "x = 1\n")
    write(root / ".gitignore", ".venv/\n")
    return root


def hook_files(hook: dict, files: list[str]) -> list[str]:
    """What pre-commit passes: the files whose identify tags meet types_or."""
    tags = {".md": "markdown", ".markdown": "markdown", ".tex": "tex", ".py": "python"}
    return [f for f in files if tags.get(Path(f).suffix) in hook["types_or"]]


def test_the_pre_commit_hook_as_pre_commit_runs_it(tmp_path: Path, shim: Path) -> None:
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert hook["id"] == "derivator-check" and hook["language"] == "python"
    assert hook["require_serial"] is True and "--quiet" in hook["args"]
    repo = fixture_repo(tmp_path / "repo")
    path = f"{shim}{os.pathsep}{os.environ['PATH']}"

    def commit(*changed: str) -> subprocess.CompletedProcess[str]:
        command = [*shlex.split(hook["entry"]), *hook["args"], *hook_files(hook, list(changed))]
        return subprocess.run(
            command, cwd=repo, env=env(PATH=path), capture_output=True, text=True, timeout=300
        )

    r = commit("docs/good.md", "notes.tex", "script.py")
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")  # quiet when all is well
    r = commit("docs/prose.md")  # no formula in the commit: nothing to say
    assert (r.returncode, r.stdout) == (0, "")
    r = commit(".venv/lib/bad.md")  # ignored by .gitignore: force-exclude skips it
    assert (r.returncode, r.stdout) == (0, "")
    r = commit("docs/good.md", "docs/wrong.md")
    assert r.returncode == 1
    lines = r.stdout.splitlines()
    assert [x for x in lines if "✓" in x] == []  # a line per problem, not per proved relation
    assert sum("✗ refuted" in x for x in lines) == 1 and "docs/wrong.md:" in r.stdout


def _expand(text: str, context: dict[str, str]) -> str:
    """GitHub's ${{ name }} substitution for the plain names the action uses."""

    def value(m: re.Match[str]) -> str:
        name = m.group(1).strip()
        assert name in context, f"the test does not know ${{{{ {name} }}}}"
        return context[name]

    return re.sub(r"\$\{\{(.*?)\}\}", value, text)


def run_action(
    repo: Path, shim: Path, tmp: Path, **given: str
) -> tuple[subprocess.CompletedProcess[str], dict[str, str]]:
    """Run the action's `run:` steps as the runner does (bash -eo pipefail, env expanded)."""
    action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    inputs = {k: str(v.get("default", "")) for k, v in action["inputs"].items()}
    inputs.update(given)
    output = tmp / "github_output"
    output.write_text("")
    context = {f"inputs.{k}": v for k, v in inputs.items()} | {
        "github.action_path": str(ROOT),
        "github.sha": "0" * 40,
        "runner.temp": str(tmp / "runner-temp"),
        "runner.os": "Linux",
    }
    result = None
    for step in action["runs"]["steps"]:
        if "uses" in step:  # setup-python and cache: Python is here, the cache starts empty
            continue
        step_env = {k: _expand(str(v), context) for k, v in step.get("env", {}).items()}
        if step.get("id") == "install":
            # pip would install the action's own checkout: here PATH already has it (no network)
            assert step_env["DERIVATOR_ACTION_PATH"] == str(ROOT)
            assert "pip install" in step["run"]
            continue
        assert step["shell"] == "bash"
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
            cwd=repo,
            env=env(
                PATH=f"{shim}{os.pathsep}{os.environ['PATH']}",
                GITHUB_OUTPUT=str(output),
                **step_env,
            ),
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result is not None
    outputs = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
    return result, outputs


def test_the_github_action_as_the_runner_runs_it(tmp_path: Path, shim: Path) -> None:
    repo = fixture_repo(tmp_path / "repo")
    r, out = run_action(repo, shim, tmp_path, **{"sarif-file": "derivator.sarif"})
    assert r.returncode == 1, r.stderr
    assert any(line.startswith("::error file=docs/wrong.md,") for line in r.stdout.splitlines())
    assert ".venv" not in r.stdout  # ignored by .gitignore
    assert out == {"sarif-file": "derivator.sarif"}
    schema = json.loads((SCHEMAS / "sarif-2.1.0-rtm.5.json").read_text(encoding="utf-8"))
    log = json.loads((repo / "derivator.sarif").read_text(encoding="utf-8"))
    jsonschema.Draft4Validator(schema).validate(log)
    assert [x["ruleId"] for x in log["runs"][0]["results"]] == ["refuted"]
    # the verdicts were kept outside the checkout, for actions/cache
    assert any((tmp_path / "runner-temp" / "derivator-cache").rglob("*.json"))
    assert not (repo / ".derivator_cache").exists()
    # a clean repository passes; args reach derivator
    shutil.rmtree(repo / "docs")
    r, out = run_action(repo, shim, tmp_path, args="--strict --timeout 20", cache="false")
    assert r.returncode == 0, r.stdout + r.stderr
    assert out == {}


# ---------------------------------------------------------------------------------------------
# 7. start-up and verify


def test_the_command_line_is_built_without_sympy() -> None:
    """--help, --version and the check command's options need no SymPy (engine.names)."""
    code = "import sys, typer; from derivator.cli import app; typer.main.get_command(app); print('sympy' in sys.modules)"
    r = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env(), timeout=60
    )
    assert r.stdout.strip() == "False", r.stderr


@pytest.mark.slow
def test_verify_on_every_core_and_from_the_cache_gives_the_serial_table(tmp_path: Path) -> None:
    def verify(*args: str) -> list[tuple]:
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "derivator",
                "verify",
                "-f",
                "json",
                "--activation",
                "identity",
                "--activation",
                "relu",
                "--loss",
                "mse",
                *args,
            ],
            capture_output=True,
            text=True,
            env=env(),
            cwd=tmp_path,
            timeout=600,
        )
        assert r.returncode == 0, r.stderr
        return [
            (
                x["quantity"],
                x["layer"],
                x["form"],
                x["activation"],
                x["loss"],
                x["verdict"],
                x["method"],
            )
            for x in json.loads(r.stdout)["results"]
        ]

    cache = tmp_path / "cache"
    serial = verify("--jobs", "1", "--no-cache")
    parallel = verify("--jobs", "2", "--cache-dir", str(cache))
    assert parallel == serial and len(serial) == 148
    entries = {p: p.stat().st_mtime_ns for p in cache.rglob("*.json")}
    assert len(entries) >= 100
    assert verify("--jobs", "2", "--cache-dir", str(cache)) == serial
    assert {p: p.stat().st_mtime_ns for p in cache.rglob("*.json")} == entries  # only read
