"""Phase 6 of the coded real sample (issue 15): documents about satisfaction.

After phase 5 the coded sample held 40 satisfaction positives in 1,763 documents and the
model's held-out satisfaction F1 was 0.27: too few positives to learn from or to measure
with. Phase 2's satisfaction stratum (a satisfaction word and an administrative word
anywhere) gave none in 199 documents: its words ("hài lòng", "khảo sát", "kiến nghị") are
everyday words. Phase 6 uses a narrower rule, written before any of its documents was read:

* ``p6-satcore``: a survey or index of public services or governance by name (PCI, PAPI,
  SIPAS, DDCI, PAR INDEX), or a phrase of measured satisfaction with services ("chỉ số /
  mức độ hài lòng", "sự hài lòng của người dân / doanh nghiệp ...", "hài lòng với dịch vụ /
  thủ tục ...", "khảo sát sự hài lòng", the names of the PCI and the governance index);
* ``p6-satfeedback``: otherwise, a channel for citizens' feedback and complaints
  ("phản ánh, kiến nghị", "đường dây nóng", "kênh phản ánh", officials rated by citizens).

The rule (:func:`stratum`) is a fixed function of the headline and text (NFC, lower-cased
except for the acronyms, the given segmentation's ``_`` read as a space). It is applied to
**every** document of three corpora (no subframe): vnds-train, vn4news2020 and news-feed
(dantri-unc, 2,653 articles with 46 documents in the two strata, is left out: its earlier
draws replay from its folder of files, which the replay scripts of phases 1-3 read only as
a whole corpus), so a document's phase-6
probability is exactly ``q6 = n_s / N_s`` within its stratum and 0 outside both.

**Combined probability.** ``pi = 1 - (1 - pi12345) * (1 - q6)``. For documents coded
earlier ``pi12345`` is ``design5.csv``'s ``pi``. For documents new in phase 6 it is
computed by replaying every earlier draw from the commit it was made with and checking
each replay against every recorded stratum: in vnds-train and vn4news2020 phases 1-4 as
``draw_phase5.py`` does (``--old02``, ``--old03``, ``--old04``) and phase 5 from 6286a91
(``--old05``, ``git worktree add --detach /tmp/old05 6286a91``: the phase-4 model and the
feature code then), so ``pi12345 = 1 - (1 - pi1234)(1 - q5)``; in news-feed, which
phases 4 and 5 did not sample, phases 1-3 (``q4 = q5 = 0``).

Four first coders (packets S1-S4); ``--n-second`` random new items are coded again blind,
coder j+1 second-coding coder j's items (packets T1-T4), never seeing the first verdicts.
Writes ``benchmarks/labels/coded/design6.csv`` (ids, strata, probabilities: no text) and
the packets under ``--packets`` (text: never commit them).

    CIVICTEXT_SHARED_CORPORA=../shared/corpora .venv/bin/python benchmarks/coding/draw_phase6.py
"""
from __future__ import annotations

import argparse
import re
import sys
import tempfile
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from _realcorpora import shared_root  # type: ignore[import-not-found]  # noqa: E402
from draw_phase3 import SUBFRAMES as P3_SUBFRAMES  # type: ignore[import-not-found]  # noqa: E402
from draw_phase4 import earlier_probabilities  # type: ignore[import-not-found]  # noqa: E402
from draw_phase5 import prior1234, replayed_rates  # type: ignore[import-not-found]  # noqa: E402
from draw_sample import write_packets  # type: ignore[import-not-found]  # noqa: E402
from later_phase import LABELS, add_checkouts, corpus_lines, read_designs  # type: ignore[import-not-found]  # noqa: E402,E501

from civictext.ingest.reader import read_corpus  # noqa: E402

STRATA = ("p6-satcore", "p6-satfeedback")
ALLOC = {  # corpus: (satcore, satfeedback)
    "vnds-train": (35, 12),
    "vn4news2020": (35, 12),
    "news-feed": (30, 12),
}
#: corpora that phases 4 and 5 sampled (their new documents need those replays too)
LATER = ("vnds-train", "vn4news2020")

_ACRONYMS = re.compile(r"\b(PCI|PAPI|SIPAS|DDCI|PAR ?INDEX)\b")
_CORE = re.compile(
    r"(chỉ số hài lòng|mức độ hài lòng"
    r"|sự hài lòng của (người dân|nhân dân|tổ chức|doanh nghiệp|công dân)"
    r"|hài lòng (về|với) (dịch vụ|thủ tục|sự phục vụ|chất lượng phục vụ|cơ quan|cán bộ|thái độ)"
    r"|khảo sát (sự|mức độ|về mức độ) hài lòng|chỉ số năng lực cạnh tranh cấp tỉnh"
    r"|chỉ số hiệu quả quản trị|năng lực cạnh tranh cấp sở|đánh giá (sự|mức độ) hài lòng"
    r"|không hài lòng (về|với))")
_FEEDBACK = re.compile(
    r"(phản ánh,? kiến nghị|đường dây nóng|tiếp nhận phản ánh|ứng dụng phản ánh|kênh phản ánh"
    r"|hộp thư góp ý|góp ý của người dân|chấm điểm (cán bộ|công chức|cơ quan)"
    r"|đánh giá (cán bộ|công chức) (qua|bằng))")


def stratum(title: str, text: str) -> str:
    """A document's phase-6 stratum ("" outside both)."""
    t = unicodedata.normalize("NFC", f"{title or ''}\n{text}").replace("_", " ")
    if _ACRONYMS.search(t) or _CORE.search(t.lower()):
        return STRATA[0]
    return STRATA[1] if _FEEDBACK.search(t.lower()) else ""


def corpus_path(name: str) -> Path:
    return shared_root() / P3_SUBFRAMES[name][0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=616)
    ap.add_argument("--packets", default="/tmp/coding6")
    add_checkouts(ap, (2, 3, 4, 5))
    ap.add_argument("--n-coders", type=int, default=4)
    ap.add_argument("--n-second", type=int, default=48)
    args = ap.parse_args()
    d12, d3, d4, d5 = read_designs(5)
    rng = np.random.default_rng(args.seed)
    packets = Path(args.packets)
    packets.mkdir(parents=True, exist_ok=True)
    before = {(r.corpus, r.doc_id): float(r.pi) for r in d5.itertuples()}
    rows, texts = [], {}
    with tempfile.TemporaryDirectory() as t:
        tmp = Path(t)
        for name, alloc in ALLOC.items():
            src = corpus_path(name)
            arts = read_corpus(src).drop_duplicates("doc_id").reset_index(drop=True)
            arts["doc_id"] = arts["doc_id"].astype(str)
            st = pd.Series([stratum(a, b) for a, b in zip(arts["title"].fillna("").astype(str),
                                                          arts["text"].astype(str))],
                           index=arts["doc_id"])
            corpus_size = len(arts)
            sizes = st.value_counts()
            picked, q = {}, {}
            for s, n in zip(STRATA, alloc):
                members = np.sort(st.index[st == s].to_numpy())
                take = min(n, len(members))
                for d in rng.choice(members, size=take, replace=False):
                    picked[str(d)] = s
                q[s] = take / len(members) if len(members) else 0.0
            coded_ids = set(d5.loc[d5["corpus"] == name, "doc_id"])
            new = {d for d in picked if d not in coded_ids}
            pri = pri_before(name, new, tmp, args, d12, d3, d4, d5)
            by_id = arts.set_index("doc_id")
            for d, s in picked.items():
                r = by_id.loc[d]
                texts[(name, d)] = (str(r.get("title", "") or ""), str(r["text"]))
            for d in sorted(set(picked) | coded_ids):
                s = st.get(d, "")
                drawn = d in picked
                rows.append({"corpus": name, "doc_id": d, "stratum": s or "p6-none",
                             "N_stratum": int(sizes.get(s, 0)) if s else 0,
                             "n_stratum": sum(v == s for v in picked.values()) if drawn else 0,
                             "subframe_size": corpus_size, "corpus_size": corpus_size,
                             "q6": q.get(s, 0.0), "recoded": "1" if d in new else
                             ("0" if drawn else "earlier"),
                             "pi12345": pri[d] if d in new else before[(name, d)]})
            print(name, corpus_size, {s: int(sizes.get(s, 0)) for s in STRATA},
                  {s: sum(v == s for v in picked.values()) for s in STRATA},
                  "already coded:", len(picked) - len(new), flush=True)
    for r in d5[~d5["corpus"].isin(list(ALLOC))].itertuples():  # corpora not sampled
        rows.append({"corpus": r.corpus, "doc_id": r.doc_id, "stratum": "p6-none",
                     "N_stratum": 0, "n_stratum": 0, "subframe_size": 0,
                     "corpus_size": int(r.corpus_size), "q6": 0.0, "recoded": "earlier",
                     "pi12345": float(r.pi)})
    design = pd.DataFrame(rows)
    design["pi"] = 1 - (1 - design["pi12345"]) * (1 - design["q6"])
    new = design[design["recoded"] == "1"].reset_index(drop=True)
    order = rng.permutation(len(new))
    new["item"], new["coder1_packet"], new["coder2_packet"] = "", "", ""
    for k, i in enumerate(order):
        new.loc[i, "item"] = f"{k + 5001:04d}"
        new.loc[i, "coder1_packet"] = f"S{k % args.n_coders + 1}"
    for i in rng.choice(len(new), size=min(args.n_second, len(new)), replace=False):
        j = int(new.loc[i, "coder1_packet"][1:]) % args.n_coders + 1  # coder j+1 codes j's
        new.loc[i, "coder2_packet"] = f"T{j}"
    write_packets(new, texts, packets)
    design = design.merge(new[["corpus", "doc_id", "item", "coder1_packet", "coder2_packet"]],
                          on=["corpus", "doc_id"], how="left").fillna("")
    design["phase"] = np.where(design["recoded"] == "1", "6", "")
    cols = ["corpus", "doc_id", "item", "phase", "stratum", "N_stratum", "n_stratum",
            "subframe_size", "corpus_size", "q6", "recoded", "coder1_packet", "coder2_packet",
            "pi12345", "pi"]
    out = LABELS / "design6.csv"
    design[cols].sort_values(["corpus", "doc_id"]).to_csv(out, index=False)
    print(new.groupby(["corpus", "stratum"]).size().to_string())
    print(f"wrote {out} and packets in {packets}")


def pri_before(name: str, new: set[str], tmp: Path, args: argparse.Namespace,
               d12: pd.DataFrame, d3: pd.DataFrame, d4: pd.DataFrame, d5: pd.DataFrame
               ) -> dict[str, float]:
    """``pi12345`` of the documents new in phase 6, from replays of every earlier draw."""
    lines = corpus_lines(name)
    if name not in LATER:
        return earlier_probabilities(name, lines, new, d12, d3, Path(args.old02),
                                     Path(args.old03), tmp)
    pi1234 = prior1234(name, lines, new, tmp, d12=d12, d3=d3, d4=d4, old02=Path(args.old02),
                       old03=Path(args.old03), old04=Path(args.old04))
    st5, q5 = replayed_rates(5, name, lines, new, d5[d5["corpus"] == name], Path(args.old05),
                             tmp)
    return {d: 1 - (1 - pi1234[d]) * (1 - q5.get(st5.get(d, ""), 0.0)) for d in new}


if __name__ == "__main__":
    main()
