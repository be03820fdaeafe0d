"""civictext.ingest.reader on messy input: encodings, broken files, strict vs lenient, fuzzing."""
from __future__ import annotations

import codecs
import gzip
import json
import unicodedata
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civictext.errors import CivictextError, CorpusError
from civictext.ingest import reader as corpus
from civictext.ingest.encodings import detect_encoding, legacy_font_encoding
from civictext.ingest.reader import read_corpus
from civictext.text.normalize import normalize_text

PAGE = ("Phường Dịch Vọng rút ngắn thời gian giải quyết hồ sơ\n\n"
        "(PLO) Người dân phường Dịch Vọng giờ chỉ chờ trung bình mười lăm phút để được "
        "tiếp nhận hồ sơ, nhờ hệ thống xếp hàng tự động và thái độ phục vụ niềm nở.\n\n"
        "Cán bộ một cửa được tập huấn về quy tắc ứng xử, văn hóa công sở và kỹ năng giao tiếp.\n\n"
        "Ủy ban nhân dân phường cho biết sẽ khảo sát sự hài lòng của người dân mỗi quý.\n")

# --------------------------------------------------------- legacy encoders (test-only)
_TONES = "\u0300\u0301\u0309\u0303\u0323"


def to_cp1258(text: str) -> bytes:
    """windows-1258 bytes: precomposed base letters, tone marks as combining bytes."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
            continue
        except UnicodeEncodeError:
            pass
        d = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in _TONES))
        out.append((base + "".join(c for c in d if c in _TONES)).encode("cp1258"))
    return b"".join(out)


_TCVN3 = dict(zip(
    "áàảãạăằắẳẵặâầấẩẫậđĐéèẻẽẹêềếểễệíìỉĩịóòỏõọôồốổỗộơờớởỡợúùủũụưừứửữựýỳỷỹỵĂÂÊÔƠƯ",
    [0xB8, 0xB5, 0xB6, 0xB7, 0xB9, 0xA8, 0xBB, 0xBE, 0xBC, 0xBD, 0xC6, 0xA9, 0xC7, 0xCA, 0xC8,
     0xC9, 0xCB, 0xAE, 0xA7, 0xD0, 0xCC, 0xCE, 0xCF, 0xD1, 0xAA, 0xD2, 0xD5, 0xD3, 0xD4, 0xD6,
     0xDD, 0xD7, 0xD8, 0xDC, 0xDE, 0xE3, 0xDF, 0xE1, 0xE2, 0xE4, 0xAB, 0xE5, 0xE8, 0xE6, 0xE7,
     0xE9, 0xAC, 0xEA, 0xED, 0xEB, 0xEC, 0xEE, 0xF3, 0xEF, 0xF1, 0xF2, 0xF4, 0xAD, 0xF5, 0xF8,
     0xF6, 0xF7, 0xF9, 0xFD, 0xFA, 0xFB, 0xFC, 0xFE, 0xA1, 0xA2, 0xA3, 0xA4, 0xA5, 0xA6]))


def to_tcvn3(text: str) -> bytes:
    out = bytearray()
    for ch in unicodedata.normalize("NFC", text):
        code = _TCVN3.get(ch) or _TCVN3.get(ch.lower())
        out += bytes([code]) if code else ch.encode("ascii", "replace")
    return bytes(out)


_VNI_TONE = {"\u0300": "ø", "\u0301": "ù", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_VNI_BASE = {"â": "aâ", "ă": "aê", "ê": "eâ", "ô": "oâ", "ơ": "ô", "ư": "ö", "đ": "ñ",
             "Đ": "Ñ", "Â": "AÂ", "Ă": "AÊ", "Ê": "EÂ", "Ô": "OÂ", "Ơ": "Ô", "Ư": "Ö"}


def to_vni(text: str) -> bytes:
    out = []
    for ch in unicodedata.normalize("NFC", text):
        d = unicodedata.normalize("NFD", ch)
        base = unicodedata.normalize("NFC", "".join(c for c in d if c not in _TONES))
        out.append(_VNI_BASE.get(base, base) + "".join(_VNI_TONE[c] for c in d if c in _TONES))
    return "".join(out).encode("cp1252", "replace")


# ------------------------------------------------------------------- encodings

ENCODED = {
    "utf-8": lambda s: s.encode("utf-8"),
    "utf-8-sig": lambda s: codecs.BOM_UTF8 + s.encode("utf-8"),
    "utf-16": lambda s: s.encode("utf-16"),            # with BOM
    "utf-16-be-bom": lambda s: codecs.BOM_UTF16_BE + s.encode("utf-16-be"),
    "cp1258": to_cp1258,
    "nfd-utf-8": lambda s: unicodedata.normalize("NFD", s).encode("utf-8"),
    "crlf": lambda s: s.replace("\n", "\r\n").encode("utf-8"),
}
EXPECTED_CODEC = {"utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf-16": "utf-16",
                  "utf-16-be-bom": "utf-16", "cp1258": "cp1258", "nfd-utf-8": "utf-8",
                  "crlf": "utf-8"}


def test_every_supported_encoding_gives_the_same_article(tmp_path):
    for name, enc in ENCODED.items():
        (tmp_path / f"{name}.txt").write_bytes(enc(PAGE))
    df = read_corpus(tmp_path)
    assert df.attrs["skipped"] == []
    assert len(df) == len(ENCODED)
    assert df["text"].nunique() == 1 and df["doc_id"].nunique() == len(ENCODED)  # ids made unique
    assert df.iloc[0]["title"] == "Phường Dịch Vọng rút ngắn thời gian giải quyết hồ sơ"
    assert df.attrs["encodings"] == {f"{n}.txt": EXPECTED_CODEC[n] for n in ENCODED}
    report = {f["path"]: f["encoding"] for f in df.attrs["files"]}
    assert report["cp1258.txt"] == "cp1258"


def test_cp1258_decodes_to_composed_text():
    data = to_cp1258(PAGE)
    assert detect_encoding(data) == "cp1258"
    assert "\u0323" in data.decode("cp1258")  # combining marks in the raw decode ...
    rec = corpus.read_page(data.decode("cp1258"))[0]
    assert unicodedata.is_normalized("NFC", rec["text"])  # ... composed after reading


def test_forced_encoding(tmp_path):
    p = tmp_path / "a.txt"
    p.write_bytes(to_cp1258(PAGE))
    df = read_corpus(p, encoding="cp1258")
    assert df.attrs["encodings"] == {"a.txt": "cp1258"}
    with pytest.raises(CorpusError, match="unknown encoding='klingon'"):
        read_corpus(p, encoding="klingon")
    with pytest.raises(CorpusError, match=r"a\.txt: cannot be decoded as utf-8 \(byte 0x.. at offset \d+\)"):
        read_corpus(p, encoding="utf-8", strict=True)


@pytest.mark.parametrize("name, encode", [("TCVN3", to_tcvn3), ("VNI", to_vni)])
def test_legacy_font_encodings_are_reported(tmp_path, name, encode):
    p = tmp_path / "legacy.txt"
    p.write_bytes(encode(PAGE))
    df = read_corpus(tmp_path)
    assert len(df) == 0
    [skip] = df.attrs["skipped"]
    assert skip["path"] == "legacy.txt" and name in skip["reason"]
    assert "convert it to Unicode" in skip["reason"]
    with pytest.raises(CorpusError, match=f"legacy.txt: .*legacy Vietnamese font encoding {name}"):
        read_corpus(tmp_path, strict=True)
    # the same text typed with the legacy font but saved as UTF-8 is caught too
    p.write_bytes(encode(PAGE).decode("cp1252", "replace").encode("utf-8"))
    assert name in read_corpus(tmp_path).attrs["skipped"][0]["reason"]


def test_legacy_detector_leaves_real_vietnamese_alone(seed_path):
    assert legacy_font_encoding(seed_path.read_text(encoding="utf-8")) is None
    assert legacy_font_encoding(PAGE) is None
    assert legacy_font_encoding("Café, naïve, Zürich, São Paulo, Ærø and Øresund.") is None


# ------------------------------------------------------------------ broken files

def _lenient_and_strict(path: Path, match: str) -> pd.DataFrame:
    df = read_corpus(path)
    assert df.attrs["skipped"], "expected a skipped item"
    with pytest.raises(CorpusError, match=match):
        read_corpus(path, strict=True)
    return df


def test_empty_and_binary_files(tmp_path):
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"  \n\n \n")
    (tmp_path / "image.txt").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "good.txt").write_text(PAGE, encoding="utf-8")
    df = read_corpus(tmp_path)
    assert df["path"].tolist() == ["good.txt"]
    reasons = {s["path"]: s["reason"] for s in df.attrs["skipped"]}
    assert reasons["empty.txt"] == "empty file" and reasons["blank.txt"] == "empty file"
    assert reasons["image.txt"].startswith("binary file")
    with pytest.raises(CorpusError, match=r"blank\.txt: empty file \(strict mode"):
        read_corpus(tmp_path, strict=True)


def test_html_without_article(tmp_path):
    p = tmp_path / "menu.html"
    p.write_text("<html><head><title>Trang chủ</title></head><body><nav><a href='/'>Tin</a></nav>"
                 "<script>var a = 1;</script></body></html>", encoding="utf-8")
    df = _lenient_and_strict(p, r"menu\.html: no article found in the HTML")
    assert len(df) == 0


def test_jsonl_bad_line_reports_line_number(tmp_path):
    p = tmp_path / "a.jsonl"
    p.write_bytes(b'{"id": "1", "text": "M\xe1\xbb\x99t."}\n'   # "Một."
                  b'{"id": "2", "text": "Hai." \n'                # broken JSON
                  b'\n'
                  b'[1, 2]\n'                                      # not an object
                  b'{"id": "5", "title": "", "text": ""}\n'       # no text
                  b'{"id": "6", "text": "S\xe1u \xff."}\n'        # bad UTF-8
                  b'{"id": "7", "text": "B\xe1\xba\xa3y."}\n')
    df = read_corpus(p)
    assert df["doc_id"].tolist() == ["1", "7"]
    skipped = {s["line"]: s["reason"] for s in df.attrs["skipped"]}
    assert set(skipped) == {2, 4, 5, 6}
    assert skipped[2].startswith("not valid JSON")
    assert "expected a JSON object" in skipped[4]
    assert "no text" in skipped[5] and "fields={'text': 'FIELD'}" in skipped[5]
    assert skipped[6].startswith("not UTF-8")
    with pytest.raises(CorpusError, match=r"a\.jsonl, line 2: not valid JSON"):
        read_corpus(p, strict=True)


def test_csv_missing_text_column_names_file_and_columns(tmp_path):
    p = tmp_path / "bai.csv"
    p.write_text("ma,tieu_de,ngay\n1,Tiêu đề,2024-01-02\n", encoding="utf-8")
    df = _lenient_and_strict(p, r"bai\.csv: has no text .*column; its columns are: ma, tieu_de, ngay")
    assert "fields={'text': 'COLUMN'}" in df.attrs["skipped"][0]["reason"]
    with pytest.raises(CorpusError, match=r"has no 'noi_dung' column"):
        read_corpus(p, fields={"text": "noi_dung"}, strict=True)


def test_csv_with_long_fields_and_semicolons(tmp_path):
    long = "cải cách hành chính " * 20_000          # a 400 kB cell (over csv's default limit)
    p = tmp_path / "a.csv"
    pd.DataFrame([{"id": "x", "text": long}]).to_csv(p, index=False, sep=";")
    r = read_corpus(p, strict=True).iloc[0]
    assert r["doc_id"] == "x" and len(r["text"]) == len(long.strip())
    import csv
    assert csv.field_size_limit() == 131072                 # global limit restored


def test_file_disappearing_mid_run(tmp_path, monkeypatch):
    (tmp_path / "a.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "b.txt").write_text(PAGE.replace("Dịch Vọng", "Yên Hòa"), encoding="utf-8")
    real = corpus._read_txt

    def vanish(run, path, rel):
        if path.name == "a.txt":
            path.unlink()                       # deleted after listing, before reading
        return real(run, path, rel)

    monkeypatch.setitem(corpus._READERS, "txt", vanish)
    df = read_corpus(tmp_path)
    assert df["path"].tolist() == ["b.txt"]
    assert df.attrs["skipped"] == [{"path": "a.txt", "line": None,
                                    "reason": "file disappeared while reading"}]


def test_absurdly_long_lines(tmp_path, monkeypatch):
    long_line = "Người dân hài lòng với thủ tục. " * 25_000        # one 1 MB line
    (tmp_path / "page.txt").write_text("Tiêu đề bài\n\n" + long_line + "\n", encoding="utf-8")
    (tmp_path / "nolines.txt").write_text("x" * 1_000_000, encoding="utf-8")
    df = read_corpus(tmp_path, strict=True)
    assert len(df) == 2 and len(df.iloc[1]["text"]) > 790_000
    # lines over the JSONL line limit are skipped without being loaded whole
    monkeypatch.setattr(corpus, "_MAX_LINE_BYTES", 1000)
    p = tmp_path / "big.jsonl"
    p.write_text(json.dumps({"id": "a", "text": "ngắn"}) + "\n"
                 + json.dumps({"id": "b", "text": "dài " * 2000}) + "\n"
                 + json.dumps({"id": "c", "text": "ngắn nữa"}) + "\n", encoding="utf-8")
    df = read_corpus(p)
    assert df["doc_id"].tolist() == ["a", "c"]
    assert df.attrs["skipped"][0]["line"] == 2 and "longer than" in df.attrs["skipped"][0]["reason"]


def test_page_too_large_is_skipped(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "_MAX_PAGE_BYTES", 2000)
    (tmp_path / "huge.txt").write_text(PAGE * 20, encoding="utf-8")
    df = read_corpus(tmp_path)
    assert "too large for one page" in df.attrs["skipped"][0]["reason"]


def test_corrupt_gzip(tmp_path):
    (tmp_path / "a.jsonl.gz").write_bytes(gzip.compress(b'{"text": "M\xe1\xbb\x99t."}\n')[:-12])
    df = read_corpus(tmp_path)
    assert "cannot be read" in df.attrs["skipped"][-1]["reason"]
    with pytest.raises(CorpusError, match=r"a\.jsonl\.gz: cannot be read"):
        read_corpus(tmp_path, strict=True)


def test_bad_json_document(tmp_path):
    (tmp_path / "a.json").write_text('[{"text": "Một."}, {"text": ', encoding="utf-8")
    (tmp_path / "b.json").write_text('"chỉ là một chuỗi"', encoding="utf-8")
    df = read_corpus(tmp_path)
    reasons = [s["reason"] for s in df.attrs["skipped"]]
    assert reasons[0].startswith("not valid JSON") and "expected a JSON array" in reasons[1]


def test_read_report_lists_every_file(tmp_path):
    (tmp_path / "good.txt").write_text(PAGE, encoding="utf-8")
    (tmp_path / "empty.txt").write_bytes(b"")
    (tmp_path / "a.jsonl").write_text('{"text": "Một."}\nxx\n', encoding="utf-8")
    df = read_corpus(tmp_path)
    out = corpus.write_read_report(df, tmp_path / "out")
    rep = pd.read_csv(out, keep_default_na=False).set_index("path")
    assert rep.loc["good.txt", "records"] == 1 and rep.loc["good.txt", "encoding"] == "utf-8"
    assert rep.loc["empty.txt", "reason"] == "empty file" and rep.loc["empty.txt", "skipped"] == 1
    assert rep.loc["a.jsonl", "records"] == 1 and rep.loc["a.jsonl", "skipped"] == 1
    items = pd.read_csv(tmp_path / "out" / "skipped_items.csv", keep_default_na=False)
    assert (items.iloc[0]["path"], str(items.iloc[0]["line"])) == ("a.jsonl", "2")
    assert items.iloc[0]["reason"].startswith("not valid JSON")
    # outputs are written atomically: no temporary files left behind
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "read_report.csv", "renamed_ids.csv", "skipped_items.csv"]


def test_cli_strict_error_is_one_line(tmp_path, capsys):
    from civictext.cli import main

    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "empty.txt").write_bytes(b"")
    corpus = str(tmp_path / "c")
    assert main(["ingest", corpus, "--out", str(tmp_path / "o"), "--strict", "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("civictext ingest: error: read_corpus: empty.txt: empty file")
    assert "\n" not in err
    assert main(["ingest", corpus, "--out", str(tmp_path / "o"), "-q"]) == 0
    assert "skipped 1 item(s)" in capsys.readouterr().out


# --------------------------------------------------------------- property tests

SUFFIXES = [".txt", ".html", ".jsonl", ".json", ".csv", ".jsonl.gz", ".tsv"]


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=3000), suffix=st.sampled_from(SUFFIXES))
def test_arbitrary_bytes_never_crash(tmp_path_factory, data, suffix):
    d = tmp_path_factory.mktemp("fuzz")
    p = d / f"x{suffix}"
    p.write_bytes(data)
    df = read_corpus(p)                                   # lenient: never raises
    assert list(df.columns) == corpus.COLUMNS
    assert df["doc_id"].is_unique
    try:
        read_corpus(p, strict=True)
    except CivictextError:
        pass                                              # our own errors only


_vi_text = st.lists(st.sampled_from(list("aăâeêioôơuưyđbcdghklmnpqrstvx AĐ.,\n\"“”")
                                   + ["à", "á", "ả", "ã", "ạ", "ế", "ộ", "ữ", " hoà ", "thuỷ",
                                      "\u0300", "\u0323", "\u00a0", "\t", "\r\n", "_",
                                      "\x1c", "\u2028", "\x85", "\u200b", "‘", " \n", "\n\n\n",
                                      "OÀ", "Uỷ", "quý", "\ufeff", "\u3000"]),
                   max_size=120).map("".join)


@settings(max_examples=80, deadline=None)
@given(title=_vi_text, body=_vi_text)
def test_nfd_and_nfc_records_read_the_same(title, body):
    def row(form):
        rec = {"title": unicodedata.normalize(form, title),
               "text": unicodedata.normalize(form, body)}
        try:
            return corpus._record_row(_run(), rec, "jsonl", "x")
        except corpus._Skip as exc:  # no text left after normalisation: skipped either way
            return f"skipped: {exc}"

    a, b = row("NFC"), row("NFD")
    assert a == b
    if isinstance(a, dict):
        assert normalize_text(a["text"]) == a["text"]


@settings(max_examples=300, deadline=None)
@given(s=_vi_text)
def test_fast_normalize_equals_normalize_text(s):
    assert corpus._normalize(s) == normalize_text(s)


def _run():
    return corpus._Run(root=Path("."), strict=False, encoding=None, fields={}, segmented=None,
                       limit=None)


def test_utf16_jsonl_with_broken_surrogate(tmp_path):
    """Found by benchmarks/fuzz_reader.py: a decode error inside a UTF-16 stream."""
    good = '{"id": "1", "text": "Một."}\n'.encode("utf-16-le")
    p = tmp_path / "a.jsonl"
    bad = '{"id": "2", "text": "Hai."}\n'.encode("utf-16-le")
    p.write_bytes(codecs.BOM_UTF16_LE + good + b"\x00\xdc" + bad + good.replace(b"1", b"3"))
    df = read_corpus(p)                                   # the lone low surrogate spoils line 2
    assert df["doc_id"].tolist() == ["1", "3"]
    assert df.attrs["skipped"][0]["reason"].startswith("not valid UTF-16")
    with pytest.raises(CorpusError, match=r"a\.jsonl, line 2: not valid UTF-16"):
        read_corpus(p, strict=True)


@pytest.mark.parametrize("name", ["a.jsonl", "a.json"])
def test_json_that_python_refuses_to_convert_is_skipped_and_reported(tmp_path, name):
    # json.loads raises a plain ValueError (no .msg) for an integer of > 4300 digits
    big = '{"id": "b", "text": "Một câu.", "n": ' + "9" * 5000 + "}"
    good = '{"id": "a", "text": "Một câu."}'
    body = f"{good}\n{big}\n" if name.endswith("l") else f"[{big}]"
    (tmp_path / name).write_text(body, encoding="utf-8")
    df = read_corpus(tmp_path)
    assert list(df["doc_id"]) == (["a"] if name.endswith("l") else [])
    assert "not readable JSON" in df.attrs["skipped"][0]["reason"]


@pytest.mark.parametrize("name", ["notes", "table.xlsx", "articles.csv.bak"])
def test_a_file_of_an_unknown_type_is_a_corpus_error_naming_it(tmp_path, name):
    f = tmp_path / name
    f.write_text("doc_id,text\na,Một câu.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=f"{name}.*not a corpus file type.*\\.jsonl"):
        read_corpus(f)


def test_parquet_rows_are_read_and_bad_parquet_files_are_reported(tmp_path):
    """Parquet (the Hub's format) reads like JSON Lines; a damaged or gzipped file is
    skipped with a reason that says what to do, and the other files are still read."""
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = {"id": ["p1", "p2", "p3"], "title": ["Phường A tiếp dân", "Xã B", "Không có gì"],
            "content": ["Cán bộ tiếp dân đúng giờ.", "Người dân nộp hồ sơ.", None],
            "published": ["2024-03-05", "2024-04-01", None]}
    pq.write_table(pa.table(rows), tmp_path / "good.parquet", row_group_size=1)
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really parquet")
    (tmp_path / "zipped.parquet.gz").write_bytes(b"\x1f\x8b")
    result = corpus.read_corpus_result(tmp_path)
    arts = result.articles
    assert arts["doc_id"].tolist() == ["p1", "p2", "p3"]  # p3: the title alone is text
    assert arts["published"].tolist()[:2] == ["2024-03-05", "2024-04-01"]
    reasons = {s["path"]: s["reason"] for s in result.skipped}
    assert "not a readable Parquet file" in reasons["broken.parquet"]
    assert "gunzip" in reasons["zipped.parquet.gz"]
    with pytest.raises(CorpusError, match="broken.parquet"):
        read_corpus(tmp_path / "broken.parquet", strict=True)
    # strict mode names the row and why, not "data unreadable"
    pq.write_table(pa.table({"id": ["a", "b"], "content": ["Có chữ.", None]}),
                   tmp_path / "one_empty.parquet")
    with pytest.raises(CorpusError, match=r"one_empty.parquet, line 2: row 2: no text"):
        read_corpus(tmp_path / "one_empty.parquet", strict=True)
