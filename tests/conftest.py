"""Shared fixtures: tiny Vietnamese texts written for these tests, and paths.

Nothing here is copied from elsewhere; the only real page is the bundled seed
in ``corpus/``. Tests that need ``../shared/corpora`` use the ``realdata``
marker and the ``shared_corpora`` fixture, which skips where it is absent.
"""
from __future__ import annotations

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
