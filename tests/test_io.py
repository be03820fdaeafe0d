"""civictext._io and interrupted runs: no half-written output, a clean rerun."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from civictext._io import atomic_write, write_csv
from civictext.ingest.synthetic import generate_corpus
from conftest import ROOT


def test_atomic_write_keeps_the_old_file_when_interrupted(tmp_path):
    target = tmp_path / "scores.csv"
    target.write_text("old, complete\n", encoding="utf-8")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target) as fh:
            fh.write("new, half")
            raise KeyboardInterrupt
    assert target.read_text(encoding="utf-8") == "old, complete\n"
    assert [p.name for p in tmp_path.iterdir()] == ["scores.csv"]  # no temporary file left


def test_write_csv_gives_the_same_bytes_every_time(tmp_path):
    import pandas as pd

    df = pd.DataFrame({"a": [0.1 + 0.2, 1 / 3], "b": ["hài lòng", "x"]})
    write_csv(tmp_path / "1.csv", df)
    write_csv(tmp_path / "2.csv", df)
    assert (tmp_path / "1.csv").read_bytes() == (tmp_path / "2.csv").read_bytes()
    assert (tmp_path / "1.csv").read_text(encoding="utf-8").splitlines()[1] == "0.3,hài lòng"


@pytest.mark.slow
def test_ctrl_c_leaves_no_output_and_the_rerun_is_complete(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    arts = generate_corpus(120, random_state=3)
    with open(corpus / "synthetic.jsonl", "w", encoding="utf-8") as fh:
        for r in arts.itertuples():
            fh.write(json.dumps({"id": r.doc_id, "title": r.title, "text": r.text,
                                 "published": r.published}, ensure_ascii=False) + "\n")
    cache = tmp_path / "cache"
    env = dict(os.environ, CIVICTEXT_CACHE=str(cache), PYTHONPATH=str(ROOT))
    out = tmp_path / "scores.csv"
    cmd = [sys.executable, "-m", "civictext", "themes", str(corpus), "--out", str(out), "-q"]
    # SIGINT back to its default in the child: a test runner started in the
    # background (nohup ... &) ignores SIGINT, and Python keeps it ignored
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
                            stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 120
        while not _has_entries(cache):
            assert proc.poll() is None, f"finished before it could be interrupted: {proc.stderr.read()}"
            assert time.monotonic() < deadline, "tokenization never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)  # Ctrl-C while the corpus is being segmented
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted; files already written are complete" in err
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    rerun = subprocess.run(cmd, env=env, cwd=tmp_path, capture_output=True, text=True,
                           timeout=600)
    assert rerun.returncode == 0, rerun.stderr
    clean = subprocess.run(cmd[:-3] + ["--out", str(tmp_path / "clean.csv"), "-q"],
                           env=dict(env, CIVICTEXT_CACHE=str(tmp_path / "cold")),
                           cwd=tmp_path, capture_output=True, text=True, timeout=600)
    assert clean.returncode == 0, clean.stderr
    assert out.read_bytes() == (tmp_path / "clean.csv").read_bytes()


def _has_entries(cache) -> bool:
    """The token cache of a running process has at least one entry."""
    import sqlite3

    from civictext.text import cache as _cache

    if not _cache.db_path(cache).exists():
        return False
    try:
        with sqlite3.connect(_cache.db_path(cache), timeout=5) as con:
            return con.execute("SELECT count(*) FROM tokens_v1").fetchone()[0] > 0
    except sqlite3.Error:
        return False


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_atomic_writes_respect_the_umask(tmp_path, umask):
    """Outputs get the mode a plain open() would give (0666 minus the umask), not
    mkstemp's 0600: a colleague or a worker running as another user can read them."""
    old = os.umask(umask)
    try:
        written = write_csv(tmp_path / "scores.csv", __import__("pandas").DataFrame({"a": [1]}))
        with atomic_write(tmp_path / "model.bin", "wb") as fh:
            fh.write(b"x")
        (tmp_path / "plain.txt").write_text("x")
    finally:
        os.umask(old)
    want = 0o666 & ~umask
    assert (tmp_path / "plain.txt").stat().st_mode & 0o777 == want  # what open() does
    assert written.stat().st_mode & 0o777 == want
    assert (tmp_path / "model.bin").stat().st_mode & 0o777 == want
