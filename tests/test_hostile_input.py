"""Hostile and careless corpus input (issue 19): bounded memory and time, no crash
that stops a lenient run, nothing lost silently.

Each regression builds the smallest input that showed the problem. The fuzz
tests at the end draw file layouts, encodings, nesting depths and byte damage
with hypothesis and check the reader's promises on every draw: it returns (or,
strict, raises a CorpusError), every file is in the read report, ids are unique.
"""
from __future__ import annotations

import gzip
import json
import os
import time
import tracemalloc
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civictext import cli
from civictext.errors import CorpusError
from civictext.ingest.reader import read_corpus, write_read_report

TEXT = "Quận đẩy mạnh cải cách hành chính tại bộ phận một cửa."


def _reasons(df):
    return {s["path"]: s["reason"] for s in df.attrs["skipped"]}


# ----------------------------------------------------------- size caps
def _csv_rows(n):
    return "id,text\n" + "".join(f"d{i},{TEXT}\n" for i in range(n))


@pytest.mark.parametrize("name", ["bomb.csv.gz", "bomb.jsonl.gz", "bomb.csv"])
def test_a_file_over_the_cap_keeps_what_came_before_and_reports_the_rest(tmp_path, name):
    n = 8_000  # ~600 kB of text, compressed to a few kB
    if "jsonl" in name:
        body = "".join(json.dumps({"id": f"d{i}", "text": TEXT}, ensure_ascii=False) + "\n"
                       for i in range(n))
    else:
        body = _csv_rows(n)
    data = body.encode("utf-8")
    (tmp_path / name).write_bytes(gzip.compress(data) if name.endswith(".gz") else data)
    df = read_corpus(tmp_path, max_file_mb=0.25)
    reason = _reasons(df)[name]
    assert "more than 0.25 MB" in reason and "max_file_mb" in reason
    assert ("after decompression" in reason) == name.endswith(".gz")
    assert 0 < len(df) < n  # the rows before the cap are kept
    assert df["doc_id"].tolist() == [f"d{i}" for i in range(len(df))]
    assert len(read_corpus(tmp_path, max_file_mb=64)) == n  # a genuine file: raise the cap


def test_a_json_gz_bomb_is_stopped_within_the_cap_in_memory_and_time(tmp_path):
    # 64 MB of spaces inside a JSON string: a few kB on disk
    raw = b'[{"id": "x", "text": "' + b" " * (64 << 20) + b'"}]'
    (tmp_path / "bomb.json.gz").write_bytes(gzip.compress(raw, compresslevel=9))
    assert (tmp_path / "bomb.json.gz").stat().st_size < 200_000
    tracemalloc.start()
    t0 = time.monotonic()
    df = read_corpus(tmp_path, max_file_mb=8)
    seconds = time.monotonic() - t0
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert len(df) == 0 and "larger than 8 MB" in _reasons(df)["bomb.json.gz"]
    assert peak < 64 << 20  # bounded by the cap, not by the 64 MB inside
    assert seconds < 30


def test_one_csv_field_larger_than_a_line_may_be_is_skipped_not_loaded(tmp_path, monkeypatch):
    import civictext.ingest.reader as corpus

    monkeypatch.setattr(corpus, "_MAX_LINE_BYTES", 1 << 16)
    (tmp_path / "a.csv").write_text('id,text\na1,"' + "x" * (1 << 17) + '"\n', encoding="utf-8")
    df = read_corpus(tmp_path)
    assert len(df) == 0 and "line 2 is longer than 0.0625 MB" in _reasons(df)["a.csv"]


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_a_link_to_dev_zero_and_a_fifo_are_skipped_without_opening(tmp_path):
    os.symlink("/dev/zero", tmp_path / "zero.csv")
    os.mkfifo(tmp_path / "pipe.jsonl")  # opening it would block forever
    (tmp_path / "ok.txt").write_text(TEXT, encoding="utf-8")
    t0 = time.monotonic()
    df = read_corpus(tmp_path)
    assert time.monotonic() - t0 < 10
    reasons = _reasons(df)
    assert "is a device (through a link), not a regular file" in reasons["zero.csv"]
    assert "is a FIFO" in reasons["pipe.jsonl"]
    assert len(df) == 1
    with pytest.raises(CorpusError, match="FIFO"):
        read_corpus(tmp_path / "pipe.jsonl", strict=True)


def test_max_file_mb_is_validated():
    from civictext.errors import ParameterError

    with pytest.raises(ParameterError, match="max_file_mb must be a finite number > 0"):
        read_corpus("corpus/", max_file_mb=float("nan"))


# ------------------------------------------------------- crashes skipped
def _deep(n):
    return "[" * n + "]" * n


def test_deeply_nested_json_is_skipped_and_the_rest_read(tmp_path):
    deep = {"id": "x", "text": json.loads(_deep(50))}  # nested but fine
    lines = [json.dumps({"id": "a", "text": TEXT}), '{"id": "b", "text": ' + _deep(100_000) + "}",
             json.dumps(deep), json.dumps({"id": "c", "text": TEXT})]
    (tmp_path / "n.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (tmp_path / "n.json").write_text(_deep(100_000), encoding="utf-8")
    df = read_corpus(tmp_path)
    assert {"a", "c"} <= set(df["doc_id"])
    skipped = {(s["path"], s["line"]): s["reason"] for s in df.attrs["skipped"]}
    assert "nested too deeply" in skipped[("n.jsonl", 2)]
    assert "nested too deeply" in skipped[("n.json", None)]


def test_a_file_name_that_is_not_utf8_is_read_and_reported(tmp_path):
    bad = os.fsencode(str(tmp_path)) + b"/caf\xe9.txt"
    with open(bad, "wb") as fh:
        fh.write(TEXT.encode("utf-8"))
    df = read_corpus(tmp_path)
    assert len(df) == 1 and df["path"].iloc[0] == "caf\ufffd.txt"
    out = tmp_path.parent / (tmp_path.name + "-out")
    write_read_report(df, out)  # writes UTF-8 CSV without UnicodeEncodeError
    assert "caf\ufffd.txt" in (out / "read_report.csv").read_text(encoding="utf-8")


def test_an_unreadable_sub_folder_is_reported_and_stops_strict(tmp_path, monkeypatch):
    import civictext.ingest.reader as corpus

    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "locked").mkdir()
    real_walk = os.walk

    def walk(top, onerror=None, **kw):  # as os.walk does for a folder it cannot list
        for dirpath, dirnames, filenames in real_walk(top, onerror=onerror, **kw):
            if Path(dirpath).name == "locked":
                err = PermissionError(13, "Permission denied", dirpath)
                if onerror:
                    onerror(err)
                continue
            yield dirpath, dirnames, filenames

    monkeypatch.setattr(corpus.os, "walk", walk)
    df = read_corpus(tmp_path)
    assert len(df) == 1
    assert "folder cannot be read (PermissionError" in _reasons(df)["locked"]
    files = {f["path"]: f for f in df.attrs["files"]}
    assert files["locked/"]["format"] == "folder"
    with pytest.raises(CorpusError, match="locked: folder cannot be read"):
        read_corpus(tmp_path, strict=True)


def test_duplicate_ids_are_renamed_to_unused_ids_and_reported(tmp_path):
    pd.DataFrame({"id": ["a1", "a2"], "text": [TEXT, TEXT + " 2"]}).to_csv(tmp_path / "1.csv",
                                                                          index=False)
    pd.DataFrame({"id": ["a1", "a1-2"], "text": [TEXT + " 3", TEXT + " 4"]}).to_csv(
        tmp_path / "2.csv", index=False)
    df = read_corpus(tmp_path)
    assert df["doc_id"].is_unique
    by_text = dict(zip(df["text"], df["doc_id"]))
    assert by_text[TEXT] == "a1" and by_text[TEXT + " 4"] == "a1-2"  # an existing id is kept
    assert by_text[TEXT + " 3"] == "a1-3"  # the copy gets an id nobody has
    assert df.attrs["renamed"] == [{"path": "2.csv", "original_id": "a1", "doc_id": "a1-3"}]
    out = tmp_path.parent / "rep"
    write_read_report(df, out)
    rep = pd.read_csv(out / "read_report.csv").set_index("path")
    assert rep.loc["2.csv", "renamed_ids"] == 1 and rep.loc["1.csv", "renamed_ids"] == 0
    assert pd.read_csv(out / "renamed_ids.csv").to_dict("records") == df.attrs["renamed"]


def test_ingest_says_how_many_ids_it_renamed(tmp_path, capsys):
    (tmp_path / "c").mkdir()
    for name in ("1.csv", "2.csv"):
        pd.DataFrame({"id": ["a1"], "text": [TEXT + name]}).to_csv(tmp_path / "c" / name,
                                                                   index=False)
    assert cli.main(["ingest", str(tmp_path / "c"), "--out", str(tmp_path / "o"), "-q"]) == 0
    assert "renamed 1 repeated doc_id(s) (see " in capsys.readouterr().out


def test_run_with_an_unreadable_corpus_file_still_writes_its_manifest(tmp_path, monkeypatch):
    from civictext.viz import figures

    real = figures.sha256_file

    def sha(path, **kw):
        if Path(path).name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, **kw)

    (tmp_path / "locked.txt").write_text("x")
    (tmp_path / "ok.txt").write_text(TEXT)
    monkeypatch.setattr(figures, "sha256_file", sha)
    fp = figures.corpus_fingerprint(tmp_path)
    assert fp["files"] == 2 and len(fp["sha256"]) == 64


def test_an_empty_or_unsupported_corpus_is_an_error_not_empty_figures(tmp_path, capsys):
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "notes.md").write_text("# notes")
    for argv in (["run", str(tmp_path / "c"), "--out", str(tmp_path / "o")],
                 ["figures", "--corpus", str(tmp_path / "c"), "--out", str(tmp_path / "f")],
                 ["themes", str(tmp_path / "c"), "--out", str(tmp_path / "s.csv")]):
        assert cli.main([*argv, "-q"]) == 2
        err = capsys.readouterr().err
        assert "no documents read from" in err and "1 file(s)" in err and err.count("\n") == 1
    assert not (tmp_path / "o" / "figures").exists()


# ------------------------------------------------------------------ fuzz
_ENCODINGS = ["utf-8", "utf-8-sig", "utf-16", "cp1258", "latin-1"]
_SUFFIXES = [".txt", ".html", ".jsonl", ".json", ".csv", ".csv.gz", ".jsonl.gz", ".json.gz",
             ".txt.gz", ".md"]


@st.composite
def _file(draw):
    kind = draw(st.sampled_from(["record", "nested", "bytes", "truncated-gz", "empty"]))
    suffix = draw(st.sampled_from(_SUFFIXES))
    text = draw(st.text(min_size=0, max_size=80))
    if kind == "record":
        if ".csv" in suffix:
            body = pd.DataFrame({"id": [draw(st.sampled_from(["a", "b", "a-2", ""]))],
                                 "text": [text]}).to_csv(index=False)
        elif ".json" in suffix:
            body = json.dumps({"id": draw(st.sampled_from(["a", "b", "a-2"])), "text": text},
                              ensure_ascii=draw(st.booleans()))
        else:
            body = text
        try:
            data = body.encode(draw(st.sampled_from(_ENCODINGS)))
        except UnicodeEncodeError:
            data = body.encode("utf-8")
    elif kind == "nested":
        depth = draw(st.integers(1, 3000))
        data = (('{"text": ' if draw(st.booleans()) else "") + "[" * depth).encode()
    elif kind == "bytes":
        data = draw(st.binary(max_size=300))
    elif kind == "truncated-gz":
        data = gzip.compress(text.encode("utf-8") * 20)[: draw(st.integers(0, 30))]
    else:
        data = b""
    if suffix.endswith(".gz") and kind != "truncated-gz" and draw(st.booleans()):
        data = gzip.compress(data)
    return suffix, data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(files=st.lists(_file(), min_size=1, max_size=6), nest=st.booleans())
def test_fuzz_reader_never_crashes_and_reports_every_file(tmp_path_factory, files, nest):
    root = tmp_path_factory.mktemp("fuzz")
    for i, (suffix, data) in enumerate(files):
        folder = root / (f"sub{i % 2}" if nest else "")
        folder.mkdir(exist_ok=True)
        (folder / f"f{i}{suffix}").write_bytes(data)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    df = read_corpus(root, max_file_mb=1)
    assert df["doc_id"].is_unique
    reported = {f["path"] for f in df.attrs["files"]}
    assert {p.relative_to(root).as_posix() for p in before} == reported
    assert sum(f["records"] for f in df.attrs["files"]) == len(df)
    try:
        read_corpus(root, strict=True, max_file_mb=1)
    except CorpusError:
        pass  # strict stops with the named item: the one promised failure
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before  # read-only


_NUMBER_TEXT = st.one_of(
    st.sampled_from(["nan", "NaN", "inf", "-inf", "-1", "0", "1e309", "4294967296", "1e-320",
                     "", " ", "0x10", "1_000", "١"]),
    st.text(max_size=6), st.integers(-2**70, 2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    # argparse itself turns a value of "--" into an empty list, before any type check
).filter(lambda v: v != "--")
_NUMERIC_OPTIONS = [("themes", "--threshold"), ("dedup", "--threshold"), ("dedup", "--num-perm"),
                    ("dedup", "--shingle"), ("trends", "--n-boot"), ("trends", "--level"),
                    ("topics", "--seed"), ("topics", "--n-topics"), ("topics", "--stability"),
                    ("topics", "--min-df"), ("tokenize", "--jobs"), ("run", "--workers"),
                    ("run", "--partition-mb"), ("collect", "--delay"), ("collect", "--timeout"),
                    ("collect", "--retries"), ("ingest", "--max-file-mb")]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(option=st.sampled_from(_NUMERIC_OPTIONS), value=_NUMBER_TEXT)
def test_fuzz_cli_numbers_are_accepted_in_range_or_refused_in_one_line(option, value, capsys):
    """Parse only (no run): every value is either a finite in-range number or exit 2."""
    import math

    cmd, flag = option
    positional = ["--corpus", "c"] if cmd == "figures" else ["c"]
    try:
        args = cli.build_parser().parse_args([cmd, *positional, "--out", "o", f"{flag}={value}"])
    except SystemExit as exc:
        assert exc.code == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and "Traceback" not in err and flag in err
        return
    got = getattr(args, flag.lstrip("-").replace("-", "_"))
    assert isinstance(got, (int, float)) and math.isfinite(got)
    if flag in ("--seed",):
        assert 0 <= got < 2**32
    if flag in ("--threshold", "--timeout", "--partition-mb", "--max-file-mb"):
        assert got > 0


# ------------------------------------------------------------ messages
def test_one_bad_byte_in_utf8_is_named_not_called_a_legacy_font(tmp_path):
    body = ("Thành phố đẩy mạnh cải cách hành chính, người dân hài lòng hơn.\n" * 30).encode()
    offset = body.index(b"\n", 500) + 1
    (tmp_path / "page.txt").write_bytes(body[:offset] + b"\xe9" + body[offset:])
    (tmp_path / "page.html").write_bytes(b"<html><body><article><p>" + body[:offset] + b"\xff"
                                         + body[offset:] + b"</p></article></body></html>")
    reasons = _reasons(read_corpus(tmp_path))
    for name, byte in (("page.txt", "0xE9"), ("page.html", "0xFF")):
        assert "UniKey" not in reasons[name] and "TCVN3" not in reasons[name]
        assert f"UTF-8 except for 1 invalid byte(s), the first {byte} at offset" in reasons[name]
        assert "the rest is UTF-8" in reasons[name]


def test_one_bad_byte_in_a_large_csv_skips_only_its_row(tmp_path):
    rows = [f"d{i},Người dân hài lòng với cải cách hành chính lần {i}\n" for i in range(3000)]
    data = ("id,text\n" + "".join(rows)).encode("utf-8")
    at = data.index(b"d1500,") + 6
    (tmp_path / "big.csv").write_bytes(data[:at] + b"\xe9" + data[at:])
    df = read_corpus(tmp_path)
    assert len(df) == 2999 and "d1500" not in set(df["doc_id"])
    (skip,) = df.attrs["skipped"]
    assert skip["line"] == 1502 and "not valid UTF-8 (byte 0xE9) in this row" in skip["reason"]



def test_missing_text_is_scored_as_empty_with_a_warning():
    import math

    from civictext.errors import CivictextWarning
    from civictext.themes.scoring import score_themes

    arts = pd.DataFrame({"doc_id": ["a", "b", "c"], "text": [TEXT, None, math.nan]})
    with pytest.warns(CivictextWarning, match="score_themes: 2 article\\(s\\) have no text .*'b'"):
        scores = score_themes(arts, n_tokens={"a": 10, "b": 0, "c": 0})
    assert not scores.loc[scores["doc_id"].isin(["b", "c"]), "present"].any()


def test_a_csv_line_without_end_is_refused_without_reading_it_whole(tmp_path, monkeypatch):
    import civictext.ingest.reader as corpus

    monkeypatch.setattr(corpus, "_MAX_LINE_BYTES", 1 << 16)
    (tmp_path / "a.csv").write_bytes(b"id,text\na1,ok\na2," + b"\0" * (32 << 20))
    tracemalloc.start()
    df = read_corpus(tmp_path)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert df["doc_id"].tolist() == ["a1"]
    assert "line 3 is longer than 0.0625 MB" in _reasons(df)["a.csv"]
    assert peak < 8 << 20  # the 32 MB line was never held whole (buffers only)


def test_a_dask_partition_reads_bad_names_and_deep_json_and_writes_parquet(tmp_path):
    pytest.importorskip("pyarrow")
    from civictext.engines import dask as cd

    root = tmp_path / "c"
    root.mkdir()
    with open(os.fsencode(str(root)) + b"/b\xe0d.txt", "wb") as fh:
        fh.write(TEXT.encode("utf-8"))
    (root / "deep.jsonl").write_text(json.dumps({"id": "a", "text": TEXT}) + "\n"
                                     + '{"text": ' + "[" * 5000 + "]" * 5000 + "}\n")
    files = cd._default_list_files(root)
    df = cd._default_read(root, files, strict=False)
    assert sorted(df["path"]) == ["b\ufffdd.txt", "deep.jsonl"]
    assert any("nested too deeply" in s["reason"] for s in df.attrs["skipped"])
    df.to_parquet(tmp_path / "p.parquet")  # the path column writes (was UnicodeEncodeError)
    from civictext.ingest.reader import unique_rows  # the one renaming rule, also the engines'

    rows = [{"doc_id": d, "parent_id": None, "path": "f", "kind": "article"}
            for d in ("a1", "a1", "a1-2")]
    assert [r["doc_id"] for r in unique_rows(rows)] == ["a1", "a1-3", "a1-2"]


def test_many_copies_of_one_id_are_renamed_in_linear_time(tmp_path):
    n = 20_000
    (tmp_path / "a.csv").write_text("id,text\n" + "".join(f"d,{TEXT} {i}\n" for i in range(n)),
                                    encoding="utf-8")
    t0 = time.monotonic()
    df = read_corpus(tmp_path)
    assert time.monotonic() - t0 < 60  # quadratic renaming took minutes
    assert df["doc_id"].is_unique and df["doc_id"].iloc[-1] == f"d-{n}"
    assert len(df.attrs["renamed"]) == n - 1
