"""`derivator check` in CI: bounded in time and memory, never hangs, never skips
silently.  Real processes, real signals, the real process table: every proof runs in a worker
that the supervisor can kill, and nothing the user writes can make a run hang, leak a process
or hide part of a file.

No test measures time (a shared machine makes any figure flaky; benchmarks are in bench/).  What
bounds a run is shown by the mechanism that bounded it: the reason a stopped relation gives (the
timeout, the memory limit, the signal), a limit named in an error before any work, a worker's
counted peak memory.  A run that is not bounded does not end: ``HANG`` seconds, far beyond any
run here on a loaded machine, is the watchdog that turns a hang into a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from derivator.document import blocks, workers

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "corpus"

GOOD = r"$$\frac{\partial L_i}{\partial a_{ij}^{(L)}} = a_{ij}^{(L)} - y_{ij}$$"
#: the article's classic slip, a missing Σ_j (refuted: notation.md's own example)
WRONG = r"$$\frac{\partial L_i}{\partial a_{ik}^{(L-1)}} = (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) w_{jk}^{(L)}$$"
LETTERS = "jkmtpqrsuv"
#: seconds after which a run that should have ended is a hang (not a timing: see the docstring)
HANG = 150.0


def heavy(n: int) -> str:
    """A false relation between products over n layers, each with its own free index: deciding
    it at concrete sizes runs over every combination of n indices (~69 GB at n = 10 without a
    bound)."""
    tag = ["L"] + [f"L-{d}" for d in range(1, n)]
    lhs = " ".join(f"a_{{i{LETTERS[d]}}}^{{({tag[d]})}}" for d in range(n))
    rhs = " ".join(f"z_{{i{LETTERS[d]}}}^{{({tag[d]})}}" for d in range(n))
    return f"$${lhs} = {rhs}$$"


#: a relation that keeps a worker busy until its timeout (the 64th power of a sum is expanded)
SLOW = r"$$z_{ij}^{(L)} = (\sum_k w_{jk}^{(L)} a_{ik}^{(L-1)} + b_j^{(L)})^{64}$$"


#: CPU seconds after which a worker is surely busy on SLOW: a forked worker inherits the imports,
#: so its own seconds are the relations it decided, and GOOD before SLOW takes 0.04 s (25 times less)
BUSY = 1.0


def cpu(pid: int) -> float:
    """Seconds of CPU a process has used (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    env.update(PYTHONPATH=str(ROOT), PYTHONIOENCODING="utf-8", COLUMNS="200")
    return env


def _safety_net() -> None:
    """Whatever happens, a test run cannot take the machine's memory: 6 GB for the whole tree."""
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))


def start(*args: str, cwd: Path = ROOT, **kw: object) -> subprocess.Popen[bytes]:
    """A run in the background; its output goes to files, so that the test can watch the process
    table meanwhile without a full pipe blocking the run (see :func:`finish`)."""
    # open until finish() reads them: the process writes to them meanwhile
    out, err = tempfile.TemporaryFile(), tempfile.TemporaryFile()  # noqa: SIM115
    p = subprocess.Popen(
        [sys.executable, "-m", "derivator", "check", *args],
        cwd=cwd,
        env=_env(),
        stdout=out,
        stderr=err,
        preexec_fn=_safety_net,
        **kw,
    )
    p.files = (out, err)  # type: ignore[attr-defined]
    return p


def finish(p: subprocess.Popen[bytes], timeout: float = HANG) -> tuple[str, str]:
    """Wait for a run from :func:`start`: its stdout and stderr."""
    p.wait(timeout)
    texts = []
    for f in p.files:  # type: ignore[attr-defined]
        f.seek(0)
        texts.append(f.read().decode("utf-8"))
        f.close()
    return texts[0], texts[1]


def check(
    *args: str,
    cwd: Path = ROOT,
    stdin: object = subprocess.DEVNULL,
    stdout: object = subprocess.PIPE,
    timeout: float = HANG,
) -> subprocess.CompletedProcess[str]:
    r = subprocess.run(
        [sys.executable, "-m", "derivator", "check", *args],
        cwd=cwd,
        env=_env(),
        stdin=stdin,
        stdout=stdout,
        stderr=subprocess.PIPE,
        timeout=timeout,
        preexec_fn=_safety_net,
    )
    out = subprocess.CompletedProcess(
        r.args, r.returncode, (r.stdout or b"").decode("utf-8"), r.stderr.decode("utf-8")
    )
    assert "Traceback" not in out.stdout + out.stderr, out.stderr
    return out


def children(pid: int) -> list[int]:
    """The process's children, from the process table."""
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry))
    return out


def rss(pid: int) -> int:
    """Resident bytes of a process (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# 1. time and memory, for real


def test_a_relation_needing_tens_of_gigabytes_is_stopped_in_time_with_little_memory(
    tmp_path: Path,
) -> None:
    f = write(tmp_path / "heavy.md", GOOD + "\n\n" + heavy(10) + "\n\n" + WRONG + "\n")
    t0 = time.monotonic()
    p = start("--timeout", "2", "--format", "json", str(f))
    peak, parent = 0, 0  # the largest worker, and this run's own process
    while p.poll() is None:
        parent = max(parent, rss(p.pid))
        peak = max([peak] + [rss(c) for c in children(p.pid)])
        time.sleep(0.02)
        assert time.monotonic() - t0 < HANG, "not stopped"
    out, err = finish(p)
    data = json.loads(out)
    verdicts = [r["verdict"] for r in data["results"]]
    assert verdicts[0] == "proved" and verdicts[2] == "refuted", err
    # the products differ (a ≠ z): refuted if the prover's own bounds decide in time, else stopped
    assert verdicts[1] in ("refuted", "unknown")
    if verdicts[1] == "unknown":
        assert (
            "--timeout 2" in data["results"][1]["reason"]
            or "memory limit" in data["results"][1]["reason"]
        )
    assert p.returncode == 1  # the refuted neighbour, not the stopped relation, fails the run
    assert 0 < peak < 1 << 30, f"peak RSS {peak / 2**20:.0f} MB"
    assert parent < 300 << 20


def test_a_worker_killed_mid_run_costs_only_its_relation(tmp_path: Path) -> None:
    """SIGKILL (what the OOM killer sends) to the worker busy on a slow relation: that relation
    is unknown with the reason, every other one is decided (by a new worker), and the run ends."""
    f = write(tmp_path / "k.md", "\n\n".join([GOOD, SLOW, GOOD, WRONG]) + "\n")
    # the relation's timeout is an hour: a run that waited for it instead of going on at once
    # would not end before the watchdog (finish)
    p = start("--timeout", "3600", "--memory", "3000", "--jobs", "1", "--format", "json", str(f))
    t0 = time.monotonic()
    victim = None
    while victim is None and time.monotonic() - t0 < HANG:
        busy = [c for c in children(p.pid) if cpu(c) > BUSY]  # long past the first relation
        victim = busy[0] if busy else None
        time.sleep(0.05)
    assert victim is not None, "the heavy relation never started"
    os.kill(victim, signal.SIGKILL)
    out, err = finish(p)
    results = json.loads(out)["results"]
    assert [r["verdict"] for r in results] == ["proved", "unknown", "proved", "refuted"], err
    assert "SIGKILL" in results[1]["reason"]
    assert p.returncode == 1


def test_a_worker_killed_on_a_whole_file_costs_only_its_relation(tmp_path: Path) -> None:
    """With many files each worker plans and decides whole files: SIGKILL to the one busy on a
    slow relation makes that relation unknown, the rest of its file is planned again and decided
    by a new worker, and every other file is unaffected."""
    names = []
    for n in range(6):
        blocks = [GOOD, SLOW, GOOD, WRONG] if n == 3 else [GOOD, WRONG]
        names.append(str(write(tmp_path / f"f{n}.md", "\n\n".join(blocks) + "\n")))
    p = start("--timeout", "3600", "--memory", "3000", "--jobs", "1", "--format", "json", *names)
    t0 = time.monotonic()
    victim = None
    while victim is None and time.monotonic() - t0 < HANG:
        busy = [c for c in children(p.pid) if cpu(c) > BUSY]
        victim = busy[0] if busy else None
        time.sleep(0.05)
    assert victim is not None, "the heavy relation never started"
    os.kill(victim, signal.SIGKILL)
    out, err = finish(p)
    results = json.loads(out)["results"]
    verdicts = [(r["file"][-5:], r["verdict"]) for r in results]
    want = [(f"f{n}.md", v) for n in range(6) for v in ("proved", "refuted")]
    want[6:8] = [
        ("f3.md", "proved"),
        ("f3.md", "unknown"),
        ("f3.md", "proved"),
        ("f3.md", "refuted"),
    ]
    assert verdicts == want, err
    assert "SIGKILL" in results[7]["reason"]
    assert p.returncode == 1


@pytest.mark.parametrize("sig, code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_a_signal_ends_the_run_at_once_and_leaves_no_process(
    tmp_path: Path, sig: int, code: int
) -> None:
    """The workers are busy on slow relations, then frozen (SIGSTOP): a run that waited for them
    to finish, to answer, or to take a gentler signal would never end (the watchdog fails it);
    only killing them at once ends it."""
    f = write(tmp_path / "s.md", "\n\n".join([GOOD, SLOW, SLOW.replace("= (", "= 2 (")]) + "\n")
    p = start(
        "--timeout",
        "3600",
        "--memory",
        "3000",
        "--jobs",
        "2",
        "--format",
        "json",
        str(f),
        start_new_session=True,
    )
    t0 = time.monotonic()
    workers: list[int] = []
    while time.monotonic() - t0 < HANG and not any(cpu(c) > BUSY for c in workers):
        workers = children(p.pid)
        time.sleep(0.05)
    assert workers, "no worker started"
    for w in workers:
        os.kill(w, signal.SIGSTOP)
    os.kill(p.pid, sig)
    try:
        out, err = finish(p)
    finally:  # a run that hung must not leave frozen workers behind
        for w in workers:
            if alive(w):
                os.kill(w, signal.SIGKILL)
    assert p.returncode == code, err
    assert "interrupted" in err and "Traceback" not in err
    assert [r["verdict"] for r in json.loads(out)["results"]] == ["proved"]  # what was decided
    time.sleep(0.1)
    assert not [w for w in workers if alive(w)]
    assert not children(p.pid)


def test_jobs_are_capped_at_the_cores(tmp_path: Path) -> None:
    for k in range(12):
        write(tmp_path / f"f{k}.md", GOOD + "\n\n" + WRONG + "\n")
    p = start("--jobs", "100000", "--format", "json", str(tmp_path))
    most = 0
    while p.poll() is None:
        most = max(most, len(children(p.pid)))
        time.sleep(0.01)
    finish(p)
    assert p.returncode == 1
    assert 1 <= most <= len(os.sched_getaffinity(0))


@pytest.mark.parametrize("value", ["inf", "nan", "0", "-1", "1e300"])
def test_the_timeout_must_be_finite_and_positive(value: str) -> None:
    r = check(GOOD, "--timeout", value)
    assert r.returncode == 2 and "--timeout" in r.stderr


# ---------------------------------------------------------------------------------------------
# 2. sizes bounded before any work, with the limit named


def test_sizes_that_depend_on_the_input_are_errors_naming_the_limit(tmp_path: Path) -> None:
    f = write(
        tmp_path / "b.md",
        "\n".join(
            [
                "<!-- derivator: network=single -->",
                r"$$a^{(L-1000000000)} = \sigma(z^{(L-1000000000)})$$",
                r"$$a^{(L)} = ((((123456789012345678901234567890^{64})^{64})^{64})^{64}) a^{(L)}$$",
                r"$$a^{(L)} = (a^{(L)} - y)^{100000}$$",
                r"$$a^{(L)} = \sigma(z^{(L)})$$",
            ]
        )
        + "\n",
    )
    r = check("--format", "json", str(f))  # without the limits, the powers would never end
    results = json.loads(r.stdout)["results"]
    assert [(x["line"], x["verdict"]) for x in results] == [
        (2, "error"),
        (3, "error"),
        (4, "error"),
        (5, "proved"),
    ]
    assert "at most 256 layers" in results[0]["reason"]
    assert "1,000 digits" in results[1]["reason"]
    assert "limit is 64" in results[2]["reason"]
    assert r.returncode == 1


# ---------------------------------------------------------------------------------------------
# 4. reading


#: the hand-written corpus (every form the reader knows, in Markdown and LaTeX) and two published
#: derivations with sub-folders: what a newline can break is reading, which these cover; the
#: whole real corpus would only make the test slower as it grows
NEWLINE_FILES = [
    *sorted(CORPUS.glob("*.md")),
    *sorted(CORPUS.glob("*.tex")),
    CORPUS / "real" / "dev" / "nielsen-ch2.md",
    CORPUS / "real" / "dev" / "bishop-prml-5.3.tex",
]


def _corpus_copy(to: Path, newline: str) -> Path:
    """``NEWLINE_FILES`` under ``to`` (keeping their sub-folders), with ``newline``."""
    for f in NEWLINE_FILES:
        (to / f.relative_to(CORPUS)).parent.mkdir(parents=True, exist_ok=True)
        (to / f.relative_to(CORPUS)).write_bytes(f.read_bytes().replace(b"\n", newline.encode()))
    return to


def test_crlf_and_cr_copies_of_the_corpus_give_the_same_verdicts(tmp_path: Path) -> None:
    """LF, CRLF and CR copies of the corpus checked in one run (one process instead of three): a
    relation read the same from two copies is proved once, and what a newline can break is the
    reading (blocks, lines, steps), which each copy still goes through on its own."""
    copies = {"lf": "\n", "crlf": "\r\n", "cr": "\r"}
    folders = [str(_corpus_copy(tmp_path / name, newline)) for name, newline in copies.items()]
    r = check("--format", "json", "--jobs", "2", *folders, timeout=300)
    assert r.returncode == 1
    found: dict[str, list[tuple[str, int, int, str]]] = {name: [] for name in copies}
    for res in json.loads(r.stdout)["results"]:
        where = Path(res["file"]).resolve().relative_to(tmp_path.resolve())
        found[where.parts[0]].append(
            (Path(*where.parts[1:]).as_posix(), res["line"], res["step"], res["verdict"])
        )
    assert len(found["lf"]) > 100
    assert sorted(found["crlf"]) == sorted(found["lf"])
    assert sorted(found["cr"]) == sorted(found["lf"])


def test_a_crlf_file_with_two_refutations_fails(tmp_path: Path) -> None:
    text = "# Notes\r\n\r\n```python\r\nx = 1\r\n```\r\n\r\n" + WRONG + "\r\n\r\n" + WRONG + "\r\n"
    f = tmp_path / "crlf.md"
    f.write_bytes(text.encode())
    r = check("--format", "json", str(f))
    assert r.returncode == 1
    assert [(x["line"], x["verdict"]) for x in json.loads(r.stdout)["results"]] == [
        (7, "refuted"),
        (9, "refuted"),
    ]


@pytest.mark.parametrize(
    "make",
    [
        lambda n: "word " * (n // 5),
        lambda n: "`x` $ " * (n // 6),
        lambda n: "\\[ a " * (n // 5),
        lambda n: "\\" * n,
        lambda n: "<!-- " + "`" * (n // 2),
    ],
    ids=["prose", "code spans", "unclosed brackets", "backslashes", "comment"],
)
@pytest.mark.parametrize("kind", ["md", "tex"])
def test_ten_megabytes_on_one_line_are_scanned_in_seconds(make, kind: str) -> None:
    text = make(10 << 20)
    # a quadratic scan of 10 MB would take hours: the test's timeout (pyproject.toml) is the bound
    items = blocks.scan(blocks.Source("big", text), kind)
    assert len(items) <= blocks.MAX_ITEMS + 1


def test_only_regular_files_of_bounded_size_are_read(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.md"
    os.mkfifo(fifo)
    big = tmp_path / "big.md"
    with big.open("wb") as f:
        f.truncate(17 << 20)
    good = write(tmp_path / "good.md", GOOD + "\n")
    r = check("--format", "json", str(fifo), "/dev/zero", str(big), str(good), timeout=60)
    assert r.returncode == 2
    results = json.loads(r.stdout)["results"]
    assert [x["verdict"] for x in results] == ["error", "error", "error", "proved"]
    assert "FIFO" in results[0]["reason"] and "character device" in results[1]["reason"]
    assert "limit of 16,777,216 bytes" in results[2]["reason"]


def test_unclosed_comments_and_fences_are_warnings_naming_the_line(tmp_path: Path) -> None:
    comment = write(tmp_path / "comment.md", GOOD + "\n\n<!-- a note\n\n" + WRONG + "\n")
    fence = write(tmp_path / "fence.md", GOOD + "\n\n\n```\ncode\n\n" + WRONG + "\n")
    r = check(str(comment), str(fence))
    assert r.returncode == 0  # CommonMark: the rest is a comment / code ...
    assert f"warning: {comment}:3:1: the comment <!-- opened here is never closed" in r.stdout
    assert (
        f"warning: {fence}:4:1: the code fence ``` opened here is never closed" in r.stdout
    )  # ... and said so
    r = check("--format", "json", str(comment))
    assert "comment.md:3:1" in r.stderr and json.loads(r.stdout)["summary"]["proved"] == 1


def test_verbatim_comment_and_iffalse_are_not_checked(tmp_path: Path) -> None:
    wrong = WRONG.strip("$")
    f = write(
        tmp_path / "v.tex",
        "\n".join(
            [
                r"\begin{verbatim}",
                f"\\[{wrong}\\]",
                r"\end{verbatim}",
                r"\begin{comment}",
                f"\\[{wrong}\\]",
                r"\end{comment}",
                r"\iffalse",
                r"\ifx\a\b x\fi",
                f"\\[{wrong}\\]",
                "% derivator: skip=on",
                r"\fi",
                f"\\[{GOOD.strip('$')}\\]",
                r"\iffalse old \else",
                f"\\[{wrong}\\]",
                r"\fi",
            ]
        )
        + "\n",
    )
    r = check("--format", "json", str(f))
    assert [(x["line"], x["verdict"]) for x in json.loads(r.stdout)["results"]] == [
        (12, "proved"),
        (14, "refuted"),
    ]


def test_one_bad_step_in_an_align_is_one_error_and_its_neighbours_are_judged(
    tmp_path: Path,
) -> None:
    rhs = WRONG.strip("$").split(" = ", 1)[1]
    f = write(
        tmp_path / "a.tex",
        "\n".join(
            [
                r"\begin{align*}",
                r"\frac{\partial L_i}{\partial a_{ik}^{(L-1)}} &= \sum_j (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) w_{jk}^{(L)} \\",
                r"  &= \foo{x} \\",
                r"  &= \sum_j (a_{ij}^{(L)} - y_{ij}) \sigma'(z_{ij}^{(L)}) w_{jk}^{(L)} \\",
                rf"\frac{{\partial L_i}}{{\partial a_{{ik}}^{{(L-1)}}}} &= {rhs}",
                r"\end{align*}",
            ]
        )
        + "\n",
    )
    r = check("--format", "json", str(f))
    results = json.loads(r.stdout)["results"]
    assert [x["verdict"] for x in results] == ["proved", "error", "unknown", "refuted"]
    assert results[1]["position"]["line"] == 3 and "unknown macro \\foo" in results[1]["reason"]
    r = check("--format", "github", str(f))
    assert f"::error file={f},line=3,col=6," in r.stdout  # the error's own line and column


# ---------------------------------------------------------------------------------------------
# 5. outputs


def test_control_characters_are_escaped_in_every_format(tmp_path: Path) -> None:
    name = "esc\x1b]52;c;SGVsbG8=\x07.md"
    f = write(tmp_path / name, "$$a_{ij}^{(L)} = \x1b[2J\x9b31m b$$\n\n" + GOOD + "\n")
    outs = {
        fmt: check("--no-color", "--format", fmt, str(f))
        for fmt in ("text", "json", "github", "junit")
    }
    for fmt, r in outs.items():
        assert r.returncode == 1, (fmt, r.stderr)
        assert not any(c in r.stdout for c in "\x1b\x07\x9b"), fmt
    assert "\\x1b" in outs["text"].stdout and "\\x9b" in outs["github"].stdout
    data = json.loads(outs["json"].stdout)
    assert data["results"][0]["file"] == str(f)  # JSON escapes, losslessly
    ET.fromstring(outs["junit"].stdout.split("\n", 1)[1])  # well-formed XML


def test_file_names_that_start_with_a_dash(tmp_path: Path) -> None:
    write(tmp_path / "-dash.md", WRONG + "\n")
    write(tmp_path / "plain.md", GOOD + "\n")
    for args in (["-dash.md", "plain.md"], ["--no-color", "--", "-dash.md", "plain.md"]):
        r = check(*args, cwd=tmp_path)
        assert r.returncode == 1, r.stderr
        assert (
            r.stdout.startswith("-dash.md:1 ")
            and "plain.md:1 " in r.stdout
            and "./-dash.md" not in r.stdout
        )
    assert check("--no-such-option", "plain.md", cwd=tmp_path).returncode == 2


def test_no_traceback_for_closed_stdin_full_stdout_or_a_long_name(tmp_path: Path) -> None:
    r = subprocess.run(
        f"{sys.executable} -m derivator check - <&-",
        shell=True,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 2 and "Traceback" not in r.stdout + r.stderr
    # said once: in the text report, not again on standard error
    assert r.stdout.count("standard input is closed") == 1 and "closed" not in r.stderr
    good = write(tmp_path / "good.md", GOOD + "\n")
    with open("/dev/full", "wb") as full:
        r2 = check(str(good), stdout=full)
    assert r2.returncode == 2 and "cannot write the output" in r2.stderr
    r3 = check("--format", "json", str(tmp_path / ("x" * 256 + ".md")))
    assert r3.returncode == 2 and "name too long" in json.loads(r3.stdout)["results"][0]["reason"]


# ---------------------------------------------------------------------------------------------
# 6. absurd options: a one-line usage error, at once


ABSURD = [
    ["formulas", "--depth", "1000000000"],
    ["formulas", "--layer", "L-1000000000"],
    ["formulas", "--layer", "9" * 5000],
    ["formulas", "--widths", "2,100000000,1", "--form", "both", "--layer", "L"],
    ["formulas", "--widths", ",".join(["2"] * 10_000)],
    ["formulas", "--widths", "2," + "9" * 5000 + ",1"],
    ["formulas", "--widths", "2,-3,1"],
    ["formulas", "--timeout", "inf"],
    ["formulas", "--timeout", "nan"],
    ["formulas", "--timeout", "1e300"],
    ["verify", "--timeout", "inf"],
    ["verify", "--timeout", "0"],
    ["check", "--timeout", "inf", "tests/corpus"],
    ["check", "--jobs", "-1", "tests/corpus"],
    ["check", "--memory", "1", "tests/corpus"],
]


@pytest.mark.parametrize("args", ABSURD, ids=[" ".join(a)[:40] for a in ABSURD])
def test_absurd_options_are_usage_errors_without_a_traceback(args: list[str]) -> None:
    # refused before any work: taken at their word, they would run for hours (the watchdog)
    r = subprocess.run(
        [sys.executable, "-m", "derivator", *args],
        cwd=ROOT,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=HANG,
        preexec_fn=_safety_net,
    )
    assert r.returncode == 2, (r.stdout[-500:], r.stderr[-500:])
    assert "Traceback" not in r.stderr and r.stderr.strip(), r.stderr
    assert len(r.stderr.strip().splitlines()) <= 6  # a short message, not a dump


# ---------------------------------------------------------------------------------------------
# the supervisor itself: work stuck inside C, where no Python deadline reaches


def _stuck_in_c(task: str):
    """Announce the task, then run a loop that never returns to the interpreter (as
    ``list(product(...))`` or a huge integer power did), or finish at once."""
    yield "begin", task
    if task == "spin":
        sum(itertools.repeat(1, 10**12))
    elif task == "grow":
        list(itertools.islice(itertools.count(10**6), 10**11))
    yield "result", task


def _watch(pool: workers.Pool) -> tuple[list[workers.Event], int]:
    """Every event of the pool, and the largest worker's peak RSS meanwhile."""
    events: list[workers.Event] = []
    peak = 0
    for ev in pool.events():
        events.append(ev)
        peak = max([peak] + [rss(w.process.pid) for w in pool.workers])
    return events, peak


def test_work_stuck_in_c_is_killed_on_time_and_the_pool_goes_on() -> None:
    pool = workers.Pool(_stuck_in_c, jobs=1, timeout=1.0, memory=1 << 30, late="too slow")
    try:
        for k, task in enumerate(["quick", "spin", "quick"]):
            pool.submit(k, task)
        # without the supervisor's kill, events() would wait for "spin" for ever (the watchdog)
        events = [(ev.key, ev.kind, ev.payload) for ev in pool.events()]
    finally:
        pool.close()
    assert (1, "lost", "too slow") in events
    assert [e for e in events if e[1] == "done"] == [(0, "done", None), (2, "done", None)]
    assert (2, "message", ("result", "quick")) in events


def test_work_that_grows_without_end_in_c_stops_at_the_memory_limit() -> None:
    pool = workers.Pool(_stuck_in_c, jobs=1, timeout=30.0, memory=512 << 20)
    try:
        pool.submit("g", "grow")
        events, peak = _watch(pool)  # stopped by the memory limit, not the timeout (below)
    finally:
        pool.close()
    assert events[-1].kind == "lost" and "memory" in events[-1].payload
    # the budget comes on top of what the worker inherited from this (pytest) process at the fork
    assert peak < rss(os.getpid()) + (600 << 20)
