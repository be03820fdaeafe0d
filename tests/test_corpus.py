"""civictext.ingest.reader: the seed page, the other page layouts, every input format, dates."""
from __future__ import annotations

import gzip
import hashlib
import json
import unicodedata
from pathlib import Path

import pandas as pd
import pytest

from civictext.errors import CorpusError
from civictext.ingest.dates import DateInfo
from civictext.ingest.reader import (
    COLUMNS,
    parse_meta_date,
    read_corpus,
    read_page,
    write_read_report,
)

# --------------------------------------------------------------- the seed page

SEED_TEASERS = [
    # "Nên xem"
    "Tăng mức hỗ trợ xây mới, sửa chữa nhà ở đối với người có công",
    "Quyền lợi đặc biệt của lao động nữ nuôi con nhỏ dưới 12 tháng tuổi",
    "Cách tính mức hưởng trợ cấp thất nghiệp hằng tháng",
    "Tôn vinh giá trị và vị thế của trẻ em gái, thúc đẩy bình đẳng giới",
    "Bắt hai đối tượng bán mật gấu giả",
    "Tài xế sẽ phải kiểm tra lí thuyết, thực hành khi bị trừ hết điểm bằng lái",
    'Hà Nội: Triệt phá đường dây nhập lậu hàng nghìn tấn "khí cười"',
    # "Tin khác"
    "Huyện Thường Tín: Khai thác giá trị văn hóa để phát triển du lịch",
    "Tổ chức thành công Đại hội Hội Khuyến học quận Bắc Từ Liêm nhiệm kỳ 2024 - 2029",
    "Lan tỏa những hành động nhân ái từ cộng đồng",
    "Cầu nối giữa các doanh nghiệp khởi nghiệp với các nhà đầu tư",
    'Tái hiện không gian "nhà tranh vách đất" làng quê Bắc Bộ',
    "Gốm Bát Tràng thương hiệu hai trong một",
    "Làng đào Nhật Tân: Hoa vẫn nở sau bão Yagi",
    "Ứng dụng công nghệ thông tin để quảng bá văn hóa, lịch sử địa phương",
    'Sức lan tỏa mạnh mẽ của phong trào thi đua "Dân vận khéo" huyện Gia Lâm',
    "Tình yêu từ cao nguyên lâm viên xanh",
]


@pytest.fixture(scope="module")
def seed_df(corpus_dir) -> pd.DataFrame:
    return read_corpus(corpus_dir)


def test_seed_has_one_article_and_seventeen_teasers(seed_df):
    # The project brief says "sixteen"; the page holds 7 under "Nên xem" and 10 under "Tin khác".
    assert list(seed_df.columns) == COLUMNS
    assert (seed_df["kind"] == "article").sum() == 1
    teasers = seed_df[seed_df["kind"] == "teaser"]
    assert teasers["title"].tolist() == SEED_TEASERS


def test_seed_article_parts(seed_df):
    art = seed_df.iloc[0]
    assert art["kind"] == "article"
    assert art["doc_id"] == "92389"
    assert art["kicker"] == "Phong trào thi đua thực hiện văn hóa công sở và nơi công cộng:"
    assert art["title"] == "Nhân lên những bông hoa đẹp"
    assert art["source_tag"] == "LĐTĐ"
    assert art["lead"].startswith("Qua phong trào thi đua, từ thành phố tới cơ sở")
    assert "(LĐTĐ)" not in art["lead"] and "LĐTĐ" not in art["text"]
    assert art["headings"].split("\n") == ["Nỗ lực để dân được hài lòng",
                                           "Tiếp tục nâng cao trách nhiệm và tinh thần phục vụ"]
    assert art["captions"].startswith("Đoàn viên, thanh niên phường Vạn Phúc")
    assert "\n" not in art["captions"]
    assert art["byline"] == "Hoa Nguyễn"
    assert art["source"] == "Lao Động Thủ Đô"
    assert art["format"] == "txt-page" and art["path"] == "ldtd-van-hoa-cong-so.txt"
    assert pd.isna(art["parent_id"])
    # reading order: title, lead, first heading, body ..., the caption inside the body
    text = art["text"]
    assert text.startswith("Nhân lên những bông hoa đẹp\n\nQua phong trào thi đua")
    assert text.index("Nỗ lực để dân") < text.index("Đoàn viên, thanh niên") < text.index(
        "Tiếp tục nâng cao trách nhiệm")
    assert text.rstrip().endswith("cải thiện và tăng hạng các chỉ số còn lại…")


def test_seed_article_text_has_no_furniture(seed_df):
    text = seed_df.iloc[0]["text"]
    for bad in ("nhan len nhung bong hoa dep", "92389", "Có thể bạn quan tâm", "Nên xem",
                "Tin khác", "Xem thêm", "Phiên bản di động", "Hoa Nguyễn",
                "Hà Nội phát động phong trào thi đua thực hiện văn hóa công sở",
                "Văn hóa công sở phải gắn với gia đình"):
        assert bad not in text, bad
    for title in SEED_TEASERS:
        assert title not in text


def test_seed_teasers(seed_df):
    art = seed_df.iloc[0]
    teasers = seed_df[seed_df["kind"] == "teaser"]
    assert (teasers["parent_id"] == art["doc_id"]).all()
    assert (teasers["source_tag"] == "LĐTĐ").all()
    assert (teasers["source"] == "Lao Động Thủ Đô").all()
    assert not teasers["lead"].str.contains(r"\(LĐTĐ\)").any()
    first = teasers.iloc[0]
    assert first["lead"].startswith("Người có công sẽ được hỗ trợ 30 triệu đồng/hộ")
    for _, t in teasers.iterrows():
        assert t["text"].count(t["title"]) == 1          # the doubled title appears once
        assert t["text"] == t["title"] + "\n\n" + t["lead"]
        assert t["published"] == "" and t["date_precision"] == "unknown"
        h = hashlib.sha256(f"teaser\x1f{t['title']}\x1f{t['text']}".encode()).hexdigest()
        assert t["doc_id"] == "h" + h[:15]                # documented, machine-independent
    assert seed_df["doc_id"].is_unique


def test_seed_date_from_manifest(seed_df):
    art = seed_df.iloc[0]
    assert art["published"] == "2019" and art["date_precision"] == "year"
    assert art["date_evidence"].startswith("manifest.csv")


def test_nfd_input_equals_nfc_input(tmp_path, seed_path):
    nfc = seed_path.read_text(encoding="utf-8")
    (tmp_path / "nfc").mkdir()
    (tmp_path / "nfd").mkdir()
    (tmp_path / "nfc" / "p.txt").write_text(unicodedata.normalize("NFC", nfc), encoding="utf-8")
    (tmp_path / "nfd" / "p.txt").write_text(unicodedata.normalize("NFD", nfc), encoding="utf-8")
    a, b = read_corpus(tmp_path / "nfc"), read_corpus(tmp_path / "nfd")
    assert "\u0300" in (tmp_path / "nfd" / "p.txt").read_text(encoding="utf-8")
    pd.testing.assert_frame_equal(a, b)
    assert a.iloc[0]["title"] == "Nhân lên những bông hoa đẹp"


def test_doc_ids_stable_across_runs(corpus_dir):
    a, b = read_corpus(corpus_dir), read_corpus(corpus_dir)
    assert a["doc_id"].tolist() == b["doc_id"].tolist()


def test_originals_not_modified(corpus_dir):
    files = sorted(p for p in corpus_dir.iterdir() if p.is_file())
    before = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    read_corpus(corpus_dir)
    after = {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}
    assert before == after
    assert sorted(p for p in corpus_dir.iterdir() if p.is_file()) == files


def test_read_page_matches_read_corpus(seed_path, seed_df):
    recs = read_page(seed_path.read_text(encoding="utf-8"), path="x.txt")
    assert len(recs) == 18 and recs[0]["doc_id"] == "92389"
    assert [r["title"] for r in recs[1:]] == SEED_TEASERS
    assert recs[0]["text"] == seed_df.iloc[0]["text"]
    assert all(set(r) == set(COLUMNS) for r in recs)
    assert recs[0]["published"] == ""  # no manifest, no date line: unknown


# ------------------------------------------------------- pages written for tests

PAGE_PLO = """Quận Bình Thạnh công khai đường dây nóng tiếp nhận phản ánh về thủ tục hành chính

(PLO)- Từ đầu tháng này, người dân quận Bình Thạnh có thể gọi đường dây nóng hoặc nhắn tin qua ứng dụng để phản ánh việc giải quyết hồ sơ chậm, thái độ chưa đúng mực của cán bộ một cửa.
quan binh thanh cong khai duong day nong 104512 Người dân làm thủ tục tại bộ phận một cửa
Theo UBND quận, mỗi phản ánh sẽ được chuyển tới thủ trưởng đơn vị trong ngày và phải có câu trả lời trong vòng ba ngày làm việc.

Cán bộ nào bị phản ánh đúng sẽ bị nhắc nhở, và kết quả xử lý được công khai trên trang thông tin của quận.

Người dân được chấm điểm cán bộ

Tại bộ phận một cửa, mỗi quầy đặt một máy đánh giá để người dân bấm chọn mức độ hài lòng sau khi làm xong thủ tục.

Ông Trần Văn Bình, một người dân phường 25, cho biết lần này ông làm giấy phép xây dựng chỉ mất năm ngày.

Ngọc Lan
"""

PAGE_TTO = """Thời sự
Thứ Hai, 25/11/2024 09:15 (GMT+7)
Đà Nẵng: người dân chấm điểm sự hài lòng với dịch vụ hành chính công

TTO - Chỉ số hài lòng của người dân Đà Nẵng với dịch vụ hành chính công năm nay đạt hơn 85%, tăng so với năm trước, theo kết quả khảo sát vừa công bố.

Cuộc khảo sát do Sở Nội vụ thực hiện ở tất cả các phường, xã, hỏi người dân về thời gian chờ, thái độ của công chức và sự minh bạch của thủ tục.

Cán bộ bộ phận một cửa hướng dẫn người dân nộp hồ sơ trực tuyến (Ảnh: Hải Vân)

Sở Nội vụ cho biết sẽ công bố kết quả của từng đơn vị để các phường, xã so sánh và cải thiện.

Minh Châu - Quốc Việt

Tin liên quan

Đà Nẵng thí điểm tiếp nhận hồ sơ đất đai qua bưu điện

Khánh Hòa lấy ý kiến người dân về thái độ phục vụ của công chức

Xem thêm
"""


def test_page_without_kicker_or_teasers():
    recs = read_page(PAGE_PLO)
    assert len(recs) == 1
    art = recs[0]
    assert art["title"].startswith("Quận Bình Thạnh công khai đường dây nóng")
    assert art["kicker"] == ""
    assert art["source_tag"] == "PLO"
    assert art["lead"].startswith("Từ đầu tháng này")
    assert art["doc_id"] == "104512"            # from the shortened alt-text slug
    assert art["headings"] == "Người dân được chấm điểm cán bộ"
    assert art["byline"] == "Ngọc Lan"
    assert "quan binh thanh" not in art["text"] and "104512" not in art["text"]
    assert "Người dân làm thủ tục tại bộ phận một cửa" not in art["text"]
    assert "Ngọc Lan" not in art["text"]
    assert art["text"].endswith("chỉ mất năm ngày.")


def test_page_with_date_line_bare_tag_and_untagged_teasers():
    recs = read_page(PAGE_TTO)
    art, teasers = recs[0], recs[1:]
    assert art["title"] == "Đà Nẵng: người dân chấm điểm sự hài lòng với dịch vụ hành chính công"
    assert art["kicker"] == ""                  # "Thời sự" is a section label, not a kicker
    assert art["source_tag"] == "TTO"
    assert art["lead"].startswith("Chỉ số hài lòng của người dân Đà Nẵng")
    assert art["captions"] == "Cán bộ bộ phận một cửa hướng dẫn người dân nộp hồ sơ trực tuyến (Ảnh: Hải Vân)"
    assert art["byline"] == "Minh Châu - Quốc Việt"
    assert "25/11/2024" not in art["text"] and "Thời sự" not in art["text"]
    assert [t["title"] for t in teasers] == [
        "Đà Nẵng thí điểm tiếp nhận hồ sơ đất đai qua bưu điện",
        "Khánh Hòa lấy ý kiến người dân về thái độ phục vụ của công chức"]
    assert all(t["lead"] == "" and t["parent_id"] == art["doc_id"] for t in teasers)
    assert art["doc_id"].startswith("h") and len(art["doc_id"]) == 16


def test_page_date_line_goes_to_find_publication_date(monkeypatch):
    from civictext.ingest import dates

    seen = []

    def fake(text, *, reference=None):
        seen.append(text)
        return DateInfo("2024-11-25T09:15", "day", text)

    monkeypatch.setattr(dates, "find_publication_date", fake)
    art = read_page(PAGE_TTO)[0]
    assert seen == ["Thứ Hai, 25/11/2024 09:15 (GMT+7)"]   # the date line only, never the body
    assert art["published"] == "2024-11-25T09:15" and art["date_precision"] == "day"
    assert art["date_evidence"] == "Thứ Hai, 25/11/2024 09:15 (GMT+7)"


def test_page_date_unknown_when_dates_not_available(monkeypatch):
    from civictext.ingest import dates

    def not_yet(text, *, reference=None):
        raise NotImplementedError

    monkeypatch.setattr(dates, "find_publication_date", not_yet)
    art = read_page(PAGE_TTO)[0]
    assert (art["published"], art["date_precision"], art["date_evidence"]) == ("", "unknown", "")


def test_old_tone_placement_is_unified():
    art = read_page("Văn hoá công sở ở phường\n\n(PLO) Cán bộ thực hiện văn hoá công sở, khoẻ mạnh.\n")[0]
    assert art["title"] == "Văn hóa công sở ở phường"
    assert "văn hóa công sở, khỏe mạnh" in art["lead"]


# ------------------------------------------------------------- other formats

RECORDS = [
    {"id": "a1", "title": "Hà Nội đẩy mạnh cải cách hành chính",
     "text": "Thành phố tiếp tục đơn giản hóa thủ tục.\n\nNgười dân nộp hồ sơ trực tuyến.",
     "published": "2024-11-25", "source": "Báo Thử Nghiệm", "url": "https://example.invalid/a1"},
    {"id": "a2", "title": "Công chức phải giữ văn hóa công sở",
     "text": "Quy tắc ứng xử được niêm yết tại bộ phận một cửa.",
     "published": "2024-05", "source": "Báo Thử Nghiệm", "url": ""},
    {"id": "a3", "title": "Khảo sát sự hài lòng",
     "text": "Chỉ số SIPAS năm nay tăng rõ rệt.", "published": "2023", "source": "", "url": ""},
]


def _check_records(df: pd.DataFrame, fmt: str) -> None:
    assert list(df.columns) == COLUMNS
    assert df["doc_id"].tolist() == ["a1", "a2", "a3"]
    assert df["format"].unique().tolist() == [fmt]
    assert df["title"].tolist() == [r["title"] for r in RECORDS]
    assert df.iloc[0]["text"] == RECORDS[0]["title"] + "\n\n" + RECORDS[0]["text"]
    assert df["published"].tolist() == ["2024-11-25", "2024-05", "2023"]
    assert df["date_precision"].tolist() == ["day", "month", "year"]
    assert df.iloc[0]["date_evidence"] == f"{fmt}:published"
    assert df.iloc[0]["source"] == "Báo Thử Nghiệm" and df.iloc[0]["url"].endswith("/a1")
    assert (df["kind"] == "article").all() and not df["segmented"].any()


def _write_jsonl(path: Path, recs, *, gz=False) -> Path:
    data = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs).encode("utf-8")
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path


@pytest.mark.parametrize("name", ["a.jsonl", "a.jsonl.gz"])
def test_jsonl_round_trip(tmp_path, name):
    p = _write_jsonl(tmp_path / name, RECORDS, gz=name.endswith(".gz"))
    _check_records(read_corpus(p), "jsonl")


def test_csv_round_trip(tmp_path):
    p = tmp_path / "a.csv"
    pd.DataFrame(RECORDS).to_csv(p, index=False)
    _check_records(read_corpus(p), "csv")


def test_json_array_round_trip(tmp_path):
    p = tmp_path / "a.json"
    p.write_text(json.dumps(RECORDS, ensure_ascii=False), encoding="utf-8")
    _check_records(read_corpus(p), "json")
    p.write_text(json.dumps({"data": RECORDS}, ensure_ascii=False), encoding="utf-8")
    _check_records(read_corpus(p), "json")


def test_articles_csv_written_by_ingest_reads_back(tmp_path):
    """The articles table written as CSV is itself a readable corpus (ids kept)."""
    from civictext.cli import main

    src = _write_jsonl(tmp_path / "a.jsonl", RECORDS)
    assert main(["ingest", str(src), "--out", str(tmp_path / "out"), "-q"]) == 0
    back = read_corpus(tmp_path / "out" / "articles.csv")
    assert back["doc_id"].tolist() == ["a1", "a2", "a3"]
    assert back["text"].tolist() == read_corpus(src)["text"].tolist()
    assert back["published"].tolist() == ["2024-11-25", "2024-05", "2023"]


def test_header_line_files(tmp_path):
    (tmp_path / "x.txt").write_text(
        "# doc_id = tin_001\n# url = https://example.invalid/tin-001.htm\n# date = 20201001\n"
        "Phường Láng Hạ tiếp dân vào thứ Bảy\n"
        "Từ tháng này, phường Láng Hạ mở cửa tiếp dân cả sáng thứ Bảy.\n"
        "Cán bộ trực được yêu cầu giữ thái độ niềm nở.\n", encoding="utf-8")
    (tmp_path / "y.txt").write_text("# doc_id = tin_002\n# date = 2019\n"
                                    "Câu đầu tiên của bài không phải là tiêu đề.\nCâu thứ hai.\n",
                                    encoding="utf-8")
    df = read_corpus(tmp_path)
    x, y = df.iloc[0], df.iloc[1]
    assert x["doc_id"] == "tin_001" and x["format"] == "txt-header"
    assert x["title"] == "Phường Láng Hạ tiếp dân vào thứ Bảy"
    assert x["text"].startswith("Phường Láng Hạ tiếp dân vào thứ Bảy\n\nTừ tháng này")
    assert (x["published"], x["date_precision"], x["date_evidence"]) == ("2020-10-01", "day", "header:date")
    assert x["url"] == "https://example.invalid/tin-001.htm"
    assert y["title"] == "" and y["text"].startswith("Câu đầu tiên")
    assert (y["published"], y["date_precision"]) == ("2019", "year")  # no day invented


def test_segmented_input_keeps_given_tokens(tmp_path):
    seg = ("Hà_Nội đẩy_mạnh cải_cách hành_chính\n\nThành_phố công_bố chỉ_số hài_lòng .\n\n"
           "Người_dân đánh_giá cao thái_độ phục_vụ của cán_bộ . Văn_hoá công_sở được cải_thiện .")
    _write_jsonl(tmp_path / "s.jsonl", [{"id": "000001", "text_segmented": seg}])
    df = read_corpus(tmp_path / "s.jsonl")
    r = df.iloc[0]
    assert r["doc_id"] == "000001"          # leading zeros kept
    assert r["segmented"] and bool(df["segmented"].all())
    assert r["tokens_given"].split()[:3] == ["Hà_Nội", "đẩy_mạnh", "cải_cách"]
    assert "Văn_hóa" in r["tokens_given"]   # normalised, segmentation unchanged
    assert r["text"] == r["tokens_given"].replace("_", " ")
    assert r["title"] == "Hà Nội đẩy mạnh cải cách hành chính"
    assert r["lead"] == "Thành phố công bố chỉ số hài lòng ."
    assert "_" not in r["text"]


def test_segmented_input_with_a_title_field_starts_with_the_title(tmp_path):
    # as for plain text, `text` begins with the title, so the headline counts
    _write_jsonl(tmp_path / "s.jsonl", [{"id": "7", "title": "Hà Nội đẩy mạnh cải cách hành chính",
                                         "text_segmented": "Thành_phố công_bố kết_quả ."}])
    r = read_corpus(tmp_path / "s.jsonl").iloc[0]
    assert r["text"].startswith("Hà Nội đẩy mạnh cải cách hành chính\n\n")
    assert r["text"] == r["tokens_given"].replace("_", " ")
    from civictext.themes.scoring import score_themes

    s = score_themes(pd.DataFrame([r]), n_tokens={"7": 10}).set_index("theme")
    assert bool(s.loc["reform", "headline_hit"]) and bool(s.loc["reform", "present"])


def test_configurable_field_names(tmp_path):
    recs = [{"ma": "x1", "tieu_de": "Tiêu đề một", "noi_dung": "Nội dung bài một.",
             "ngay": "25/11/2024 09:15", "chuyen_muc": "Thời sự"}]
    p = _write_jsonl(tmp_path / "f.jsonl", recs)
    df = read_corpus(p, fields={"text": "noi_dung", "title": "tieu_de", "published": "ngay",
                                "id": "ma", "category": "chuyen_muc"})
    r = df.iloc[0]
    assert (r["doc_id"], r["title"], r["category"]) == ("x1", "Tiêu đề một", "Thời sự")
    assert r["text"] == "Tiêu đề một\n\nNội dung bài một."
    assert (r["published"], r["date_evidence"]) == ("2024-11-25T09:15", "jsonl:ngay")
    with pytest.raises(CorpusError, match="unknown key.*'txt'.*allowed keys"):
        read_corpus(p, fields={"txt": "noi_dung"})


def test_news_feed_layout_summary_is_the_lead(tmp_path):
    recs = [{"id": "f1", "title": "Tin ngắn về thủ tục", "link": "https://example.invalid/f1",
             "summary": "Tóm tắt tin ngắn.", "source": "Báo A - Thời sự", "category": "Thời sự",
             "published": "2025-08-07T22:00:00+07:00"}]
    df = read_corpus(_write_jsonl(tmp_path / "feed.jsonl.gz", recs, gz=True))
    r = df.iloc[0]
    assert (r["lead"], r["text"]) == ("Tóm tắt tin ngắn.", "Tin ngắn về thủ tục\n\nTóm tắt tin ngắn.")
    assert (r["published"], r["date_precision"]) == ("2025-08-07T22:00", "day")
    assert (r["url"], r["category"], r["source"]) == ("https://example.invalid/f1", "Thời sự",
                                                       "Báo A - Thời sự")


HTML_PAGE = """<!doctype html><html><head><meta charset="utf-8">
<title>Tiêu đề trong thẻ title | Báo Mẫu</title>
<meta property="og:title" content="Quảng Ninh dẫn đầu chỉ số cải cách hành chính">
<meta property="og:site_name" content="Báo Mẫu">
<meta property="og:url" content="https://example.invalid/qn-cchc.html">
<meta property="article:published_time" content="2024-03-02T08:30:00+07:00">
<script>var x = "<p>không phải văn bản</p>";</script>
</head><body><nav><p>Trang chủ</p><p>Thời sự</p></nav>
<article><h1>Quảng Ninh dẫn đầu chỉ số cải cách hành chính</h1>
<div class="sapo">(BM) - Năm thứ sáu liên tiếp, Quảng Ninh đứng đầu bảng xếp hạng chỉ số cải cách hành chính.</div>
<p>Kết quả được công bố tại hội nghị sáng qua.</p>
<h2>Chuyển đổi số là chìa khóa</h2>
<p>Tỉnh đã đưa toàn bộ thủ tục lên cổng dịch vụ công.</p>
<figure><img src="a.jpg" alt="anh"><figcaption>Người dân nộp hồ sơ tại trung tâm hành chính công.</figcaption></figure>
<p class="author">Thu Hà</p>
</article><footer><p>Bản quyền thuộc Báo Mẫu</p></footer></body></html>"""


def test_html_page(tmp_path):
    (tmp_path / "a.html").write_text(HTML_PAGE, encoding="utf-8")
    r = read_corpus(tmp_path).iloc[0]
    assert r["format"] == "html"
    assert r["title"] == "Quảng Ninh dẫn đầu chỉ số cải cách hành chính"
    assert (r["source_tag"], r["lead"]) == ("BM", "Năm thứ sáu liên tiếp, Quảng Ninh đứng đầu bảng "
                                            "xếp hạng chỉ số cải cách hành chính.")
    assert r["headings"] == "Chuyển đổi số là chìa khóa"
    assert r["captions"] == "Người dân nộp hồ sơ tại trung tâm hành chính công."
    assert r["byline"] == "Thu Hà"
    assert (r["published"], r["date_evidence"]) == ("2024-03-02T08:30", "html:meta article:published_time")
    assert (r["source"], r["url"]) == ("Báo Mẫu", "https://example.invalid/qn-cchc.html")
    for bad in ("Trang chủ", "Bản quyền", "không phải văn bản", "Thu Hà", "(BM)"):
        assert bad not in r["text"]
    assert r["text"].split("\n\n")[:3] == [
        "Quảng Ninh dẫn đầu chỉ số cải cách hành chính", r["lead"],
        "Kết quả được công bố tại hội nghị sáng qua."]


def test_html_json_ld_date(tmp_path):
    html = ('<html><head><script type="application/ld+json">{"@type": "NewsArticle", '
            '"headline": "Tiêu đề", "datePublished": "2023-07"}</script></head>'
            '<body><h1>Tiêu đề</h1><p>Một đoạn văn.</p></body></html>')
    (tmp_path / "b.htm").write_text(html, encoding="utf-8")
    r = read_corpus(tmp_path).iloc[0]
    assert (r["published"], r["date_precision"]) == ("2023-07", "month")
    assert r["date_evidence"] == "html:json-ld datePublished"


def test_mixed_folder_with_manifest_and_categories(tmp_path, seed_path):
    (tmp_path / "xa-hoi").mkdir()
    (tmp_path / "thoi-su").mkdir()
    (tmp_path / "xa-hoi" / "plo.txt").write_text(PAGE_PLO, encoding="utf-8")
    (tmp_path / "thoi-su" / "seed.txt").write_bytes(seed_path.read_bytes())
    (tmp_path / "thoi-su" / "b.html").write_text(HTML_PAGE, encoding="utf-8")
    _write_jsonl(tmp_path / "xa-hoi" / "a.jsonl", RECORDS[:2])
    pd.DataFrame(RECORDS[2:]).to_csv(tmp_path / "c.csv", index=False)
    (tmp_path / "manifest.csv").write_text(
        "file,source,url,published,date_evidence\n"
        "xa-hoi/plo.txt,Pháp Luật TP.HCM,https://example.invalid/plo,2024-10,printed month\n",
        encoding="utf-8")
    (tmp_path / "notes.md").write_text("not a corpus file", encoding="utf-8")
    df = read_corpus(tmp_path)
    assert df["format"].value_counts().to_dict() == {"txt-page": 19, "jsonl": 2, "csv": 1, "html": 1}
    assert df["doc_id"].is_unique
    assert df["path"].drop_duplicates().tolist() == ["c.csv", "thoi-su/b.html", "thoi-su/seed.txt",
                                                     "xa-hoi/a.jsonl", "xa-hoi/plo.txt"]
    plo = df[df["path"] == "xa-hoi/plo.txt"].iloc[0]
    assert (plo["published"], plo["date_precision"], plo["source"]) == ("2024-10", "month", "Pháp Luật TP.HCM")
    assert plo["date_evidence"] == "manifest.csv: printed month"
    assert plo["category"] == "xa-hoi"
    assert set(df.loc[df["path"].str.startswith("thoi-su/"), "category"]) == {"thoi-su"}
    assert set(df.loc[df["path"] == "c.csv", "category"]) == {""}
    assert df.attrs["skipped"] == []
    files = {f["path"]: f for f in df.attrs["files"]}
    assert files["notes.md"]["reason"].startswith("ignored")
    assert files["thoi-su/seed.txt"]["records"] == 18
    # the report
    out = write_read_report(df, tmp_path / "out")
    rep = pd.read_csv(out, keep_default_na=False)
    assert list(rep.columns) == ["path", "format", "encoding", "records", "skipped", "reason",
                                 "renamed_ids"]
    assert len(rep) == 6 and rep["records"].sum() == len(df)


def test_category_pattern(tmp_path):
    for name in ("news_sport_001.txt", "news_health_002.txt"):
        (tmp_path / name).write_text("# doc_id = x\nMột câu.\n", encoding="utf-8")
    df = read_corpus(tmp_path, category_pattern=r"news_([a-z]+)_")
    assert df["category"].tolist() == ["health", "sport"]
    assert df["doc_id"].tolist() == ["x", "x-2"]     # duplicate ids made unique, in file order


def test_limit_and_missing_path(tmp_path):
    _write_jsonl(tmp_path / "a.jsonl", RECORDS)
    assert len(read_corpus(tmp_path, limit=2)) == 2
    with pytest.raises(CorpusError, match="does not exist"):
        read_corpus(tmp_path / "nope")


@pytest.mark.parametrize("value, expected", [
    ("2019", ("2019", "year")), ("2019-05", ("2019-05", "month")),
    ("20201001", ("2020-10-01", "day")), ("2019-05-12", ("2019-05-12", "day")),
    ("2025-08-07T22:00:00+07:00", ("2025-08-07T22:00", "day")),
    ("25/11/2024", ("2024-11-25", "day")), ("11/2024", ("2024-11", "month")),
    ("Mon, 25 Nov 2024 09:15:00 +0700", ("2024-11-25T09:15", "day")),
    ("2019-02-30", None), ("không rõ", None), ("", None), (None, None),
])
def test_parse_meta_date(value, expected):
    assert parse_meta_date(value) == expected


def test_cli_ingest_prints_counts(tmp_path, corpus_dir, capsys):
    from civictext.cli import main

    assert main(["ingest", str(corpus_dir), "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "read 18 documents from 1 file" in out and "skipped 0" in out
    df = pd.read_csv(tmp_path / "articles.csv", dtype=str, keep_default_na=False)
    assert list(df.columns) == COLUMNS and len(df) == 18
    assert (tmp_path / "read_report.csv").is_file() and (tmp_path / "skipped_items.csv").is_file()


# ------------------------------------------------------------------ real data

@pytest.mark.realdata
def test_real_corpora_samples(shared_corpora):
    dantri = shared_corpora / "dantri-unc" / "articles"
    df = read_corpus(dantri, limit=20, category_pattern=r"news_([a-z]+)_")
    assert len(df) == 20 and list(df.columns) == COLUMNS
    assert (df["format"] == "txt-header").all() and (df["date_precision"] == "day").all()
    assert df["published"].str.match(r"^20(19|20|21)-\d\d-\d\d$").all()
    assert df["doc_id"].str.startswith("news_").all() and (df["category"] != "").all()
    assert (df["title"] != "").mean() > 0.8

    feed = read_corpus(shared_corpora / "news-feed" / "articles.jsonl.gz", limit=200)
    assert len(feed) == 200 and feed["doc_id"].is_unique
    assert (feed["date_precision"] == "day").all()
    # Tuổi Trẻ's feed date is a fetch time; the link's timestamp replaces it
    tt = feed["url"].str.contains("tuoitre.vn")
    assert (feed.loc[~tt, "date_evidence"] == "jsonl:published").all()
    assert feed.loc[tt, "date_evidence"].str.match(r"^(jsonl:published|url timestamp)").all()
    assert feed["published"].str.match(r"^202[56]-\d\d-\d\dT\d\d:\d\d$").all()
    assert (feed["source"] != "").all() and (feed["url"].str.startswith("http")).all()
    assert (feed["lead"] != "").mean() > 0.9

    vnds = read_corpus(shared_corpora / "vnds-test" / "articles.seg.jsonl.gz", limit=200)
    assert len(vnds) == 200 and vnds["segmented"].all()
    assert (vnds["text"] == vnds["tokens_given"].str.replace("_", " ")).all()
    assert not vnds["text"].str.contains("_").any()
    assert (vnds["date_precision"] == "unknown").all()
    assert not vnds["text"].str.contains(r"\bhoá\b").any()   # old tone placement unified
    assert all(r == [] for r in (df.attrs["skipped"], feed.attrs["skipped"], vnds.attrs["skipped"]))


def test_public_corpus_layouts(tmp_path):
    """One plain-text file per article in per-category folders (UTF-16, as some public
    classification corpora ship), and a JSON dump with title/content/date fields."""
    folders = tmp_path / "categories"
    for cat, title in (("Chinh tri Xa hoi", "Tỉnh công bố chỉ số PAPI năm nay"),
                       ("Doi song", "Người dân góp ý về văn hóa công sở")):
        (folders / cat).mkdir(parents=True)
        body = f"{title}\nNội dung thứ nhất của bài.\nNội dung thứ hai của bài.\n"
        (folders / cat / "bai_001.txt").write_bytes(body.encode("utf-16"))
    df = read_corpus(folders)
    assert df["category"].tolist() == ["Chinh tri Xa hoi", "Doi song"]
    assert df["title"].tolist() == ["Tỉnh công bố chỉ số PAPI năm nay",
                                    "Người dân góp ý về văn hóa công sở"]
    assert df.iloc[0]["text"].endswith("Nội dung thứ hai của bài.")
    assert set(df.attrs["encodings"].values()) == {"utf-16"}

    dump = [{"title": "Bài một", "content": "Nội dung bài một.", "date": "2018-06-01 10:20:00"},
            {"title": "Bài hai", "content": "Nội dung bài hai.", "date": "2018-06"}]
    p = tmp_path / "dump.json"
    p.write_text(json.dumps(dump, ensure_ascii=False), encoding="utf-8")
    df = read_corpus(p)
    assert df["text"].tolist() == ["Bài một\n\nNội dung bài một.", "Bài hai\n\nNội dung bài hai."]
    assert df["published"].tolist() == ["2018-06-01T10:20", "2018-06"]
    assert df["date_evidence"].tolist() == ["json:date", "json:date"]


def test_share_buttons_under_the_lead_do_not_end_the_article():
    page = ("Xã Tân Lập công khai thủ tục hành chính\n\nChia sẻ\n\nBình luận\n\n"
            "Ủy ban nhân dân xã Tân Lập vừa niêm yết công khai toàn bộ thủ tục hành chính tại "
            "trụ sở và trên trang thông tin điện tử của xã.\n\n"
            "Người dân có thể tra cứu hồ sơ bằng mã số được cấp khi nộp.\n\n"
            "Tin liên quan\n\nHuyện bên cạnh cũng làm như vậy\n")
    art, teaser = read_page(page)
    assert art["title"] == "Xã Tân Lập công khai thủ tục hành chính"
    assert "Chia sẻ" not in art["text"] and "Bình luận" not in art["text"]
    assert art["text"].endswith("bằng mã số được cấp khi nộp.")
    assert teaser["title"] == "Huyện bên cạnh cũng làm như vậy"


def test_list_corpus_files_is_what_read_corpus_reads(tmp_path):
    from civictext.ingest.reader import list_corpus_files

    (tmp_path / "b").mkdir()
    (tmp_path / "_raw").mkdir()
    (tmp_path / ".cache").mkdir()
    for rel in ("b/2.txt", "a.jsonl", "_raw/x.html", ".cache/y.txt", "notes.pdf"):
        (tmp_path / rel).write_text('{"id": "1", "text": "Cải cách hành chính."}\n'
                                    if rel.endswith("jsonl") else "Cải cách hành chính.\n",
                                    encoding="utf-8")
    (tmp_path / "manifest.csv").write_text("file,published\n", encoding="utf-8")
    files = list_corpus_files(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in files] == ["a.jsonl", "b/2.txt"]
    assert set(read_corpus(tmp_path)["path"]) == {"a.jsonl", "b/2.txt"}
    assert list_corpus_files(tmp_path / "a.jsonl") == [tmp_path / "a.jsonl"]
    with pytest.raises(CorpusError, match="does not exist"):
        list_corpus_files(tmp_path / "nowhere")
