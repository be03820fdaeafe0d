"""Phase 3 of the coded real sample (issue 15): model-stratified, independent of phases 1-2.

Phases 1 and 2 found 118 reform, 70 conduct and 19 satisfaction positives, and
the held-out recall of every measure was lost in documents the lexicons do not
flag. Phase 3 uses the model shipped with civictext 0.3.0 (trained on phases
1-2; a fixed, recorded function of the text) to find where coding is most
informative, while keeping every document's inclusion probability known.

**Design.** For each corpus a fresh seeded simple random *subframe* of ``m``
documents is drawn from the whole corpus (``--seed``, default 315), independently
of phases 1-2. Every subframe document is scored by the model: ``r`` is, over the
three themes, the largest ratio of the predicted probability to that theme's
threshold. Three strata (the rest of the subframe is not sampled in phase 3):

* ``p3-positive``: ``r >= 1`` (the model calls at least one theme present);
* ``p3-near``:     ``0.4 <= r < 1`` (close to a threshold: uncertain);
* ``p3-broad``:    ``r < 0.4`` but a broad administrative word occurs
  (:data:`draw_sample.BROAD`): where relevant documents the model misses hide.

Within a stratum, documents are drawn by simple random sampling, *including*
documents already coded in phases 1-2 (their codes are reused, not recoded),
so phase 3 is a sample independent of the earlier phases and a document's
phase-3 probability is ``q3 = m / N * n_s / N_s`` (``N`` the corpus size,
``N_s`` the stratum size in the subframe, which the approximation treats as
fixed). Every earlier-coded document is scored too, so its ``q3`` is known from
its stratum (0 outside them). The combined inclusion probability of a coded
document is ``pi = 1 - (1 - pi12) * (1 - q3)``.

Writes ``benchmarks/labels/coded/design3.csv`` (ids, strata, probabilities: no
text) and the coding packets, which hold text, under ``--packets`` (default
``/tmp/coding3``, outside the repository: never commit them).

    CIVICTEXT_SHARED_CORPORA=../shared/corpora .venv/bin/python benchmarks/coding/draw_phase3.py
"""
from __future__ import annotations

import argparse
import gzip
import sys
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from _realcorpora import shared_root  # type: ignore[import-not-found]  # noqa: E402
from draw_sample import _BROAD_RE, write_packets  # type: ignore[import-not-found]  # noqa: E402

from civictext.ingest.reader import read_corpus  # noqa: E402
from civictext.themes.model import load_theme_model  # noqa: E402

LABELS = HERE.parent / "labels" / "coded"
#: corpus: (path, subframe size m or None for the whole corpus)
SUBFRAMES = {
    "vnds-train": ("vnds-train/articles.seg.jsonl.gz", 20000),
    "vn4news2020": ("vn4news2020/articles.jsonl.gz", 6000),
    "news-feed": ("news-feed/articles.jsonl.gz", 20000),
    "dantri-unc": ("dantri-unc/articles", None),
}
ALLOC = {  # corpus: (positive, near, broad)
    "vnds-train": (45, 45, 30),
    "vn4news2020": (45, 45, 30),
    "news-feed": (30, 30, 20),
    "dantri-unc": (25, 25, 10),
}
STRATA = ("p3-positive", "p3-near", "p3-broad")
NEAR = 0.4


def _subframe(name: str, rng: np.random.Generator, tmp: Path, coded_ids: set[str]
              ) -> tuple[pd.DataFrame, pd.DataFrame, int]:
    """(subframe articles, earlier-coded articles, corpus size)."""
    rel, m = SUBFRAMES[name]
    path = shared_root() / rel
    if m is None:  # the whole corpus is the subframe: nothing coded lies outside it
        arts = read_corpus(path)
        return arts, arts.iloc[:0], len(arts)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        lines = fh.readlines()
    keep = set(np.sort(rng.choice(len(lines), size=m, replace=False)).tolist())
    sub, rest = tmp / f"{name}.sub.jsonl.gz", tmp / f"{name}.rest.jsonl.gz"
    with gzip.open(sub, "wt", encoding="utf-8") as a, gzip.open(rest, "wt", encoding="utf-8") as b:
        for i, line in enumerate(lines):
            (a if i in keep else b).write(line)
    arts = read_corpus(sub)
    others = read_corpus(rest)
    others = others[others["doc_id"].astype(str).isin(coded_ids)]
    return arts, others, len(lines)


def _ratio(model, arts: pd.DataFrame) -> pd.Series:
    pr = model.predict_proba(arts, n_jobs=2)
    pr["r"] = pr["p_model"] / pr["theme"].map(model.thresholds).astype(float)
    return pr.groupby("doc_id", sort=False)["r"].max()


def _stratum(arts: pd.DataFrame, r: pd.Series) -> pd.Series:
    ids = arts["doc_id"].astype(str).to_numpy()
    rr = r.reindex(ids).to_numpy()
    broad = np.array([bool(_BROAD_RE.search(t.lower())) for t in arts["text"].astype(str)])
    out = np.where(rr >= 1, STRATA[0], np.where(rr >= NEAR, STRATA[1],
                                                 np.where(broad, STRATA[2], "")))
    return pd.Series(out, index=ids)


def draw_strata(st: pd.Series, strata: tuple[str, ...], alloc: tuple[int, ...], share: float,
                rng: np.random.Generator) -> tuple[dict[str, str], dict[str, float], dict[str, int]]:
    """Simple random samples of ``alloc`` documents from each of ``strata`` (``st``: a
    subframe document's stratum, by doc_id), a smaller stratum taken whole: (drawn
    document -> stratum, stratum -> its probability ``share * n / N``, stratum -> n).
    ``share`` is the subframe's share of the corpus, ``m / N``."""
    picked: dict[str, str] = {}
    q: dict[str, float] = {}
    taken: dict[str, int] = {}
    for s, n in zip(strata, alloc):
        pool = np.sort(st.index[st.values == s].to_numpy())
        taken[s] = n = min(n, len(pool))
        for d in rng.choice(pool, size=n, replace=False):
            picked[str(d)] = s
        q[s] = share * (n / len(pool)) if len(pool) else 0.0
    return picked, q, taken


def second_packet(packets: Path, n: int, seed: int) -> None:
    """A blind second coder's packet: ``n`` phase-3 items drawn at random (``seed``),
    cut from the first coders' packets; recorded as ``coder2_packet = H1``."""
    import re

    d3 = pd.read_csv(LABELS / "design3.csv", dtype=str, keep_default_na=False)
    items = np.sort(d3.loc[d3["phase"] == "3", "item"].to_numpy())
    pick = set(np.random.default_rng(seed).choice(items, size=min(n, len(items)), replace=False))
    text = {}
    for f in sorted(packets.glob("packet_G*.txt")):
        for m in re.finditer(r"^===== ITEM (\d+) =====\n.*?(?=^===== ITEM |\Z)",
                             f.read_text(encoding="utf-8"), flags=re.M | re.S):
            text[m.group(1)] = m.group(0)
    with open(packets / "packet_H1.txt", "w", encoding="utf-8") as fh:
        fh.writelines(text[i] for i in sorted(pick))
    d3["coder2_packet"] = np.where(d3["item"].isin(pick), "H1", "")
    d3.to_csv(LABELS / "design3.csv", index=False)
    print(f"packet_H1.txt: {len(pick)} items")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--second-only", type=int, metavar="N",
                    help="after the draw: write a blind second coder's packet of N items")
    ap.add_argument("--seed", type=int, default=315)
    ap.add_argument("--packets", default="/tmp/coding3")
    ap.add_argument("--n-coders", type=int, default=4)
    ap.add_argument("--n-second", type=int, default=0)
    args = ap.parse_args()
    if args.second_only:
        return second_packet(Path(args.packets), args.second_only, args.seed + 1)
    rng = np.random.default_rng(args.seed)
    packets = Path(args.packets)
    tmp = packets / "frames"
    tmp.mkdir(parents=True, exist_ok=True)
    model = load_theme_model()
    earlier = pd.read_csv(LABELS / "design.csv", dtype=str, keep_default_na=False)
    rows, texts = [], {}
    for name in SUBFRAMES:
        coded_ids = set(earlier.loc[earlier["corpus"] == name, "doc_id"])
        arts, old, corpus_size = _subframe(name, rng, tmp, coded_ids)
        m = len(arts)
        st = _stratum(arts, _ratio(model, arts))
        sizes = st.value_counts()
        picked, q3, taken = draw_strata(st, STRATA, ALLOC[name], m / corpus_size, rng)
        # earlier-coded documents outside the subframe: their would-be stratum
        old_st = _stratum(old, _ratio(model, old)) if len(old) else pd.Series(dtype=str)
        all_st = pd.concat([st, old_st])
        all_st = all_st[~all_st.index.duplicated()]
        by_id = pd.concat([arts, old]).drop_duplicates("doc_id").set_index("doc_id")
        for d, s in picked.items():
            r = by_id.loc[d]
            texts[(name, d)] = (str(r.get("title", "") or ""), str(r["text"]))
            rows.append({"corpus": name, "doc_id": d, "stratum": s, "N_stratum": int(sizes[s]),
                         "n_stratum": taken[s],
                         "subframe_size": m, "corpus_size": corpus_size, "q3": q3[s],
                         "recoded": "0" if d in coded_ids else "1"})
        for d in coded_ids - set(picked):  # earlier docs not drawn: their q3 still counts
            s = all_st.get(d, "")
            rows.append({"corpus": name, "doc_id": d, "stratum": s or "p3-none",
                         "N_stratum": int(sizes.get(s, 0)) if s else 0,
                         "n_stratum": 0, "subframe_size": m, "corpus_size": corpus_size,
                         "q3": q3.get(s, 0.0), "recoded": "earlier"})
        print(name, m, sizes.to_dict(), {s: sum(v == s for v in picked.values()) for s in STRATA},
              "already coded:", sum(d in coded_ids for d in picked), flush=True)
    d3 = pd.DataFrame(rows)
    new = d3[d3["recoded"] == "1"].reset_index(drop=True)
    order = rng.permutation(len(new))
    new["item"], new["coder1_packet"], new["coder2_packet"] = "", "", ""
    for k, i in enumerate(order):
        new.loc[i, "item"] = f"{k + 2001:04d}"
        new.loc[i, "coder1_packet"] = f"G{k % args.n_coders + 1}"
    if args.n_second:
        second = rng.choice(len(new), size=min(args.n_second, len(new)), replace=False)
        new.loc[second, "coder2_packet"] = "H1"
    write_packets(new, texts, packets)
    d3 = d3.merge(new[["corpus", "doc_id", "item", "coder1_packet", "coder2_packet"]],
                  on=["corpus", "doc_id"], how="left").fillna("")
    d3["phase"] = np.where(d3["recoded"] == "1", "3", "")
    cols = ["corpus", "doc_id", "item", "phase", "stratum", "N_stratum", "n_stratum",
            "subframe_size", "corpus_size", "q3", "recoded", "coder1_packet", "coder2_packet"]
    d3[cols].sort_values(["corpus", "doc_id"]).to_csv(LABELS / "design3.csv", index=False)
    print(new.groupby(["corpus", "stratum"]).size().to_string())
    print(f"wrote {LABELS / 'design3.csv'} and packets in {packets}")


if __name__ == "__main__":
    main()
