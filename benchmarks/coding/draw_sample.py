"""Draw the coded real sample (issue 15): a written stratified design over four corpora.

Population. For each shared corpus a seeded random subset (the *frame*) is read:
``vnds-train`` 20,000 of 52,625 articles, ``vn4news2020`` 20,000 of 100,225
bodies, ``news-feed`` 20,000 of 153,825 items, ``dantri-unc`` all 2,653. A frame
is a simple random sample of its corpus, so frame-weighted estimates are
unbiased for the whole corpus (the corpus-level weight is ``1 / pi_corpus``).

Strata (per corpus, mutually exclusive, assigned in this order, with the 0.2
lexicons and rules, ``n_tokens`` not needed):

* ``present``   a theme is present under the focus rule (any theme);
* ``mentioned`` a theme is mentioned (score >= 1) but present for none;
* ``keyword``   no theme mentioned, but a broad administrative word occurs
                (:data:`BROAD`: words that are not lexicon terms, chosen to
                catch relevant articles the lexicons miss);
* ``random``    everything else (plain random articles).

Allocation per corpus: 45 / 40 / 45 / 30; a stratum with fewer documents is
taken whole and the remainder goes to ``keyword``. Within a stratum documents
are drawn without replacement with equal probability, so
``pi = n_stratum / N_stratum * frame_size / corpus_size``.

A second coder codes a stratified random 160 of the 640 (40 per corpus).

**Phase 2** (``--phase 2``; drawn after the first round had found only 17
satisfaction and 43 conduct positives among 640). Phase 1 is replayed exactly,
then in each corpus two supplementary strata are defined over the frame's
documents *not sampled in phase 1*: ``p2-satisfaction`` (a satisfaction-type word
of :data:`SAT_WORDS` and a public-administration word of :data:`ADMIN_WORDS` in
the text) and ``p2-conduct`` (a conduct-type word of :data:`CONDUCT_WORDS` and an
officials word of :data:`OFFICIAL_WORDS`; documents in both go to
``p2-satisfaction``). 50 and 35 documents are drawn from them by simple random
sampling, with a separate generator (seed + 1). A document's final inclusion
probability within the frame is ``pi1 + (1 - pi1) * q2``, where ``pi1`` is its
phase-1 probability and ``q2 = n2 / N2`` the phase-2 sampling rate of the supplementary
stratum it falls in (``q2 = 0`` outside them); this holds for phase-1 documents
in those strata too, whose ``pi`` is updated. ``N2`` excludes the phase-1 sample,
so the formula is the usual approximation that treats the phase-1 sample size in
the stratum as fixed; the corpus-level ``pi`` multiplies it by ``frame_size /
corpus_size``.

Writes ``benchmarks/labels/coded/design.csv`` (ids, strata, probabilities: no
text) and the coding packets, which hold text, under ``--packets`` (default
``/tmp/coding``, outside the repository: never commit them).

    PYTHONPATH=. .venv/bin/python benchmarks/coding/draw_sample.py --seed 15
"""
from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _realcorpora import shared_root  # type: ignore[import-not-found]  # noqa: E402

from civictext.ingest.reader import read_corpus  # noqa: E402
from civictext.themes.scoring import score_themes  # noqa: E402

FRAMES = {  # name: (relative path, frame size or None for all)
    "vnds-train": ("vnds-train/articles.seg.jsonl.gz", 20000),
    "vn4news2020": ("vn4news2020/articles.jsonl.gz", 20000),
    "news-feed": ("news-feed/articles.jsonl.gz", 20000),
    "dantri-unc": ("dantri-unc/articles", None),
}
ALLOC = {"present": 45, "mentioned": 40, "keyword": 45, "random": 30}
SECOND_PER_CORPUS = 40

#: Broad administrative words (lower case, NFC): not lexicon terms themselves.
BROAD = [
    "hành chính", "thủ tục", "công chức", "viên chức", "biên chế", "công vụ",
    "bộ máy", "tinh giản", "sáp nhập", "dịch vụ công", "một cửa", "cổng thông tin",
    "trực tuyến", "chính quyền điện tử", "chính phủ điện tử", "chính phủ số",
    "chuyển đổi số", "kỷ luật", "kỷ cương", "ứng xử", "đạo đức", "thái độ",
    "phiền hà", "nhũng nhiễu", "hách dịch", "tiêu cực", "phong bì", "bôi trơn",
    "vòi tiền", "hài lòng", "khảo sát", "đánh giá", "chỉ số", "phản ánh",
    "kiến nghị", "khiếu nại", "tiếp công dân", "đường dây nóng", "góp ý",
    "giấy phép", "hồ sơ", "sổ đỏ", "cấp phép", "doanh nghiệp phản ánh",
]
_BROAD_RE = re.compile("|".join(re.escape(w) for w in BROAD))

SAT_WORDS = ["hài lòng", "khảo sát", "kiến nghị", "đường dây nóng", "niềm tin",
             "tiếp công dân", "giải trình", "chấm điểm", "PCI", "PAPI", "SIPAS", "DDCI", "APCI"]
ADMIN_WORDS = ["người dân", "doanh nghiệp", "chính quyền", "cơ quan", "UBND", "dịch vụ công",
               "hành chính", "cán bộ", "công chức", "thủ tục"]
CONDUCT_WORDS = ["kỷ luật", "kỷ cương", "ứng xử", "thái độ", "nhũng nhiễu", "phiền hà",
                 "hách dịch", "phong bì", "bôi trơn", "vòi tiền", "đạo đức", "văn hóa công sở",
                 "đi muộn", "bỏ vị trí", "giờ hành chính", "khiển trách", "cảnh cáo"]
OFFICIAL_WORDS = ["cán bộ", "công chức", "viên chức", "cơ quan", "UBND", "chủ tịch", "công an",
                  "cảnh sát", "giáo viên", "bác sĩ", "nhân viên y tế", "đảng viên"]
P2_ALLOC = {"p2-satisfaction": 50, "p2-conduct": 35}


def _any(words: list[str], text: str) -> bool:
    low = text.lower()
    return any((w in text) if w.isupper() else (w in low) for w in words)


def _frame(name: str, rng: np.random.Generator, tmp: Path) -> tuple[pd.DataFrame, int]:
    rel, size = FRAMES[name]
    path = shared_root() / rel
    if size is None:
        arts = read_corpus(path)
        return arts, len(arts)
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        lines = fh.readlines()
    keep = np.sort(rng.choice(len(lines), size=size, replace=False))
    out = tmp / f"{name}.jsonl.gz"
    with gzip.open(out, "wt", encoding="utf-8") as fh:
        fh.writelines(lines[i] for i in keep)
    return read_corpus(out), len(lines)


def strata(arts: pd.DataFrame) -> pd.Series:
    ids = arts["doc_id"].astype(str)
    sc = score_themes(arts, n_tokens=pd.Series(1, index=ids.values))
    present = sc.groupby("doc_id")["present"].any()
    mentioned = sc.groupby("doc_id")["mentioned"].any()
    broad = pd.Series([bool(_BROAD_RE.search(t.lower())) for t in arts["text"]], index=ids.values)
    out = pd.Series("random", index=ids.values)
    out[broad.reindex(ids.values).values] = "keyword"
    out[mentioned.reindex(ids.values).values] = "mentioned"
    out[present.reindex(ids.values).values] = "present"
    return out


def draw(st: pd.Series, rng: np.random.Generator) -> pd.DataFrame:
    sizes = st.value_counts()
    want = dict(ALLOC)
    for s in ("present", "mentioned", "random"):
        have = int(sizes.get(s, 0))
        if have < want[s]:
            want["keyword"] += want[s] - have
            want[s] = have
    rows = []
    for s, n in want.items():
        pool = np.sort(st.index[st.values == s].to_numpy())
        n = min(n, len(pool))
        picked = rng.choice(pool, size=n, replace=False)
        for d in picked:
            rows.append({"doc_id": d, "stratum": s, "N_stratum": len(pool), "n_stratum": n})
    return pd.DataFrame(rows)


def excerpt(text: str, limit: int = 3200) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - 600]
    cut = head.rfind(" ")
    head = head[:cut] if cut > 0 else head
    rest = text[len(head):]
    # later sentences with a broad administrative word, so the coder sees what the rest is about
    sents = [s.strip() for s in re.split(r"(?<=[.!?…])\s+|\n+", rest) if s.strip()]
    later = [s for s in sents if _BROAD_RE.search(s.lower())][:4]
    tail = " […] ".join(later)
    return f"{head} […]" + (f"\n[later in the article:] {tail}" if tail else "") + \
        f"\n[article length: {len(text)} characters]"


def write_packets(design: pd.DataFrame, texts: dict, packets: Path) -> None:
    """One text file per coder packet (``coder1_packet``/``coder2_packet`` values):
    items in item order, each the title and an excerpt; no ids, strata or scores."""
    for col in ("coder1_packet", "coder2_packet"):
        for p in sorted(x for x in design[col].unique() if x):
            sub = design[design[col] == p].sort_values("item")
            with open(packets / f"packet_{p}.txt", "w", encoding="utf-8") as fh:
                for _, r in sub.iterrows():
                    title, text = texts[(r["corpus"], r["doc_id"])]
                    shown = text if not title or text.startswith(title) else f"{title}\n\n{text}"
                    fh.write(f"===== ITEM {r['item']} =====\n{excerpt(shown)}\n\n")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=15)
    ap.add_argument("--packets", default="/tmp/coding")
    ap.add_argument("--n-coders", type=int, default=3)
    ap.add_argument("--n-second", type=int, default=1)
    ap.add_argument("--phase", type=int, choices=[1, 2], default=1)
    args = ap.parse_args()
    if args.phase == 2:
        return phase2(args)
    rng = np.random.default_rng(args.seed)
    packets = Path(args.packets)
    packets.mkdir(parents=True, exist_ok=True)
    tmp = packets / "frames"
    tmp.mkdir(exist_ok=True)
    design, texts = [], {}
    for name in FRAMES:
        arts, corpus_size = _frame(name, rng, tmp)
        st = strata(arts)
        d = draw(st, rng)
        d.insert(0, "corpus", name)
        d["frame_size"] = len(arts)
        d["corpus_size"] = corpus_size
        d["pi"] = d["n_stratum"] / d["N_stratum"] * len(arts) / corpus_size
        design.append(d)
        by_id = arts.set_index(arts["doc_id"].astype(str))
        for doc in d["doc_id"]:
            r = by_id.loc[doc]
            texts[(name, doc)] = (str(r.get("title", "") or ""), str(r["text"]))
        print(name, len(arts), st.value_counts().to_dict(), flush=True)
    design = pd.concat(design, ignore_index=True)
    # coder assignment: shuffled, item numbers are packet-local (no ids, strata or corpus shown)
    order = rng.permutation(len(design))
    design["item"] = ""
    design["coder1_packet"] = ""
    for k, i in enumerate(order):
        design.loc[i, "coder1_packet"] = f"A{k % args.n_coders + 1}"
        design.loc[i, "item"] = f"{k + 1:04d}"
    second = []
    for name, g in design.groupby("corpus", sort=True):
        second.extend(rng.choice(g.index.to_numpy(), size=min(SECOND_PER_CORPUS, len(g)), replace=False))
    second = rng.permutation(np.array(second))
    design["coder2_packet"] = ""
    for k, i in enumerate(second):
        design.loc[i, "coder2_packet"] = f"B{k % args.n_second + 1}"
    write_packets(design, texts, packets)
    out = Path(__file__).resolve().parents[1] / "labels" / "coded" / "design.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    cols = ["corpus", "doc_id", "item", "stratum", "N_stratum", "n_stratum", "frame_size",
            "corpus_size", "pi", "coder1_packet", "coder2_packet"]
    design[cols].to_csv(out, index=False)
    print(design.groupby(["corpus", "stratum"]).size().to_string())
    print(f"wrote {out} and packets in {packets}")


def phase2(args: argparse.Namespace) -> None:
    """Replay phase 1, then draw the supplementary strata (see the module docstring)."""
    rng = np.random.default_rng(args.seed)
    rng2 = np.random.default_rng(args.seed + 1)
    packets = Path(args.packets)
    tmp = packets / "frames"
    tmp.mkdir(parents=True, exist_ok=True)
    out = Path(__file__).resolve().parents[1] / "labels" / "coded" / "design.csv"
    design = pd.read_csv(out, dtype=str, keep_default_na=False)
    design = design[design["phase"].isin(["", "1"])] if "phase" in design.columns else design
    rows, texts, pi_updates = [], {}, {}
    for name in FRAMES:
        arts, corpus_size = _frame(name, rng, tmp)
        st = strata(arts)
        d1 = draw(st, rng)  # replays phase 1 exactly
        mine = design[design["corpus"] == name]
        assert sorted(d1["doc_id"]) == sorted(mine["doc_id"]), f"phase 1 replay differs in {name}"
        ids = arts["doc_id"].astype(str).to_numpy()
        txt = arts["text"].astype(str).to_numpy()
        sat = np.array([_any(SAT_WORDS, t) and _any(ADMIN_WORDS, t) for t in txt])
        con = np.array([_any(CONDUCT_WORDS, t) and _any(OFFICIAL_WORDS, t) for t in txt]) & ~sat
        s2 = np.where(sat, "p2-satisfaction", np.where(con, "p2-conduct", ""))
        in1 = np.isin(ids, d1["doc_id"].to_numpy())
        q2 = {}
        for s, n in P2_ALLOC.items():
            pool = np.sort(ids[(s2 == s) & ~in1])
            n = min(n, len(pool))
            q2[s] = n / len(pool) if len(pool) else 0.0
            for doc in rng2.choice(pool, size=n, replace=False):
                rows.append({"corpus": name, "doc_id": doc, "stratum": s, "N_stratum": len(pool),
                             "n_stratum": n, "frame_size": len(arts), "corpus_size": corpus_size})
        frac = len(arts) / corpus_size
        by = dict(zip(ids, s2))
        for _, r in mine.iterrows():  # phase-1 documents: pi within the frame, then the frame's
            p1 = float(r["n_stratum"]) / float(r["N_stratum"])
            q = q2.get(by.get(r["doc_id"], ""), 0.0)
            pi_updates[(name, r["doc_id"])] = frac * (p1 + (1 - p1) * q)
        sizes = st.value_counts()
        n1 = d1.groupby("stratum").size()
        for rr in rows:  # phase-2 documents: their phase-1 stratum's rate, then the supplement's
            if rr["corpus"] == name:
                s1 = st.get(rr["doc_id"])
                p1 = float(n1.get(s1, 0)) / float(sizes.get(s1, 1))
                rr["phase1_stratum"] = s1
                rr["pi"] = frac * (p1 + (1 - p1) * q2[rr["stratum"]])
        by_id = arts.set_index(arts["doc_id"].astype(str))
        for rr in rows:
            if rr["corpus"] == name:
                r = by_id.loc[rr["doc_id"]]
                texts[(name, rr["doc_id"])] = (str(r.get("title", "") or ""), str(r["text"]))
        print(name, {s: int((s2 == s).sum()) for s in P2_ALLOC}, flush=True)
    d2 = pd.DataFrame(rows)
    design["phase"] = "1"
    design["pi"] = [pi_updates[(c, d)] for c, d in zip(design["corpus"], design["doc_id"])]
    order = rng2.permutation(len(d2))
    d2["item"] = ""
    d2["coder1_packet"] = ""
    d2["coder2_packet"] = ""
    d2["phase"] = "2"
    for k, i in enumerate(order):
        d2.loc[i, "item"] = f"{k + 1001:04d}"
        d2.loc[i, "coder1_packet"] = f"C{k % args.n_coders + 1}"
    second = rng2.choice(len(d2), size=min(80, len(d2)), replace=False)
    d2.loc[second, "coder2_packet"] = "D1"
    write_packets(d2, texts, packets)
    cols = ["corpus", "doc_id", "item", "phase", "stratum", "phase1_stratum", "N_stratum",
            "n_stratum", "frame_size", "corpus_size", "pi", "coder1_packet", "coder2_packet"]
    design["phase1_stratum"] = design["stratum"]
    allrows = pd.concat([design, d2], ignore_index=True)
    allrows[cols].to_csv(out, index=False)
    print(d2.groupby(["corpus", "stratum"]).size().to_string())


if __name__ == "__main__":
    main()
