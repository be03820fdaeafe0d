"""Tests of civictext.text.segmentation: segmentation, offsets, compounds, cache, parallel, analyzer."""
from __future__ import annotations

import importlib
import logging
import pickle
import re
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import civictext.text.segmentation as tk
from civictext.errors import CivictextError
from civictext.text.normalize import normalize_text
from civictext.text.segmentation import (
    Analyzer,
    count_tokens,
    load_stopwords,
    segment_text,
    tokenize,
)
from conftest import count_segmenter_calls

TERMS = ["cải cách hành chính", "quy tắc ứng xử", "dịch vụ công trực tuyến",
         "văn hóa công sở", "chỉ số", "PAR INDEX"]

# Written for these tests: quotes, numbers, percentages, acronyms, brackets, line breaks.
TRICKY = ('Năm 2018, chỉ số CCHC (PARINDEX) của Hà Nội xếp thứ 2/63 tỉnh, thành phố; '
          'tỷ lệ dịch vụ công trực tuyến mức 3,4 đạt trên 62%.\n'
          'Ông Lê Văn A nói: "Cần làm tốt quy tắc ứng xử".\n\n'
          'Quy tắc ứng xử (QTƯX) được UBND, HĐND và Sở Nội vụ triển khai từ 1/1/2025…\n'
          'Bảng xếp hạng "PAR INDEX" năm nay: 1.500.000 lượt truy cập, tăng 12,5%!')


def _arts(*texts: str) -> pd.DataFrame:
    return pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))], "text": list(texts)})


@pytest.fixture(scope="module")
def seed_text(seed_path: Path) -> str:
    """The seed page's prose lines, normalised (what read_corpus puts in ``text``)."""
    lines = [normalize_text(x) for x in seed_path.read_text(encoding="utf-8").splitlines()]
    return "\n\n".join(x for x in lines if len(x) > 40)


def _surfaces_ok(arts: pd.DataFrame, toks: pd.DataFrame) -> None:
    texts = dict(zip(arts.doc_id, arts.text))
    for row in toks.itertuples():
        surface = texts[row.doc_id][row.start:row.end]
        assert surface.strip() == surface and surface
        expect = "_".join(surface.split())
        assert row.token in (expect, expect.lower()), (row.token, surface)


# ------------------------------------------------------------- segmentation
def test_known_phrases_are_segmented():
    toks = [t for t, _, _ in segment_text("Chỉ số SIPAS năm nay cho thấy mức độ hài lòng của "
                                          "người dân tăng rõ rệt.", compounds=[])]
    assert toks == ["chỉ_số", "SIPAS", "năm", "nay", "cho", "thấy", "mức_độ", "hài_lòng", "của",
                    "người_dân", "tăng", "rõ_rệt", "."]
    toks = [t for t, _, _ in segment_text("Thành phố Hà Nội đẩy mạnh cải cách hành chính.",
                                          compounds=[])]
    assert toks == ["thành_phố", "hà_nội", "đẩy_mạnh", "cải_cách", "hành_chính", "."]


def test_words_equal_underthesea_word_tokenize(seed_text):
    from underthesea import sent_tokenize, word_tokenize

    for line in (seed_text + "\n" + TRICKY).split("\n"):
        for sent in sent_tokenize(line) if line.strip() else []:
            ours = ["_".join(w.split()) for w in (sent[a:b] for _, a, b in
                                                   segment_text(sent, compounds=[]))]
            theirs = word_tokenize(sent, format="text").split()
            assert [w.lower() for w in ours] == [w.lower() for w in theirs]


def test_offsets_point_at_surface(seed_text):
    arts = _arts(seed_text, TRICKY, "", "Một câu.\nHai câu\n\n  Ba  câu  ")
    toks = tokenize(arts, compounds=TERMS, cache=False)
    assert list(toks.columns) == ["doc_id", "sent_id", "token", "start", "end", "is_stop", "kind"]
    _surfaces_ok(arts, toks)
    assert (toks.doc_id == "d2").sum() == 0
    tricky = toks[toks.doc_id == "d1"]
    surf = [TRICKY[a:b] for a, b in zip(tricky.start, tricky.end)]
    for expected in ["2/63", "3,4", "62", "%", "(", "PARINDEX", ")", '"', "1.500.000", "12,5",
                     "UBND", "HĐND", "QTƯX", "PAR INDEX"]:
        assert any(expected == s or expected in s.split() for s in surf), expected
    kinds = dict(zip(surf, tricky.kind))
    assert kinds["3,4"] == "number" and kinds["%"] == "punct" and kinds["1.500.000"] == "number"
    # sentences restart per document and follow line breaks
    assert tricky.sent_id.min() == 0 and tricky.sent_id.is_monotonic_increasing
    assert tricky.sent_id.max() == 3  # one sentence per line here


def test_offsets_on_non_nfc_text():
    text = unicodedata.normalize("NFD", "Văn hóa công sở ở Hà Nội.")
    toks = tokenize(_arts(text), compounds=["văn hóa công sở"], cache=False)
    surf = [unicodedata.normalize("NFC", text[a:b]) for a, b in zip(toks.start, toks.end)]
    assert surf == ["Văn hóa công sở", "ở", "Hà Nội", "."]
    assert toks.token.tolist() == ["văn_hóa_công_sở", "ở", "hà_nội", "."]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(["Hà Nội", "UBND", "cải cách", "2/63", "62%", "(CCHC)", '"',
                                 "3,4", "\n", "\n\n", ".", ",", "quy tắc ứng xử", "…", "  ",
                                 "hài lòng", "Sở", "PAR INDEX", "-", "người dân"]),
                max_size=25))
def test_offsets_property(parts):
    text = " ".join(parts)
    toks = segment_text(text, compounds=TERMS)
    last = 0
    for token, a, b in toks:
        assert a >= last and b > a
        assert "_".join(text[a:b].split()) in (token, token.upper()) or \
            "_".join(text[a:b].split()).lower() == token
        last = b
    covered = {i for _, a, b in toks for i in range(a, b)}
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


# --------------------------------------------------------------- compounds
def test_compounds_survive_on_seed(seed_text):
    terms = ["cải cách hành chính", "quy tắc ứng xử", "dịch vụ công trực tuyến",
             "văn hóa công sở"]
    plain = tokenize(_arts(seed_text), compounds=[], cache=False)
    toks = tokenize(_arts(seed_text), compounds=terms, cache=False)
    counts = toks.token.value_counts()
    for term in terms:
        form = term.replace(" ", "_")
        n_text = len(re.findall(re.escape(term), seed_text, flags=re.IGNORECASE))
        assert n_text > 0
        assert form not in set(plain.token)  # the segmenter alone splits them
        assert counts.get(form, 0) == n_text, term
    _surfaces_ok(_arts(seed_text), toks)
    assert len(toks) < len(plain)


def test_short_compound_does_not_cut_segmenter_words():
    # "vận hành chính thức" contains "hành chính" but not as a word
    toks = [t for t, _, _ in segment_text("Hệ thống vận hành chính thức từ hôm nay.",
                                          compounds=["hành chính"])]
    assert "hành_chính" not in toks


def test_long_compound_cuts_segmenter_word():
    text = "Công chức phải thực hiện nghiêm quy tắc ứng xử."
    plain = [t for t, _, _ in segment_text(text, compounds=[])]
    assert "nghiêm_quy_tắc" in plain  # what the segmenter does alone
    toks = segment_text(text, compounds=TERMS)
    assert ("nghiêm", 25, 31) in toks and ("quy_tắc_ứng_xử", 32, 46) in toks


def test_compound_with_punctuation_is_not_merged():
    toks = [t for t, _, _ in segment_text("Giao tiếp, ứng xử của cán bộ.",
                                          compounds=["giao tiếp, ứng xử", "cán bộ"])]
    assert toks[:4] == ["giao_tiếp", ",", "ứng_xử", "của"]


def test_compound_case_and_folded():
    toks = [t for t, _, _ in segment_text("Quy tắc ứng xử và QUY TẮC ỨNG XỬ", compounds=TERMS)]
    assert toks.count("quy_tắc_ứng_xử") == 2
    toks = segment_text("cai cach hanh chinh o Ha Noi", compounds=TERMS)
    assert toks[0] == ("cai_cach_hanh_chinh", 0, 19)
    # an accent-less term never matches by folding accented text
    assert "cải_cách_hành_chính" not in [t for t, _, _ in
                                          segment_text("cải cách hanh chinh", compounds=TERMS)]


def test_default_compounds_fall_back_with_warning(monkeypatch, caplog):
    import builtins

    real_import = builtins.__import__

    def fake_import(name, *a, **kw):
        if name == "civictext.themes.lexicon":
            raise ImportError("no lexicon yet")
        return real_import(name, *a, **kw)

    monkeypatch.setattr(builtins, "__import__", fake_import)
    with caplog.at_level(logging.WARNING, logger="civictext.text.segmentation"):
        assert tk.default_compounds() == ()
    assert "lexicons unavailable" in caplog.text


def test_compounds_string_is_an_error():
    with pytest.raises(CivictextError, match="compounds must be a list"):
        tokenize(_arts("a"), compounds="cải cách hành chính", cache=False)


# --------------------------------------------------------------------- case
def test_acronyms_keep_case_and_words_are_lowercased():
    toks = [t for t, _, _ in segment_text("UBND và HĐND, SIPAS, PAPI, PCI, CCHC, PARINDEX, "
                                          "PAR INDEX, NĐ-CP. Hà Nội Đẹp", compounds=TERMS)]
    for acro in ["UBND", "HĐND", "SIPAS", "PAPI", "PCI", "CCHC", "PARINDEX", "PAR_INDEX"]:
        assert acro in toks
    assert "hà_nội" in toks and "Hà_Nội" not in toks
    heading = [t for t, _, _ in segment_text("NHÂN LÊN NHỮNG BÔNG HOA ĐẸP CỦA UBND",
                                             compounds=[])]
    assert "UBND" in heading and not any(t.isupper() and t != "UBND" for t in heading)


# -------------------------------------------------------------- stop words
def test_stopwords_bundled_and_extendable(tmp_path):
    sw = load_stopwords()
    assert {"của", "và", "những", "tuy_nhiên"} <= sw
    assert not {"chính", "chỉ", "số", "thực_hiện", "đánh_giá"} & sw
    f = tmp_path / "more.txt"
    f.write_text("# mine\nngười dân\nphường\n", encoding="utf-8")
    assert {"người_dân", "phường"} <= load_stopwords(f)
    assert "thủ_đô" in load_stopwords(["Thủ đô"])
    toks = tokenize(_arts("Người dân của phường"), compounds=[], stopwords=load_stopwords(f),
                    cache=False)
    assert toks.is_stop.tolist() == [True, True, True]
    with pytest.raises(CivictextError, match="is not a file"):
        load_stopwords(str(tmp_path / "absent.txt"))


def test_data_readme_documents_stopwords():
    readme = (Path(tk.__file__).parents[1] / "data" / "README.md").read_text(encoding="utf-8")
    n = len(load_stopwords())
    assert "stopwords_vi.txt" in readme and str(n) in readme


# -------------------------------------------------------------------- cache
def test_cached_equals_uncached_and_reads_cache(monkeypatch):
    arts = _arts(TRICKY, "Công chức phải giữ văn hóa công sở.")
    cold = tokenize(arts, compounds=TERMS)
    calls = []
    real = tk._doc_tokens
    monkeypatch.setattr(tk, "_doc_tokens", lambda *a: calls.append(1) or real(*a))
    warm = tokenize(arts, compounds=TERMS)
    assert calls == []  # everything came from the cache
    pd.testing.assert_frame_equal(cold, warm)
    pd.testing.assert_frame_equal(cold, tokenize(arts, compounds=TERMS, cache=False))
    assert len(calls) == 2
    # adding one article tokenizes only that one
    calls.clear()
    more = pd.concat([arts, _arts("Bài mới về sự hài lòng.").assign(doc_id="new")])
    out = tokenize(more, compounds=TERMS)
    assert len(calls) == 1 and set(out.doc_id) == {"d0", "d1", "new"}
    pd.testing.assert_series_equal(count_tokens(more, compounds=TERMS),
                                   out[out.kind != "punct"].groupby("doc_id", sort=False)
                                   .size().rename("n_tokens").astype("int64"),
                                   check_index_type=False)


def test_cache_invalidates_when_settings_change(monkeypatch):
    arts = _arts("Đẩy mạnh cải cách hành chính.")
    a = tokenize(arts, compounds=[])
    b = tokenize(arts, compounds=["cải cách hành chính"])
    assert "cải_cách_hành_chính" in set(b.token) and "cải_cách_hành_chính" not in set(a.token)
    monkeypatch.setattr(tk, "TOKENIZER_VERSION", "test-bump")
    calls = []
    real = tk._doc_tokens
    monkeypatch.setattr(tk, "_doc_tokens", lambda *x: calls.append(1) or real(*x))
    tokenize(arts, compounds=[])
    assert calls == [1]


def test_cache_invalidates_when_the_segmentation_code_changes(monkeypatch):
    # editing tokenize.py, _cache.py or normalize.py without bumping
    # TOKENIZER_VERSION must not serve tokens made by the old code
    arts = _arts("Đẩy mạnh cải cách hành chính.")
    tokenize(arts, compounds=[])
    assert len(tk._code_digest()) == 16
    monkeypatch.setattr(tk, "_code_digest", lambda: "edited-code-0000")
    calls = []
    real = tk._doc_tokens
    monkeypatch.setattr(tk, "_doc_tokens", lambda *x: calls.append(1) or real(*x))
    tokenize(arts, compounds=[])
    assert calls == [1]


@pytest.mark.parametrize("dist", ["underthesea", "underthesea_core"])
def test_cache_invalidates_when_the_segmenter_is_upgraded(monkeypatch, dist):
    # underthesea_core (the CRF) is released apart from underthesea: either upgrade
    # may change the tokens, so neither may serve tokens cached by the other version
    arts = _arts("Đẩy mạnh cải cách hành chính.")
    tokenize(arts, compounds=[])
    real_version = tk._dist_version
    monkeypatch.setattr(tk, "_dist_version",
                        lambda name: "99.0" if name == dist else real_version(name))
    calls = []
    real = tk._doc_tokens
    monkeypatch.setattr(tk, "_doc_tokens", lambda *x: calls.append(1) or real(*x))
    tokenize(arts, compounds=[])
    assert calls == [1]


def _entries(root):
    import sqlite3

    from civictext.text import cache as _cache

    if not _cache.db_path(root).exists():
        return []
    with sqlite3.connect(_cache.db_path(root)) as con:
        return con.execute("SELECT key, data FROM tokens_v1").fetchall()


def _rewrite(root, entry, data):
    import sqlite3

    from civictext.text import cache as _cache

    con = sqlite3.connect(_cache.db_path(root), timeout=30)
    with con:
        con.execute("UPDATE tokens_v1 SET data = ? WHERE key = ?", (data, entry))
    con.close()


@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "version"])
def test_corrupt_cache_entry_is_rebuilt(damage, caplog):
    from civictext.config import cache_dir
    from civictext.text import cache as _cache

    arts = _arts("Quy tắc ứng xử nơi công cộng.")
    good = tokenize(arts, compounds=TERMS)
    ((entry, data),) = _entries(cache_dir())
    data = bytearray(data)
    if damage == "flip":
        data[-3] ^= 0xFF
    elif damage == "truncate":
        data = data[:len(data) // 2]
    elif damage == "empty":
        data = bytearray()
    else:
        data[len(_cache._MAGIC) - 1] = 99
    _rewrite(cache_dir(), entry, bytes(data))
    with caplog.at_level(logging.WARNING, logger="civictext.text.cache"):
        again = tokenize(arts, compounds=TERMS)
    pd.testing.assert_frame_equal(good, again)
    assert "unusable" in caplog.text
    ((_, fixed),) = _entries(cache_dir())
    assert _cache.decode(fixed, _cache.text_key(arts.text[0]))  # rewritten


def test_a_store_that_is_not_a_database_is_moved_aside(caplog):
    from civictext.config import cache_dir
    from civictext.text import cache as _cache

    arts = _arts("Quy tắc ứng xử nơi công cộng.")
    good = tokenize(arts, compounds=TERMS)
    _cache.close_all()
    _cache.db_path(cache_dir()).write_bytes(b"not a database" * 100)
    for extra in ("-wal", "-shm"):
        (cache_dir() / (_cache.DB_NAME + extra)).unlink(missing_ok=True)
    with caplog.at_level(logging.WARNING, logger="civictext.text.cache"):
        again = tokenize(arts, compounds=TERMS)
    pd.testing.assert_frame_equal(good, again)
    assert "not a usable database" in caplog.text
    assert len(_entries(cache_dir())) == 1
    assert list(cache_dir().glob(_cache.DB_NAME + ".corrupt-*"))


def test_the_old_per_file_cache_is_ignored(caplog):
    from civictext.config import cache_dir

    old = cache_dir() / "tokens" / "abc" / "00"
    old.mkdir(parents=True)
    (old / "00ff.tok").write_bytes(b"CTTOK\x00\x00\x01 garbage")
    arts = _arts("Quy tắc ứng xử nơi công cộng.")
    with caplog.at_level(logging.INFO, logger="civictext.text.cache"):
        toks = tokenize(arts, compounds=TERMS)
    assert len(toks) > 0 and "no longer read" in caplog.text
    assert (old / "00ff.tok").exists()      # left alone, never an error


def test_pre_segmented_input_writes_no_cache():
    from civictext.config import cache_dir

    arts = pd.DataFrame({"doc_id": ["a"], "text": ["cải cách hành chính"],
                         "tokens_given": ["cải_cách hành_chính"], "segmented": [True]})
    toks = tokenize(arts, compounds=[])
    assert toks["token"].tolist() == ["cải_cách", "hành_chính"]
    assert _entries(cache_dir()) == []
    tokenize(_arts("Quy tắc ứng xử."), compounds=[])
    assert len(_entries(cache_dir())) == 1


# ----------------------------------------------------------------- parallel
def test_parallel_equals_serial(monkeypatch):
    monkeypatch.setattr(tk, "_MIN_PARALLEL_CHARS", 0)  # workers even for a few texts
    texts = [TRICKY, "Công chức phải giữ văn hóa công sở.", "", "Chỉ số SIPAS tăng.",
             "Dịch vụ công trực tuyến mức 3,4."] * 2
    arts = _arts(*texts)
    serial = tokenize(arts, compounds=TERMS, cache=False)
    parallel = tokenize(arts, compounds=TERMS, n_jobs=2)  # workers also write the cache
    pd.testing.assert_frame_equal(serial, parallel)
    parallel = tokenize(arts, compounds=TERMS, cache=False, n_jobs=2)
    pd.testing.assert_frame_equal(serial, parallel)


# --------------------------------------------------------------- validation
def test_bad_input_errors():
    with pytest.raises(CivictextError, match="no column 'text'"):
        tokenize(pd.DataFrame({"doc_id": ["a"]}))
    with pytest.raises(CivictextError, match="doc_id must be unique"):
        tokenize(pd.DataFrame({"doc_id": ["a", "a"], "text": ["x", "y"]}))
    with pytest.raises(CivictextError, match="must be a DataFrame"):
        tokenize(["văn bản"])
    with pytest.raises(CivictextError, match="text must be a str"):
        tokenize(pd.DataFrame({"doc_id": ["a"], "text": [3]}), cache=False)
    with pytest.raises(CivictextError, match="n_jobs"):
        tokenize(_arts("a"), n_jobs=0)
    arts = pd.DataFrame({"doc_id": ["a"], "text": [None]})
    assert len(tokenize(arts, cache=False, compounds=[])) == 0
    original = _arts(TRICKY)
    copy = original.copy()
    tokenize(original, compounds=[], cache=False)
    pd.testing.assert_frame_equal(original, copy)


def test_pos_column():
    toks = tokenize(_arts("Công chức phải giữ văn hóa công sở."), compounds=TERMS, pos=True,
                    cache=False)
    assert "pos" in toks.columns
    assert toks.set_index("token").pos["văn_hóa_công_sở"] == "N"
    assert toks.set_index("token").pos["công_chức"].startswith("N")


# ----------------------------------------------------------------- analyzer
def test_analyzer_in_tfidf_and_pickles():
    from sklearn.feature_extraction.text import TfidfVectorizer

    an = Analyzer(compounds=TERMS)
    docs = ["UBND đẩy mạnh cải cách hành chính, đạt 62%.", "Quy tắc ứng xử của công chức."]
    vec = TfidfVectorizer(analyzer=an).fit(docs)
    vocab = set(vec.vocabulary_)
    assert {"cải_cách_hành_chính", "quy_tắc_ứng_xử", "UBND"} <= vocab
    assert not {"của", "62", "%", ",", "."} & vocab
    clone = pickle.loads(pickle.dumps(vec))
    assert (clone.transform(docs) != vec.transform(docs)).nnz == 0
    assert an(docs[0]) == pickle.loads(pickle.dumps(an))(docs[0])
    assert pickle.loads(pickle.dumps(an)).stopwords == an.stopwords


def test_analyzer_pickles_to_the_same_bytes_in_every_process():
    """A saved topic model (and its sha256 in model.json) must not depend on the
    process's string-hash seed: the stop-word set is pickled sorted."""
    import os
    import subprocess
    import sys

    code = ("import hashlib, pickle; from civictext.text.segmentation import Analyzer; "
            "print(hashlib.sha256(pickle.dumps(Analyzer(compounds=['cải cách hành chính']))"
            ").hexdigest())")
    root = str(Path(__file__).resolve().parents[1])
    digests = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True, cwd=root,
                              env={**os.environ, "PYTHONHASHSEED": seed,
                                   "PYTHONPATH": root}).stdout.strip()
               for seed in ("1", "2", "3")}
    assert len(digests) == 1 and len(next(iter(digests))) == 64


def test_analyzer_options():
    doc = "Chỉ số SIPAS của Hà Nội tăng 16 bậc, cán bộ niềm nở."
    assert "16" in Analyzer(numbers=True, compounds=[])(doc)
    assert "," in Analyzer(punct=True, compounds=[])(doc)
    assert "của" in Analyzer(stop_words=False, compounds=[])(doc)
    folded = Analyzer(fold=True, compounds=TERMS)(doc)
    assert "chi_so" in folded and "ha_noi" in folded
    nouns = Analyzer(pos=("N",), compounds=TERMS)(doc)
    assert "hà_nội" in nouns and "tăng" not in nouns


def test_analyze_many_equals_single_calls_and_reads_the_cache(monkeypatch):
    decomposed = unicodedata.normalize("NFD", "Cán bộ giữ văn hóa công sở, thái độ niềm nở.")
    texts = ["UBND đẩy mạnh cải cách hành chính, đạt 62%.", decomposed, "",
             "Chỉ số SIPAS của Hà Nội tăng 16 bậc.", "cải cách thủ tục ở phường"]
    givens = [None, None, None, None, "cải_cách thủ_tục ở phường"]
    for an in (Analyzer(compounds=TERMS), Analyzer(compounds=TERMS, numbers=True, punct=True),
               Analyzer(compounds=TERMS, fold=True, stop_words=False)):
        single = [an.given(t, g) if g else an(t) for t, g in zip(texts, givens)]
        assert an.analyze_many(texts, givens, cache=False) == single
        assert an.analyze_many(texts, givens) == single  # fills the cache
        with monkeypatch.context() as mp:   # undo() would also drop the test's cache folder
            calls = count_segmenter_calls(mp)
            assert an.analyze_many(texts, givens) == single  # read back from it
            assert calls[0] == 0
    with pytest.raises(CivictextError, match="2 texts but 1 givens"):
        Analyzer(compounds=[]).analyze_many(["a", "b"], [None])


def test_analyze_many_reuses_count_tokens_entries(monkeypatch):
    arts = pd.DataFrame({"doc_id": ["a", "b"],
                         "text": ["UBND quận đẩy mạnh cải cách hành chính.",
                                  "Người dân hài lòng với thái độ của cán bộ."]})
    count_tokens(arts, compounds=TERMS)
    calls = count_segmenter_calls(monkeypatch)
    got = Analyzer(compounds=TERMS).analyze_many(arts["text"].tolist())
    assert calls[0] == 0
    assert "cải_cách_hành_chính" in got[0] and "UBND" in got[0]


# ---------------------------------------------------------------------- CLI
def test_cli_tokenize_writes_csv(tmp_path, monkeypatch):
    """The sub-command with a stand-in reader (the real one lives in civictext.ingest.reader)."""
    import sys
    import types

    from civictext.cli import main

    fake = types.ModuleType("civictext.ingest.reader")
    fake.read_corpus = lambda path, **kw: _arts("UBND đẩy mạnh cải cách hành chính.")
    monkeypatch.setitem(sys.modules, "civictext.ingest.reader", fake)
    extra = tmp_path / "sw.txt"
    extra.write_text("đẩy mạnh\n", encoding="utf-8")
    out = tmp_path / "tokens.csv"
    assert main(["tokenize", "anything", "--out", str(out), "-q", "--stopwords", str(extra)]) == 0
    table = pd.read_csv(out)
    assert list(table.columns) == ["doc_id", "sent_id", "token", "start", "end", "is_stop", "kind"]
    assert table.set_index("token").is_stop["đẩy_mạnh"]
    assert main(["tokenize", "x", "--out", str(out), "-q", "--stopwords",
                 str(tmp_path / "missing.txt")]) == 2


def test_concurrent_writers_leave_a_valid_entry(tmp_path):
    """Many writers of one entry at once, threads and processes."""
    import multiprocessing as mp
    from concurrent.futures import ThreadPoolExecutor

    from civictext.text import cache as _cache

    text = "Quy tắc ứng xử nơi công cộng."
    doc = tk._doc_tokens(text, {"compounds": (), "pos": False})
    key = _cache.text_key(text)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda _: _cache.store(tmp_path, "k", key, doc), range(40)))
    procs = [mp.get_context("spawn").Process(target=_write_many, args=(str(tmp_path), n))
             for n in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(120)
    assert [p.exitcode for p in procs] == [0, 0]
    back = _cache.load(tmp_path, "k", key)
    assert back is not None and back.tokens == doc.tokens
    assert len(_entries(tmp_path)) == 1 + 2 * 200
    assert sorted(p.name for p in tmp_path.iterdir() if p.is_file())[0] == _cache.DB_NAME


def _write_many(root: str, n: int) -> None:
    """A second process writing 200 entries in small transactions."""
    from civictext.text import cache as _cache

    for k in range(200):
        text = f"Văn bản {n} số {k}."
        doc = tk._doc_tokens(text, {"compounds": (), "pos": False})
        _cache.store(Path(root), "k", _cache.text_key(text), doc)


def test_progress_is_silent_without_a_terminal(capsys):
    tokenize(_arts("Hà Nội.", "Đà Nẵng."), compounds=[], progress=True, cache=False)
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_immune_to_underthesea_fixed_words_leak():
    """underthesea 9.5.0 keeps fixed_words for later calls; our segmentation does not."""
    from underthesea import word_tokenize

    rt = importlib.import_module("underthesea.pipeline.word_tokenize.regex_tokenize")
    sentence = "Đẩy mạnh cải cách hành chính ở Hà Nội."
    before = [t for t, _, _ in segment_text(sentence, compounds=[])]
    saved = rt.patterns
    try:
        word_tokenize("x", fixed_words=["mạnh cải cách"])
        assert "mạnh cải cách" in word_tokenize(sentence)  # the leak, still there
        assert [t for t, _, _ in segment_text(sentence, compounds=[])] == before
    finally:
        rt.patterns = saved


def test_package_attribute_is_callable_after_submodule_import(monkeypatch):
    """ct.tokenize stays the function after the module is imported, by its
    path or by the old one (civictext.tokenize, the flat layout's)."""
    import sys

    import civictext

    importlib.import_module("civictext.text.segmentation")
    monkeypatch.delitem(sys.modules, "civictext.tokenize", raising=False)  # imported afresh
    with pytest.warns(DeprecationWarning, match="civictext.tokenize is now"):
        importlib.import_module("civictext.tokenize")
    out = civictext.tokenize(_arts("Hà Nội."), compounds=[], cache=False)
    assert out.token.tolist() == ["hà_nội", "."]

def test_default_compounds_are_read_once_per_lexicon_state(monkeypatch):
    # segment_text(compounds=None) used to re-read the YAML lexicons on every call
    import civictext.themes.lexicon as lexmod
    first = tk.default_compounds()
    calls = []
    real = lexmod.load_lexicons
    monkeypatch.setattr(lexmod, "load_lexicons", lambda *a, **k: calls.append(1) or real(*a, **k))
    for _ in range(3):
        assert tk.default_compounds() == first
    assert calls == []
    assert "cải cách hành chính" in first


# -------------------------------------------- fast paths for given segmentations
def _tk():
    return importlib.import_module("civictext.text.segmentation")


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(list(" .?!\t\n\rAaĐđ1…_,\"") + ["...", "TP.", "Mr.", "1.5",
                                                                 "e.g.", " X", "x.y"]),
                max_size=30))
def test_sentence_split_equals_underthesea(pieces):
    from underthesea import sent_tokenize

    text = "".join(pieces)
    assert _tk()._sent_tokenize(text) == sent_tokenize(text)


def test_sentence_split_equals_underthesea_on_the_tricky_text(seed_text):
    from underthesea import sent_tokenize

    for line in (TRICKY + "\n" + seed_text).split("\n"):
        assert _tk()._sent_tokenize(line) == sent_tokenize(line)


def _given_arts(givens: list[str]) -> pd.DataFrame:
    return pd.DataFrame({"doc_id": [f"g{i}" for i in range(len(givens))],
                         "text": [g.replace("_", " ") for g in givens],
                         "tokens_given": givens, "segmented": True})


def _slow_counts(arts: pd.DataFrame, compounds) -> list[int]:
    """The per-sentence path the fast count replaces: _doc_tokens on each document."""
    tk = _tk()
    settings_ = tk._settings(compounds, False)
    return [int((tk._doc_tokens(t, settings_, g).kind != 2).sum())
            for t, g in zip(arts["text"], arts["tokens_given"])]


_GIVEN_PIECES = ["cải_cách", "hành_chính", "cải", "cách", "hành", "chính", "quy_tắc", "ứng_xử",
                 "dịch_vụ", "công", "trực_tuyến", "cai_cach", "hanh", "chinh", "CCHC", "UBND",
                 "PAR", "INDEX", ".", ",", "?", "!", "...", "x.y", "TP.HCM", "1.500", "62%",
                 "“", "”", "_", "__", "a_", "_b", "-", "Ông", "A.", "Hài_lòng", "hài", "lòng",
                 # pieces of several chunks: compounds across the given words, and
                 # sentence ends inside a chunk (not after an abbreviation)
                 "cải cách hành chính", "cải_cách hành chính", "quy tắc_ứng xử", "hài lòng",
                 "cai cach hanh chinh", "dịch_vụ công trực_tuyến", "nội.Ông", "việc!Hà",
                 "tin?Bộ", "xong...Sau", "đó..sau", "Co._opXtra", "Saigon_Co. op", "nội._Ông"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(_GIVEN_PIECES), max_size=14), min_size=1, max_size=4),
       st.sampled_from([" ", "  ", "\n", "\n\n", " \n", "\t"]))
def test_given_count_equals_the_per_sentence_path(lines, sep):
    givens = ["\n".join(sep.join(line) if sep != "\n" else " ".join(line) for line in lines)]
    arts = _given_arts(givens)
    for compounds in (TERMS + ["hài lòng", "cải cách"], []):
        assert count_tokens(arts, compounds=compounds, cache=False).tolist() == \
            _slow_counts(arts, compounds)


def test_given_count_makes_no_segmenter_call_and_matches_tokenize(monkeypatch):
    givens = ["Bản_án cho đối_tượng . Đẩy_mạnh cải_cách hành_chính ở TP.HCM .\n\n"
              "Người dân hài_lòng với dịch_vụ công trực_tuyến ( 62 % ) …",
              "Ông A.Nguyễn nói :“ cai cach hanh chinh ” x.y"]
    arts = _given_arts(givens)
    calls = count_segmenter_calls(monkeypatch)
    n = count_tokens(arts, cache=False)
    assert calls[0] == 0
    toks = tokenize(arts, cache=False)
    assert n.tolist() == toks[toks["kind"] != "punct"].groupby("doc_id").size().tolist()


@pytest.mark.realdata
@pytest.mark.parametrize("rel", ["vnds-test/articles.seg.jsonl.gz",
                                 "vnds-train/articles.seg.jsonl.gz"])
def test_given_count_on_real_samples(shared_corpora, rel):
    from civictext.ingest.reader import read_corpus

    arts = read_corpus(shared_corpora / rel, limit=300)
    assert arts["segmented"].all()
    assert count_tokens(arts, cache=False).tolist() == _slow_counts(arts, None)


# ------------------------------------- analysing a given segmentation in one pass
_FORM_PIECES = _GIVEN_PIECES + [
    # acronyms: known ones, others whose case depends on the sentence (a heading
    # in capitals has at least three all-capital words), and capitals that are
    # not acronyms
    "SN", "TAND", "PV", "COVID-19", "TP.", "HCM", "HĐXX", "HÀ_NỘI", "BỘ", "CÔNG_AN",
    "NHÂN_DÂN", "VKSND", "N.T", "A", "Hà_Nội", "ΑΣ", "500.000", "15.12.2025", "3,4", "2/63"]


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(st.sampled_from(_FORM_PIECES), max_size=14), min_size=1, max_size=4),
       st.sampled_from([" ", "  ", "\n", "\n\n", " \n", "\t"]))
def test_given_forms_equal_the_per_sentence_path(lines, sep):
    tk = _tk()
    given_ = "\n".join(sep.join(line) if sep != "\n" else " ".join(line) for line in lines)
    text = given_.replace("_", " ")
    for compounds in (TERMS + ["hài lòng", "cải cách"], []):
        settings_ = tk._settings(compounds, False)
        got = tk._given_forms(text, given_, settings_["compounds"])
        ref = tk._doc_tokens(text, settings_, given_)
        if got is not None:
            assert got == (ref.tokens, ref.kind.tolist())


def test_given_forms_take_the_one_pass_path_and_match_analyzer_given(monkeypatch):
    tk = _tk()
    givens = ["Bản_án cho đối_tượng . Đẩy_mạnh cải_cách hành_chính ở TP.HCM , SN 1990 .\n\n"
              "Người dân hài_lòng với dịch_vụ công trực_tuyến ( 62 % ) … TAND xử 1.500 vụ",
              "CÔNG_AN TỈNH TRUY_BẮT PV NGUYỄN\nÔng A.Nguyễn nói :“ cai cach hanh chinh ” x.y"]
    texts = [g.replace("_", " ") for g in givens]
    an = Analyzer()
    terms = an.compounds
    assert all(tk._given_forms(t, g, terms) is not None for t, g in zip(texts, givens))
    calls = count_segmenter_calls(monkeypatch)
    got = an.analyze_many(texts, givens, cache=False)
    assert calls[0] == 0
    assert got == [an.given(t, g) for t, g in zip(texts, givens)]
    assert "TAND" in got[0] and "pv" in got[1]   # a heading in capitals lowers PV


def test_shared_compound_starts_filter_each_text_once_with_the_same_results(monkeypatch):
    """Inside shared_compound_starts the token count and the given words run the
    compound filter once per text (the second reuses the first's positions) and give
    what they give outside it; the memo is gone after the block."""
    tk = _tk()
    givens = ["Đẩy_mạnh cải_cách hành_chính ở TP.HCM . Người dân hài_lòng .",
              "Dịch_vụ công trực_tuyến , quy_tắc ứng_xử .\nKhông có gì cả .",
              "Đẩy_mạnh cải_cách hành_chính ở TP.HCM . Người dân hài_lòng .",  # a copy
              "Ông A.Nguyễn nói :“ cai cach hanh chinh ” x.y"]
    arts = _given_arts(givens)
    texts = arts["text"].tolist()
    an = Analyzer()
    want_n = count_tokens(arts, cache=False).tolist()
    want_f = an._given_words(texts, givens)
    calls = []
    starts = tk._TermFilter.starts
    monkeypatch.setattr(tk._TermFilter, "starts",
                        lambda self, text: calls.append(text) or starts(self, text))
    with tk.shared_compound_starts():
        with tk.shared_compound_starts():  # nested: the same memo
            got_n = count_tokens(arts, cache=False).tolist()
        got_f = an._given_words(texts, givens)
    assert got_n == want_n and got_f == want_f
    assert sorted(calls) == sorted(set(texts))  # each distinct text filtered once
    assert tk._SHARED_STARTS.get() is None
    calls.clear()
    count_tokens(arts, cache=False)
    assert len(calls) == len(texts)  # outside a block nothing is reused


def _heads_reference(an, texts, givens, heads, hgivens):
    """What the theme model's features were made of before: one call per text."""
    body = [an.given(t, g) if g else an(t) for t, g in zip(texts, givens)]
    return body, [an.given(h, g) if g else an(h) for h, g in zip(heads, hgivens)]


def test_analyze_with_heads_equals_separate_analysis(monkeypatch, seed_text):
    tk = _tk()
    an = Analyzer()
    texts = [seed_text, "Tin mới\nCải cách hành chính ở Hà Nội. Người dân hài lòng.",
             "Một câu. Hai câu! Ba câu?", "", "CÔNG AN TỈNH\nUBND xã họp."]
    givens = [None, None, None, None, None]
    # headlines that are sentences of the text, one that is not, and an empty one
    heads = [seed_text.split("\n")[0], "Tin mới\nCải cách hành chính ở Hà Nội.",
             "Một câu.\nKhông có trong bài.", "", "CÔNG AN TỈNH\nUBND xã họp."]
    g = "Bản_án cho đối_tượng . Đẩy_mạnh cải_cách hành_chính ở TP.HCM ."
    texts.append(g.replace("_", " "))
    givens.append(g)
    heads.append("Bản án cho đối tượng .")
    # a pre-segmented document whose headline has its given words, one without
    texts.append(g.replace("_", " "))
    givens.append(g)
    heads.append("Đẩy mạnh cải cách hành chính ở TP.HCM .")
    hgivens = [None] * 6 + ["Đẩy mạnh cải_cách hành_chính ở TP.HCM ."]
    ref = _heads_reference(an, texts, givens, heads, hgivens)
    assert tk._analyze_with_heads(an, texts, givens, heads, hgivens, cache=False) == ref
    # with the cache: the text's entries (count_tokens) serve the headlines too
    count_tokens(pd.DataFrame({"doc_id": [str(i) for i in range(5)],
                               "text": [normalize_text(t) for t in texts[:5]]}))
    calls = count_segmenter_calls(monkeypatch)
    assert tk._analyze_with_heads(an, texts, givens, heads, hgivens) == ref
    # segmented: the headline that is not in its text (2 sentences) and the
    # headline without given words of a pre-segmented document (1), never the
    # texts nor the headline with given words
    assert calls[0] == 3
