"""Field-level accuracy of article extraction on the test pages that mimic
Vietnamese news layouts (tests/data/collect/*.html, truth in expected.json).

Compares trafilatura alone (bare_extraction with metadata; lead = its
``description``) with civictext.ingest.crawl.extract_article (trafilatura + our
look-ups for sapo, date lines, JSON-LD). A field counts as right when it
equals the truth after normalisation; the body is right when it holds every
``body_has`` sentence and none of the ``body_not`` ones (related-article boxes,
sidebars, the sapo, footers).

    python benchmarks/eval_extract.py
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from civictext.ingest.crawl import extract_article  # noqa: E402
from civictext.text.normalize import normalize_text  # noqa: E402

DATA = ROOT / "tests" / "data" / "collect"
FIELDS = ["title", "lead", "published", "byline", "source", "body"]
SHOWN = FIELDS + ["published (exact)"]


def _trafilatura_only(data: bytes) -> dict:
    import trafilatura

    doc = trafilatura.bare_extraction(data.decode("utf-8"), with_metadata=True,
                                      include_comments=False)
    d = doc.as_dict() if doc is not None else {}
    return {"title": d.get("title") or "", "lead": d.get("description") or "",
            "published": d.get("date") or "", "byline": d.get("author") or "",
            "source": d.get("sitename") or "", "text": d.get("text") or ""}


def score(got: dict, truth: dict) -> dict[str, bool]:
    out = {f: normalize_text(str(got.get(f, ""))) == normalize_text(truth[f])
           for f in FIELDS if f not in ("body", "published")}
    # trafilatura gives dates as YYYY-MM-DD: compare the day for both methods
    out["published"] = str(got.get("published", ""))[:10] == truth["published"][:10]
    out["published (exact)"] = str(got.get("published", "")) == truth["published"]
    body = normalize_text(got.get("text", ""))
    out["body"] = (all(s in body for s in truth["body_has"])
                   and not any(s in body for s in truth["body_not"]))
    return out


def main() -> None:
    for label, file in (("pages the extractor was tuned on", "expected.json"),
                        ("held-out page (written after tuning, not tuned on)", "heldout.json")):
        print(f"== {label}: tests/data/collect/{file}")
        evaluate(json.loads((DATA / file).read_text(encoding="utf-8")))


def evaluate(truth: dict) -> None:
    rows = {"trafilatura alone": {}, "extract_article": {}}
    for name, t in truth.items():
        data = (DATA / name).read_bytes()
        rows["trafilatura alone"][name] = score(_trafilatura_only(data), t)
        rows["extract_article"][name] = score(
            extract_article(data, fetched_at=t["fetched_at"]), t)
    print(f"{'method':<18} " + " ".join(f"{f:>9}" for f in SHOWN) + "   all (first 6)")
    for method, per_page in rows.items():
        cells = [sum(p[f] for p in per_page.values()) for f in SHOWN]
        n = len(per_page)
        total = sum(cells[:len(FIELDS)])
        print(f"{method:<18} " + " ".join(f"{c:>7}/{n}" for c in cells[:len(FIELDS)])
              + f"  {cells[-1]:>15}/{n}"
              + f"   {total}/{n * len(FIELDS)}")
    for method, per_page in rows.items():
        for name, p in per_page.items():
            wrong = [f for f, ok in p.items() if not ok]
            if wrong:
                print(f"  {method}: {name}: wrong {', '.join(wrong)}")


if __name__ == "__main__":
    main()
