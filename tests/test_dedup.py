"""Near-duplicate detection on syndicated copies written for these tests."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from civictext.errors import CorpusError
from civictext.ingest.dedup import drop_near_duplicates, near_duplicates, shingles

# One story as a first outlet printed it ...
STORY = (
    "Sáng 12/3, Ủy ban nhân dân quận Cầu Giấy tổ chức hội nghị tổng kết công tác cải cách "
    "hành chính năm qua. Theo báo cáo, bộ phận một cửa của quận đã tiếp nhận hơn mười hai "
    "nghìn hồ sơ, trong đó phần lớn được trả trước hoặc đúng hẹn. Quận đẩy mạnh dịch vụ công "
    "trực tuyến, công khai thủ tục tại trụ sở và trên cổng thông tin điện tử. Chủ tịch quận "
    "yêu cầu công chức thực hiện nghiêm quy tắc ứng xử, giữ thái độ niềm nở khi tiếp dân và "
    "xử lý dứt điểm các hồ sơ trễ hẹn. Kết quả khảo sát cho thấy mức độ hài lòng của người dân "
    "đối với sự phục vụ của cơ quan hành chính tăng so với năm trước. Trong năm tới, quận sẽ "
    "số hóa toàn bộ hồ sơ lưu trữ và mở rộng thanh toán lệ phí qua mạng."
)
# ... re-posted by a second outlet with a new headline and one sentence changed,
SYNDICATED = (
    "Cầu Giấy: hồ sơ trả đúng hẹn tăng mạnh\n\n"
    + STORY.replace("Quận đẩy mạnh dịch vụ công trực tuyến",
                    "Quận tiếp tục đẩy mạnh dịch vụ công trực tuyến mức độ cao")
)
# ... copied by a third with its tag and a closing credit,
REPOST = "(TTĐT) " + STORY + " Nguồn: Cổng thông tin quận."
# and two different stories on the same theme.
OTHER = (
    "Phường Yên Hòa đặt máy đánh giá sự hài lòng ngay tại quầy tiếp nhận hồ sơ. Người dân "
    "bấm nút sau mỗi lần giao dịch, kết quả được công khai hằng tháng. Lãnh đạo phường cho "
    "biết công chức bị đánh giá chưa hài lòng nhiều lần sẽ được nhắc nhở và bồi dưỡng kỹ năng."
)
OTHER2 = (
    "Tỉnh ban hành bộ quy tắc ứng xử mới cho cán bộ, công chức, viên chức. Quy tắc nêu rõ "
    "những việc phải làm và không được làm khi tiếp xúc với người dân, doanh nghiệp, cả khi "
    "làm việc trực tiếp và trên môi trường mạng."
)


@pytest.fixture
def articles() -> pd.DataFrame:
    return pd.DataFrame({
        "doc_id": ["a1", "o1", "a2", "a3", "o2"],
        "source": ["Báo A", "Báo A", "Báo B", "Báo C", "Báo D"],
        "text": [STORY, OTHER, SYNDICATED, REPOST, OTHER2],
    })


def test_syndicated_copies_form_one_cluster(articles):
    report = near_duplicates(articles)
    assert list(report.columns) == ["doc_id", "cluster", "size", "representative",
                                    "is_representative", "similarity"]
    by_id = report.set_index("doc_id")
    assert by_id.loc["a1", "cluster"] == by_id.loc["a2", "cluster"] == by_id.loc["a3", "cluster"]
    assert by_id.loc[["a1", "a2", "a3"], "size"].tolist() == [3, 3, 3]
    assert by_id.loc["o1", "size"] == 1 and by_id.loc["o2", "size"] == 1
    assert by_id.loc["o1", "cluster"] != by_id.loc["o2", "cluster"]
    # clusters numbered by first appearance; representative = first by default
    assert report["cluster"].tolist() == [0, 1, 0, 0, 2]
    assert by_id.loc["a2", "representative"] == "a1"
    assert by_id.loc["a1", "similarity"] == 1.0
    assert 0.8 <= by_id.loc["a2", "similarity"] < 1.0


def test_same_theme_different_story_is_not_a_duplicate(articles):
    report = near_duplicates(articles, threshold=0.5)
    assert report.set_index("doc_id").loc["o1", "size"] == 1


def test_similarity_is_exact_jaccard_of_shingles(articles):
    report = near_duplicates(articles).set_index("doc_id")
    a, b = shingles(STORY), shingles(SYNDICATED)
    assert report.loc["a2", "similarity"] == pytest.approx(len(a & b) / len(a | b))


def test_keep_longest(articles):
    out = drop_near_duplicates(articles, keep="longest")
    assert out["doc_id"].tolist() == ["o1", "a2", "o2"]  # input order kept
    assert len(REPOST) < len(SYNDICATED)
    assert out.attrs["dropped"] == 2
    assert out.attrs["near_duplicates"].set_index("doc_id").loc["a1", "representative"] == "a2"


def test_keep_first_returns_new_frame_with_report(articles):
    before = articles.copy()
    out = drop_near_duplicates(articles, keep="first")
    assert out["doc_id"].tolist() == ["a1", "o1", "o2"]
    assert out.attrs["dropped"] == 2
    assert out.attrs["dedup"]["keep"] == "first"
    assert list(out.columns) == list(articles.columns)
    pd.testing.assert_frame_equal(articles, before)  # input untouched


def test_deterministic_for_a_random_state(articles):
    r1 = near_duplicates(articles, random_state=3, num_perm=64)
    r2 = near_duplicates(articles, random_state=3, num_perm=64)
    pd.testing.assert_frame_equal(r1, r2)


def test_exact_copies_and_empty_texts():
    df = pd.DataFrame({"doc_id": ["x", "y", "e1", "e2"],
                       "text": [OTHER, OTHER, "", None]})
    report = near_duplicates(df).set_index("doc_id")
    assert report.loc["y", "representative"] == "x" and report.loc["y", "similarity"] == 1.0
    # empty texts are nobody's duplicate
    assert report.loc["e1", "size"] == 1 and report.loc["e2", "size"] == 1


def test_threshold_decides(articles):
    strict = near_duplicates(articles, threshold=0.99).set_index("doc_id")
    assert strict.loc["a2", "size"] == 1  # one changed sentence is not an exact copy


@pytest.mark.parametrize("kwargs, match", [
    ({"threshold": 0}, "threshold must be in"),
    ({"threshold": 1.5}, "threshold must be in"),
    ({"num_perm": 4}, "num_perm must be at least 16"),
    ({"shingle": 0}, "shingle must be a positive"),
    ({"keep": "last"}, "keep must be 'first' or 'longest'"),
])
def test_bad_parameters(articles, kwargs, match):
    with pytest.raises(ValueError, match=match):
        drop_near_duplicates(articles, **kwargs)


def test_bad_input():
    with pytest.raises(CorpusError, match="no column 'text'"):
        near_duplicates(pd.DataFrame({"doc_id": ["a"]}))
    with pytest.raises(CorpusError, match="must be a DataFrame"):
        near_duplicates(["a text"])  # type: ignore[arg-type]
    with pytest.raises(CorpusError, match="duplicate doc_id values, e.g. 'a'"):
        near_duplicates(pd.DataFrame({"doc_id": ["a", "a"], "text": ["x", "y"]}))


def test_parameter_errors_are_civictext_errors(articles):
    from civictext.errors import CivictextError

    with pytest.raises(CivictextError, match="near_duplicates: threshold must be in"):
        near_duplicates(articles, threshold=2)


def test_cli_dedup(tmp_path, articles, monkeypatch, capsys):
    import sys
    import types

    from civictext.cli import main

    # the CLI reads the corpus with civictext.ingest.reader.read_corpus; stand in for it
    fake = types.ModuleType("civictext.ingest.reader")
    fake.read_corpus = lambda path, **kw: articles
    monkeypatch.setitem(sys.modules, "civictext.ingest.reader", fake)
    out = tmp_path / "dups.csv"
    assert main(["dedup", "corpus/", "--out", str(out), "--keep", "longest"]) == 0
    report = pd.read_csv(out)
    assert report.groupby("cluster")["size"].first().tolist() == [3, 1, 1]
    assert report.loc[report["doc_id"] == "a1", "representative"].item() == "a2"
    assert "1 clusters of near-duplicates; keeping the longest of each drops 2" in capsys.readouterr().out
    assert main(["dedup", "corpus/", "--out", str(out), "--threshold", "0"]) == 2
    assert "--threshold: expected a finite number > 0 and <= 1, got '0'" in capsys.readouterr().err


def test_shingles_ignore_case_punctuation_and_tone_placement():
    assert shingles("Văn hoá công sở, HÒA BÌNH!") == shingles("văn hóa công sở hoà bình")
    assert shingles("") == set()
    assert shingles("hai từ", k=3) == {"hai từ"}


def test_zero_width_characters_do_not_split_words():
    assert shingles("cải\u200b cách hành chính") == shingles("cải cách hành chính")
    assert shingles("cải cách hành chính") == shingles("cải cách hành chính")  # NBSP


WORDS = ["cải", "cách", "hành", "chính", "công", "sở", "người", "dân", "hài", "lòng", "quận"]


@settings(max_examples=30, deadline=None)
@given(st.lists(st.lists(st.sampled_from(WORDS), min_size=0, max_size=12), min_size=1,
                max_size=8),
       st.sampled_from(["first", "longest"]))
def test_every_document_in_exactly_one_consistent_cluster(texts, keep):
    df = pd.DataFrame({"doc_id": [f"d{i}" for i in range(len(texts))],
                       "text": [" ".join(t) for t in texts]})
    report = near_duplicates(df, threshold=0.7, num_perm=32, keep=keep)
    assert report["doc_id"].tolist() == df["doc_id"].tolist()
    for _, g in report.groupby("cluster"):
        assert (g["size"] == len(g)).all()
        assert g["representative"].nunique() == 1 and g["is_representative"].sum() == 1
        assert g.loc[g["is_representative"], "doc_id"].item() == g["representative"].iloc[0]
    assert report["cluster"].tolist()[0] == 0
    kept = drop_near_duplicates(df, threshold=0.7, num_perm=32, keep=keep)
    assert len(kept) + kept.attrs["dropped"] == len(df) == report["cluster"].nunique() + kept.attrs["dropped"]


def test_band_keys_are_those_of_datasketchs_default_minhash_and_lsh():
    """The shared permutations and batched SHA-1 give, per document, the signature
    MinHash(num_perm, seed).update_batch(shingles) gives, and the band keys pair
    exactly the documents datasketch's MinHashLSH proposes: the same pairs are
    checked whichever process (or Dask worker) computes the keys."""
    import random

    from datasketch import MinHash

    from civictext.ingest import dedup

    rng = random.Random(5)
    words = "một hai ba bốn năm sáu bảy tám chín mười".split()
    base = [[rng.choice(words) for _ in range(30)] for _ in range(5)]
    texts = ["", "Hà Nội"]
    for _ in range(60):
        w = list(rng.choice(base))
        for _ in range(rng.randrange(8)):
            w[rng.randrange(30)] = rng.choice(words)
        texts.append(" ".join(w))
    spec = dedup.DedupSpec(threshold=0.6, num_perm=64, random_state=7)
    sig = dedup.signatures(texts, spec)
    assert sig.n == len(texts) and sig.rows.tolist() == list(range(1, len(texts)))
    assert sig.bands.dtype == np.uint64 and sig.lengths.tolist() == [len(t) for t in texts]
    lsh = dedup._lsh_index(0.6, 64)
    assert sig.bands.shape == (len(texts) - 1, lsh.b)
    expect = set()
    for i in sig.rows.tolist():
        ref = MinHash(num_perm=64, seed=7)
        ref.update_batch([x.encode("utf-8") for x in sorted(dedup.shingles(texts[i], 3))])
        expect.update((int(j), i) for j in lsh.query(ref))
        lsh.insert(i, ref)
    assert 0 < len(expect) < len(texts) ** 2 / 4
    halves = [dedup.signatures(texts[:20], spec), dedup.signatures(texts[20:], spec)]
    assert dedup.candidate_pairs([sig]) == dedup.candidate_pairs(halves) == sorted(expect)


def test_clusters_from_signatures_of_blocks_do_not_depend_on_the_blocks(articles):
    """The corpus cut into blocks (partitions) at any point: the same clusters."""
    from civictext.ingest import dedup

    spec = dedup.DedupSpec(keep="longest", threshold=0.5)
    texts = articles["text"].tolist()
    expect = near_duplicates(articles, keep="longest", threshold=0.5)
    for cuts in ([], [1], [2, 3], list(range(1, len(texts)))):
        bounds = [0, *cuts, len(texts)]
        blocks = [texts[a:b] for a, b in zip(bounds, bounds[1:])]
        got = dedup.cluster([dedup.signatures(t, spec) for t in blocks], spec,
                            dedup.local_jaccard(blocks, spec))
        pd.testing.assert_frame_equal(dedup.report_frame(articles["doc_id"], got), expect)


def test_drop_near_duplicates_result_keeps_the_report_out_of_attrs(articles):
    import civictext as ct
    from civictext.config import DEFAULT_RANDOM_STATE

    res = ct.drop_near_duplicates_result(articles, keep="longest")
    assert isinstance(res, ct.DedupResult)
    old = drop_near_duplicates(articles, keep="longest")
    assert res.articles["doc_id"].tolist() == old["doc_id"].tolist()
    assert res.articles.index.tolist() == list(range(len(res.articles)))
    assert res.dropped == old.attrs["dropped"] > 0 and res.articles.attrs == {}
    pd.testing.assert_frame_equal(res.clusters, old.attrs["near_duplicates"])
    assert res.params == old.attrs["dedup"] == {"keep": "longest", "threshold": 0.8,
                                                "num_perm": 128, "shingle": 3,
                                                "random_state": DEFAULT_RANDOM_STATE}


def test_shingles_are_the_k_word_windows():
    words = "một hai ba bốn năm".split()
    for k in (1, 2, 3, 5, 6):
        expect = ({" ".join(words[i:i + k]) for i in range(len(words) - k + 1)}
                  if k <= len(words) else {" ".join(words)})
        assert shingles(" ".join(words), k) == expect


def test_signatures_of_a_series_read_a_slice_at_a_time(monkeypatch, articles):
    # a Series is read a slice at a time: the keys and lengths do not depend on where
    # the slices end, and equal those of the same texts as a list
    from civictext.ingest import dedup

    spec = dedup.DedupSpec(threshold=0.5)
    texts = pd.concat([articles["text"], pd.Series([None, ""], dtype="str")],
                      ignore_index=True)
    whole = dedup.signatures(texts.tolist(), spec)
    monkeypatch.setattr(dedup, "_CHUNK", 3)
    sliced = dedup.signatures(texts, spec)
    assert sliced.n == whole.n == len(texts)
    for f in ("rows", "bands", "lengths"):
        np.testing.assert_array_equal(getattr(sliced, f), getattr(whole, f))
    assert sliced.lengths[-2:].tolist() == [0, 0]
    assert len(sliced.rows) == len(texts) - 2  # the empty texts have no key
