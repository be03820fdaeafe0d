"""Every CLI subcommand given malformed or out-of-range values exits 2 with one line.

Users rely on this: a typo costs one readable line, never a traceback, and never
hours of computing before the complaint. Parse-time checks are fast, so every
(command, bad value) pair runs in the default suite.
"""
from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from civictext import cli
from civictext.errors import CivictextError, ParameterError, ParameterTypeError

ROOT = Path(__file__).resolve().parents[1]

# (command, its required arguments, malformed options) - every numeric option of
# every command, with NaN, infinity, negative, zero, huge and non-numeric values
BAD = {
    "ingest": (["corpus/", "--out", "OUT"], [
        ["--category-pattern", "("], ["--category-pattern", "[a-"], ["--field", "text"],
        ["--field", "=x"], ["--encoding", "no-such-codec"], ["--max-file-mb", "nan"],
        ["--max-file-mb", "0"], ["--max-file-mb", "x"]]),
    "tokenize": (["corpus/", "--out", "OUT.csv"], [
        ["--jobs", "0"], ["--jobs", "99999"], ["--jobs", "-2"], ["--jobs", "two"],
        ["--jobs", "nan"]]),
    "themes": (["corpus/", "--out", "OUT.csv"], [
        ["--threshold", "0"], ["--threshold", "nan"], ["--threshold", "-1"],
        ["--threshold", "inf"], ["--threshold", "x"], ["--presence", "bogus"],
        ["--workers", "0"], ["--partition-mb", "nan"], ["--partition-mb", "0"],
        ["--engine", "spark"], ["--operating-point", "high"]]),
    "coverage": (["corpus/", "--out", "OUT.csv"], [["--category-pattern", "(?P<"]]),
    "topics": (["corpus/", "--out", "OUT"], [
        ["--seed", "-1"], ["--seed", "4294967296"], ["--seed", "1.5"], ["--n-topics", "0"],
        ["--n-topics", "nan"], ["--stability", "1"], ["--stability", "100000"],
        ["--min-df", "nan"], ["--min-df", "-1"], ["--max-df", "1.5"], ["--method", "pca"],
        ["--n-extra", "-1"]]),
    "trends": (["corpus/", "--out", "OUT.csv"], [
        ["--n-boot", "100000000"], ["--n-boot", "-1"], ["--level", "1"], ["--level", "nan"],
        ["--smooth", "0"], ["--freq", "W"], ["--seed", "4294967296"]]),
    "figures": (["--corpus", "corpus/", "--out", "OUT"], [
        ["--seed", "-1"], ["--freq", "D"], ["--by", "nope"],
        # a file of no corpus type was a KeyError inside read_corpus
        ["--corpus", "pyproject.toml"]]),
    "run": (["corpus/", "--out", "OUT"], [
        ["--seed", "-1"], ["--workers", "0"], ["--partition-mb", "nan"], ["--by", "nope"],
        ["--presence", "x"], ["--operating-point", "F1"]]),
    "train-model": (["CODED.csv", "--corpus", "corpus/", "--out", "OUT"], [
        ["--C", "0"], ["--C", "nan"], ["--C", "-1"], ["--C", "x"], ["--seed", "-1"],
        ["--max-file-mb", "0"], ["--corpus", "pyproject.toml"], ["--precision-target", "0"],
        ["--precision-target", "1.5"], ["--precision-target", "nan"]]),
    "collect": (["URLS.txt", "--out", "OUT"], [
        ["--delay", "nan"], ["--delay", "-1"], ["--timeout", "nan"], ["--timeout", "0"],
        ["--timeout", "inf"], ["--retries", "-1"], ["--retries", "1000"]]),
    "dedup": (["corpus/", "--out", "OUT.csv"], [
        ["--threshold", "0"], ["--threshold", "nan"], ["--threshold", "1.5"],
        ["--num-perm", "1000000"], ["--num-perm", "4"], ["--shingle", "0"],
        ["--keep", "last"], ["--seed", "-1"]]),
}
CASES = [(cmd, bad) for cmd, (_, bads) in BAD.items() for bad in bads]


def _args(cmd, tmp_path, extra):
    urls = tmp_path / "urls.txt"
    urls.write_text("http://127.0.0.1:9/a\n", encoding="utf-8")
    coded = tmp_path / "coded.csv"  # a valid coded file (checked before the corpus is read)
    pd.read_csv(ROOT / "civictext/data/labels/labelled.csv")[
        ["doc_id", "reform", "conduct", "satisfaction"]].assign(pi=1.0).to_csv(coded,
                                                                               index=False)
    required = [str(tmp_path / a) if a.startswith("OUT") else
                str(urls) if a == "URLS.txt" else str(ROOT / a) if a == "corpus/" else
                str(coded) if a == "CODED.csv" else a
                for a in BAD[cmd][0]]
    return [cmd, *required, *extra, "-q"]


def _one_line_error(capsys, cmd):
    cap = capsys.readouterr()
    err = cap.err.strip()
    assert err and "\n" not in err, f"expected one line on stderr, got {cap.err!r}"
    assert "Traceback" not in cap.err + cap.out
    assert err.startswith(f"civictext {cmd}: error:"), err
    return err


def test_every_subcommand_is_covered():
    sub = cli.build_parser()._subparsers._group_actions[0].choices  # noqa: SLF001
    assert set(sub) == set(BAD)


@pytest.mark.parametrize("cmd, bad", CASES, ids=[f"{c}{' '.join(b)}" for c, b in CASES])
def test_malformed_values_exit_2_with_one_line(cmd, bad, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    rc = cli.main(_args(cmd, tmp_path, bad))
    assert rc == 2
    err = _one_line_error(capsys, cmd)
    assert bad[0] in err or bad[0].lstrip("-").replace("-", "_") in err, err
    assert not any(p.name.startswith("OUT") for p in tmp_path.iterdir())  # nothing written


def test_a_real_process_prints_one_line_and_no_traceback(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "civictext", "themes", "corpus/", "--out",
                           str(tmp_path / "s.csv"), "--threshold", "nan"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert "--threshold" in proc.stderr and "'nan'" in proc.stderr


# --------------------------------------------------------------- output paths
@pytest.fixture()
def corpus_dir(tmp_path):
    c = tmp_path / "c"
    c.mkdir()
    pd.DataFrame({"id": ["a1", "a2", "a3"], "text": ["Cải cách hành chính."] * 3}).to_csv(
        c / "articles.csv", index=False)
    return c


def _snapshot(folder):
    return {p: p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("argv", [
    ["ingest", "{c}/articles.csv", "--out", "{c}"],
    ["ingest", "{c}", "--out", "{c}/out"],
    ["run", "{c}/articles.csv", "--out", "{c}"],
    ["themes", "{c}/articles.csv", "--out", "{c}/articles.csv"],
    ["themes", "{c}", "--out", "{c}/scores.csv"],
    ["themes", "{c}", "--out", "{t}/s.csv", "--evidence", "{c}/articles.csv"],
    ["tokenize", "{c}/articles.csv", "--out", "{c}/articles.csv"],
    ["coverage", "{c}", "--out", "{c}/cov.csv"],
    ["topics", "{c}", "--out", "{c}/topics"],
    ["trends", "{c}/articles.csv", "--out", "{c}/articles.csv"],
    ["figures", "--corpus", "{c}", "--out", "{c}/figs"],
    ["dedup", "{c}", "--out", "{c}/d.csv"],
    ["collect", "{c}/articles.csv", "--out", "{c}"],
])
def test_an_output_that_is_or_is_inside_an_input_is_refused(argv, corpus_dir, tmp_path,
                                                               capsys):
    before = _snapshot(corpus_dir)
    argv = [a.format(c=corpus_dir, t=tmp_path) for a in argv]
    assert cli.main([*argv, "-q"]) == 2
    err = _one_line_error(capsys, argv[0])
    assert "input" in err and ("inside" in err or "overwrite" in err), err
    assert _snapshot(corpus_dir) == before  # the corpus is untouched


@pytest.mark.parametrize("kind", ["file-for-folder", "folder-for-file", "parent-is-file"])
def test_an_output_of_the_wrong_kind_fails_before_reading(kind, corpus_dir, tmp_path, capsys):
    target = tmp_path / "existing"
    if kind == "file-for-folder":
        target.write_text("x")
        argv = ["ingest", str(corpus_dir), "--out", str(target)]
    elif kind == "folder-for-file":
        target.mkdir()
        argv = ["themes", str(corpus_dir), "--out", str(target)]
    else:
        target.write_text("x")
        argv = ["dedup", str(corpus_dir), "--out", str(target / "d.csv")]
    assert cli.main([*argv, "-q"]) == 2
    err = _one_line_error(capsys, argv[0])
    assert str(target) in err


# ------------------------------------------------------------------ the API
@pytest.mark.parametrize("call, exc, match", [
    (lambda: __import__("civictext").read_corpus(None), ParameterTypeError, "path must be"),
    (lambda: __import__("civictext").read_corpus("corpus/", category_pattern="("),
     ParameterError, "category_pattern '\\(' is not a valid regular expression"),
    (lambda: __import__("civictext").score_themes(
        pd.DataFrame({"doc_id": ["a"], "text": ["x"]}), presence="bogus"), ParameterError,
     "presence must be one of"),
    (lambda: __import__("civictext").score_themes(
        pd.DataFrame({"doc_id": ["a"], "text": ["x"]}), threshold=math.nan), ParameterError,
     "threshold must be a positive number"),
    (lambda: __import__("civictext").near_duplicates(
        pd.DataFrame({"doc_id": ["a"], "text": ["x"]}), num_perm=10**6), ParameterError,
     "num_perm must be at most"),
    (lambda: __import__("civictext").near_duplicates(
        pd.DataFrame({"doc_id": ["a"], "text": ["x"]}), threshold=math.nan), ParameterError,
     "threshold must be in"),
    (lambda: __import__("civictext.ingest.synthetic").ingest.synthetic.generate_corpus(-1), ParameterError,
     "n_articles"),
    (lambda: __import__("civictext.engines.dask").engines.dask.run_dask(
        "corpus/", "/nonexistent/out", n_workers=0), ParameterError, "0 workers would wait"),
])
def test_api_argument_errors_are_parameter_errors(call, exc, match, monkeypatch):
    monkeypatch.chdir(ROOT)
    with pytest.raises(exc, match=match) as info:
        call()
    assert isinstance(info.value, CivictextError) and isinstance(info.value, ValueError)


# ------------------------------------------------- output folder: lock, supersede
def test_a_second_command_into_a_locked_output_folder_fails_at_once(corpus_dir, tmp_path,
                                                                    capsys):
    from civictext._paths import output_folder

    out = tmp_path / "out"
    with output_folder(out, where=None):
        assert cli.main(["ingest", str(corpus_dir), "--out", str(out), "-q"]) == 2
        err = _one_line_error(capsys, "ingest")
        assert "another civictext command is writing into" in err
    assert cli.main(["ingest", str(corpus_dir), "--out", str(out), "-q"]) == 0  # released


def test_outputs_of_an_earlier_run_that_this_run_did_not_write_are_removed(tmp_path):
    import time

    from civictext._paths import output_folder

    out = tmp_path / "out"
    with output_folder(out, where=None):
        (out / "figs").mkdir()
        for name in ("a.csv", "figs/monthly.png", "figs/keep.png"):
            (out / name).write_text("1")
    (out / "notes.txt").write_text("mine")  # written by the user, not by a run
    (out / ".articles.csv.k2j3h4.tmp").write_text("left by a killed run")
    time.sleep(0.01)
    with output_folder(out, where=None):
        assert not (out / ".articles.csv.k2j3h4.tmp").exists()  # cleaned under the lock
        (out / "a.csv").write_text("2")
        (out / "figs" / "keep.png").write_text("2")
        (out / "figs" / "yearly.png").write_text("2")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")
                  if not p.name.startswith(".")) == ["a.csv", "figs", "figs/keep.png",
                                                    "figs/yearly.png", "notes.txt"]
    with output_folder(out, where=None, command="ingest"):  # another command
        (out / "articles.csv").write_text("3")
    assert (out / "figs" / "yearly.png").exists()  # another command's outputs stay
    # a file written less than 1 ms before a run starts counts as that run's (mtime
    # tolerance in _paths._supersede): wait, as a user's next command would
    time.sleep(0.01)
    with output_folder(out, where=None, command="ingest"):
        pass
    assert not (out / "articles.csv").exists() and (out / "a.csv").exists()


def test_a_failed_command_removes_nothing(tmp_path):
    from civictext._paths import output_folder

    out = tmp_path / "out"
    with output_folder(out, where=None):
        (out / "a.csv").write_text("1")
    with pytest.raises(RuntimeError):
        with output_folder(out, where=None):
            raise RuntimeError("stopped")
    assert (out / "a.csv").exists()


def test_an_unwritable_output_folder_fails_before_reading(corpus_dir, tmp_path, capsys,
                                                         monkeypatch):
    import os

    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    # as root every folder is writable; pretend this one is read-only
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: False if Path(p) == ro
                        else real(p, mode, **kw))
    assert cli.main(["themes", str(corpus_dir), "--out", str(ro / "s.csv"), "-q"]) == 2
    err = _one_line_error(capsys, "themes")
    assert f"{str(ro)!r} is not writable" in err


def test_an_os_error_while_writing_is_one_line_naming_the_folder(corpus_dir, tmp_path, capsys,
                                                                 monkeypatch):
    import tempfile

    def mkstemp(*a, dir=None, **kw):  # noqa: A002 - as the real signature
        raise PermissionError(13, "Permission denied", os.path.join(dir, ".s.csv.abc123.tmp"))

    import os

    monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    assert cli.main(["ingest", str(corpus_dir), "--out", str(tmp_path / "o"), "-q"]) == 2
    err = _one_line_error(capsys, "ingest")
    assert f"error: {tmp_path / 'o'}: Permission denied" in err and ".tmp" not in err


def test_single_file_outputs_are_locked_and_cleaned(tmp_path, capsys, monkeypatch):
    """A killed run's hidden temporary beside --out is removed by the next run; a
    second command writing the same file while one runs fails with one line."""
    import os as _os

    from civictext._paths import output_file

    monkeypatch.chdir(ROOT)
    out = tmp_path / "s.csv"
    stale = tmp_path / ".s.csv.abc123.tmp"
    stale.write_text("half")
    other = tmp_path / ".other.csv.abc123.tmp"  # another output's: not ours to remove
    other.write_text("half")
    assert cli.main(["coverage", "corpus/", "--out", str(out), "-q"]) == 0
    assert out.is_file() and not stale.exists() and other.exists()
    assert not (tmp_path / ".s.csv.lock").exists()
    with output_file(out, where=None):  # as if another command were writing it
        assert cli.main(["coverage", "corpus/", "--out", str(out), "-q"]) == 2
    err = _one_line_error(capsys, "coverage")
    assert "another civictext command is writing" in err
    assert _os.path.getsize(out) > 0


def _refuse_reading(monkeypatch):
    """Make any read of the corpus an internal error (exit 1), so exit 2 proves the
    file argument was checked before any work on the corpus."""
    import civictext.ingest.reader as corpus

    def boom(*args, **kwargs):
        raise AssertionError("the corpus was read before the file arguments were checked")

    for name in ("read_corpus", "read_corpus_result", "plan_corpus"):
        monkeypatch.setattr(corpus, name, boom)


_COMMANDS_WITH_CODED = {
    "trends": ["trends", "corpus/", "--out", "{t}/t.csv"],
    "figures": ["figures", "--corpus", "corpus/", "--out", "{t}/figs"],
    "run": ["run", "corpus/", "--out", "{t}/run"],
}


@pytest.mark.parametrize("cmd", sorted(_COMMANDS_WITH_CODED))
@pytest.mark.parametrize("problem", ["missing", "wrong-columns", "unknown-theme"])
def test_a_bad_coded_file_is_named_before_the_corpus_is_read(cmd, problem, tmp_path, capsys,
                                                             monkeypatch):
    monkeypatch.chdir(ROOT)
    coded = tmp_path / "coded.csv"
    if problem == "wrong-columns":
        coded.write_text("id,label\na,1\n", encoding="utf-8")
    elif problem == "unknown-theme":
        coded.write_text("doc_id,theme,relevant,pi\na,weather,1,0.5\n", encoding="utf-8")
    _refuse_reading(monkeypatch)
    argv = [a.format(t=tmp_path) for a in _COMMANDS_WITH_CODED[cmd]]
    assert cli.main([*argv, "--coded", str(coded), "-q"]) == 2
    err = _one_line_error(capsys, cmd)
    assert "--coded" in err and str(coded) in err, err
    fix = {"missing": "not found; check the path", "wrong-columns": "doc_id column",
           "unknown-theme": "weather"}[problem]
    assert fix in err, err


@pytest.mark.parametrize("argv", [
    ["trends", "corpus/", "--out", "{t}/t.csv", "--model", "{t}/no-model"],
    ["figures", "--corpus", "corpus/", "--out", "{t}/figs", "--model", "{t}/no-model"],
    ["run", "corpus/", "--out", "{t}/run", "--model", "{t}/no-model"],
    ["themes", "corpus/", "--out", "{t}/s.csv", "--model", "{t}/no-model"],
    ["tokenize", "corpus/", "--out", "{t}/tok.csv", "--stopwords", "{t}/no-stopwords.txt"],
    ["train-model", "{t}/no-coded.csv", "--corpus", "corpus/", "--out", "{t}/m"],
])
def test_other_late_file_arguments_are_named_before_the_corpus_is_read(argv, tmp_path, capsys,
                                                                       monkeypatch):
    monkeypatch.chdir(ROOT)
    _refuse_reading(monkeypatch)
    argv = [a.format(t=tmp_path) for a in argv]
    assert cli.main([*argv, "-q"]) == 2
    err = _one_line_error(capsys, argv[0])
    assert str(tmp_path / "no-") in err, err
