"""Shared fixtures: tiny Vietnamese texts written for these tests, and paths.

Nothing here is copied from elsewhere; the only real page is the bundled seed
in ``corpus/``. Tests that need ``../shared/corpora`` use the ``realdata``
marker and the ``shared_corpora`` fixture, which skips where it is absent.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "corpus"
SEED = CORPUS / "ldtd-van-hoa-cong-so.txt"
SHARED_CORPORA = Path(os.environ.get("CIVICTEXT_SHARED_CORPORA", ROOT.parent / "shared" / "corpora"))


@pytest.fixture(scope="session")
def seed_path() -> Path:
    return SEED


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture(scope="session")
def shared_corpora() -> Path:
    if not SHARED_CORPORA.is_dir():
        pytest.skip(f"real corpora not available at {SHARED_CORPORA}")
    return SHARED_CORPORA


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own token cache, so tests never share state."""
    monkeypatch.setenv("CIVICTEXT_CACHE", str(tmp_path_factory.mktemp("cache")))


def count_segmenter_calls(monkeypatch) -> list[int]:
    """Count calls of civictext's CRF word segmenter from now on (one per sentence).

    Returns a one-item list whose value grows with each call; tests use it to
    show that a cached or pre-segmented path never runs the segmenter.
    """
    import civictext.text.segmentation as tk

    calls = [0]
    real = tk._Segmenter.syllables

    def counting(self, sentence):
        calls[0] += 1
        return real(self, sentence)

    monkeypatch.setattr(tk._Segmenter, "syllables", counting)
    return calls


# Short news-style paragraphs written for the tests (not from any outlet).
TEXT_REFORM = ("Sáng 12/3, UBND quận Cầu Giấy tổ chức hội nghị về cải cách hành chính. "
               "Quận đẩy mạnh dịch vụ công trực tuyến và cơ chế một cửa liên thông.")
TEXT_CONDUCT = ("Công chức phường phải thực hiện nghiêm quy tắc ứng xử và văn hóa công sở, "
                "giữ thái độ niềm nở khi tiếp dân.")
TEXT_SATISFACTION = ("Chỉ số SIPAS năm nay cho thấy mức độ hài lòng của người dân "
                     "đối với sự phục vụ của cơ quan hành chính tăng rõ rệt.")
TEXT_OTHER = "Đội tuyển bóng đá giành chiến thắng 2-0 trong trận giao hữu tối qua."


@pytest.fixture
def small_texts() -> dict[str, str]:
    return {"reform": TEXT_REFORM, "conduct": TEXT_CONDUCT,
            "satisfaction": TEXT_SATISFACTION, "other": TEXT_OTHER}


def write_duplicates_corpus(root: Path) -> Path:
    """Four JSONL files whose stories are copied (with small edits) across files,
    a repeated id across files and an empty text: near-duplicate clusters that
    cross partitions, ``keep="longest"`` choosing a later member."""
    import random

    rng = random.Random(3)
    words = ("cải cách hành chính người dân phường quận thủ tục công khai minh bạch cán bộ "
             "tiếp dân văn hóa công sở ứng xử niềm nở đúng hẹn hồ sơ trực tuyến").split()
    stories = [[rng.choice(words) for _ in range(50)] for _ in range(6)]
    root.mkdir(parents=True)
    n = 0
    for k in range(4):
        lines = []
        for _ in range(8):
            w = list(stories[rng.randrange(len(stories))])
            for _ in range(rng.randrange(0, 6)):
                w[rng.randrange(len(w))] = rng.choice(words)
            if rng.random() < 0.3:
                w += ["Ảnh", "minh", "họa"]
            lines.append({"id": f"d{n}", "title": f"Tin {n}", "text": " ".join(w),
                          "published": f"2024-0{k + 1}-1{k}", "source": "PLO"})
            n += 1
        lines.append({"id": "d0", "title": "Tin lặp", "text": "", "published": "2024-05-01"})
        (root / f"f{k}.jsonl").write_text("\n".join(json.dumps(x, ensure_ascii=False)
                                                    for x in lines) + "\n", encoding="utf-8")
    return root
