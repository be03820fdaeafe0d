"""The draw of a later coding phase (4, 5, ...), one function for every phase (issue 15).

A later phase repeats phase 3's design (``draw_phase3.py``) in the corpora of full
articles: per corpus a fresh seeded simple random subframe of ``m`` of the corpus's
``N`` documents is scored by the model shipped when the phase is drawn; ``r`` is the
largest ratio of a theme's probability to its threshold; strata ``pK-positive``
(``r >= 1``), ``pK-near`` (``0.4 <= r < 1``) and ``pK-broad`` (``r < 0.4`` with a word of
:data:`draw_sample.BROAD`) are each sampled by simple random sampling, documents coded
earlier included (their codes are reused). A document's phase-K probability is
``qK = m / N * n_s / N_s`` (0 outside the strata and in the other corpora) and its
combined probability ``pi = 1 - (1 - pi_before) * (1 - qK)``, where ``pi_before`` is
the previous design's ``pi`` for documents coded earlier and, for documents new in
phase K, comes from replaying every earlier draw from the commit it was made with
(``prior`` below, checked against every recorded stratum by the caller).

Writes ``benchmarks/labels/coded/designK.csv`` (ids, strata, probabilities: no text)
and the coding packets, which hold text (never commit them).
"""
from __future__ import annotations

import gzip
import json
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from _realcorpora import shared_root  # type: ignore[import-not-found]  # noqa: E402
from draw_phase3 import STRATA as P3_STRATA  # type: ignore[import-not-found]  # noqa: E402
from draw_phase3 import SUBFRAMES as P3_SUBFRAMES  # type: ignore[import-not-found]  # noqa: E402
from draw_phase3 import _ratio, _stratum, draw_strata  # type: ignore[import-not-found]  # noqa: E402
from draw_sample import write_packets  # type: ignore[import-not-found]  # noqa: E402

from civictext.ingest.reader import read_corpus  # noqa: E402

LABELS = HERE.parent / "labels" / "coded"
#: corpus: (path in the shared corpora, subframe size m): phase 3's two corpora of full articles
SUBFRAMES = {name: P3_SUBFRAMES[name] for name in ("vnds-train", "vn4news2020")}


#: phase -> the commit its draw is replayed from (a checkout given as ``--oldNN``)
CHECKOUTS = {2: "2174ad4", 3: "bb090a2", 4: "602bf23", 5: "6286a91", 7: "8bf7e5c",
             8: "7dc98f2"}


def add_checkouts(ap, phases: tuple[int, ...]) -> None:
    """``--oldNN`` options (default ``/tmp/oldNN``) for the checkouts of ``phases``."""
    for k in phases:
        ap.add_argument(f"--old{k:02d}", default=f"/tmp/old{k:02d}",
                        help=f"checkout of commit {CHECKOUTS[k]}")


def add_frame_options(ap, frame_seed: int) -> None:
    """``--frame-seed`` and ``--frames-only`` of :func:`draw_later_phase`."""
    ap.add_argument("--frame-seed", type=int, default=frame_seed)
    ap.add_argument("--frames-only", action="store_true",
                    help="score the subframes, print the stratum sizes, draw nothing")


def read_designs(last: int) -> list[pd.DataFrame]:
    """``design.csv`` (phases 1-2) and ``design3.csv`` ... ``design{last}.csv``, as text."""
    names = ["design.csv"] + [f"design{k}.csv" for k in range(3, last + 1)]
    return [pd.read_csv(LABELS / f, dtype=str, keep_default_na=False) for f in names]


def strata_names(phase: int) -> tuple[str, ...]:
    return tuple(s.replace("p3-", f"p{phase}-") for s in P3_STRATA)


def stratum_rule(phase: int) -> Callable[[pd.DataFrame, object], pd.Series]:
    """Phase 3's strata rule under a model, with phase ``phase``'s names."""
    rename = dict(zip(P3_STRATA, strata_names(phase)))

    def rule(arts: pd.DataFrame, model) -> pd.Series:
        return _stratum(arts, _ratio(model, arts)).map(lambda s: rename.get(s, s))
    return rule


def corpus_lines(name: str) -> list[str]:
    """The lines of a corpus file of the shared corpora (phase 3's paths)."""
    with gzip.open(shared_root() / P3_SUBFRAMES[name][0], "rt", encoding="utf-8") as fh:
        return fh.readlines()


def write_lines(lines: list[str], path: Path) -> Path:
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        fh.writelines(lines)
    return path


def ids_subset(lines: list[str], ids: set[str], path: Path) -> Path:
    return write_lines([ln for ln in lines if str(json.loads(ln).get("id")) in ids], path)


def stratum_rates(rows: pd.DataFrame, col: str) -> dict[str, float]:
    """Stratum -> the phase's probability ``col`` (``qK``) of the strata that were drawn."""
    return {r.stratum: float(getattr(r, col)) for r in rows[rows["n_stratum"].astype(int) > 0]
            .drop_duplicates("stratum").itertuples()}


def draw_later_phase(*, phase: int, seed: int, alloc: dict[str, tuple[int, int, int]],
                     previous: pd.DataFrame, model,
                     prior: Callable[[str, list[str], set[str], Path], dict[str, float]],
                     packets: Path, tmp: Path, n_coders: int, n_second: int,
                     first_letter: str, second_letter: str, item_start: int,
                     second_coders: int = 1,
                     out: Path | None = None,
                     rule: Callable[[pd.DataFrame, object], pd.Series] | None = None,
                     strata: tuple[str, ...] | None = None,
                     subframes: dict[str, tuple[str, int]] | None = None,
                     frames_only: bool = False,
                     frame_seed: int | None = None) -> pd.DataFrame | None:
    """Draw phase ``phase`` and write its design (``out``, default ``designK.csv``).

    ``previous``: the previous phase's design over every coded document (``corpus,
    doc_id, corpus_size, pi``). ``prior(name, lines, new_ids, tmp)``: the combined
    probability of all earlier phases for documents new in this phase. Items are
    numbered from ``item_start`` and dealt in turn to first coders
    ``<first_letter>1..n_coders``; ``n_second`` random new items also go to a blind
    second coder: packet ``<second_letter>1`` when ``second_coders == 1``, else
    ``<second_letter>j`` where ``j`` is the item's first coder's number plus one
    (wrapping): coder j+1 second-codes coder j's items, never their own. ``rule``
    (``rule(arts, model)``: each document's stratum, "" outside), ``strata`` (its strata
    in allocation order) and ``subframes`` (corpus: (path, m)) default to phase 3's rule
    under phase K's names and :data:`SUBFRAMES`. ``frames_only``: score the subframes,
    cache their strata in ``packets/frames`` and print the stratum sizes, then stop (the
    allocation can be chosen from the sizes before any document is drawn or read; a
    rerun with the same seed draws from the same subframes). ``frame_seed``: draw each
    corpus's subframe from its own generator (``default_rng([frame_seed, k])`` for the
    k-th corpus), so the subframes do not depend on the allocation (phases 4 and 5 drew
    them from the one generator ``seed`` that then draws the strata).
    """
    qcol, pcol = f"q{phase}", "pi" + "".join(str(k) for k in range(1, phase))
    strata = strata or strata_names(phase)
    rule = rule or stratum_rule(phase)
    rng = np.random.default_rng(seed)
    packets.mkdir(parents=True, exist_ok=True)
    before = {(r.corpus, r.doc_id): float(r.pi) for r in previous.itertuples()}
    rows, texts = [], {}
    subframes = subframes or SUBFRAMES
    for k, (name, (_, m)) in enumerate(subframes.items()):
        coded_ids = set(previous.loc[previous["corpus"] == name, "doc_id"])
        lines = corpus_lines(name)
        corpus_size = len(lines)
        frame_rng = rng if frame_seed is None else np.random.default_rng([frame_seed, k])
        keep = set(np.sort(frame_rng.choice(corpus_size, size=m, replace=False)).tolist())
        arts = read_corpus(write_lines([ln for i, ln in enumerate(lines) if i in keep],
                                       tmp / f"{name}.frame.jsonl.gz"))
        cache = packets / "frames" / f"{name}.strata.csv"
        rename = dict(zip(P3_STRATA, strata_names(phase)))  # a cache written by phase 3's names
        if cache.exists():  # a rerun: the same seed and model give the same strata
            st = pd.read_csv(cache, dtype=str, keep_default_na=False).set_index("doc_id")["s"]
            st = st.map(lambda s: rename.get(s, s))
            assert list(st.index) == list(arts["doc_id"].astype(str)), cache
        else:
            st = rule(arts, model)
            cache.parent.mkdir(exist_ok=True)
            st.rename("s").rename_axis("doc_id").reset_index().to_csv(cache, index=False)
        sizes = st.value_counts()
        if frames_only:
            print(name, m, "of", corpus_size, sizes.to_dict(), flush=True)
            continue
        picked, q, taken = draw_strata(st, strata, alloc[name], m / corpus_size, rng)
        outside = coded_ids - set(st.index)
        old = read_corpus(ids_subset(lines, outside, tmp / f"{name}.old.jsonl.gz"))
        old_st = rule(old, model) if len(old) else pd.Series(dtype=str)
        all_st = pd.concat([st, old_st])
        all_st = all_st[~all_st.index.duplicated()]
        new = {d for d in picked if d not in coded_ids}
        pri = prior(name, lines, new, tmp)
        by_id = arts.drop_duplicates("doc_id").set_index("doc_id")
        for d, s in picked.items():
            r = by_id.loc[d]
            texts[(name, d)] = (str(r.get("title", "") or ""), str(r["text"]))
            rows.append({"corpus": name, "doc_id": d, "stratum": s, "N_stratum": int(sizes[s]),
                         "n_stratum": taken[s], "subframe_size": m, "corpus_size": corpus_size,
                         qcol: q[s], "recoded": "1" if d in new else "0",
                         pcol: pri[d] if d in new else before[(name, d)]})
        for d in coded_ids - set(picked):
            s = all_st.get(d, "")
            rows.append({"corpus": name, "doc_id": d, "stratum": s or f"p{phase}-none",
                         "N_stratum": int(sizes.get(s, 0)) if s else 0, "n_stratum": 0,
                         "subframe_size": m, "corpus_size": corpus_size,
                         qcol: q.get(s, 0.0), "recoded": "earlier", pcol: before[(name, d)]})
        print(name, m, sizes.to_dict(), {s: sum(v == s for v in picked.values()) for s in strata},
              "already coded:", len(picked) - len(new), flush=True)
    if frames_only:
        return None
    for r in previous[~previous["corpus"].isin(list(subframes))].itertuples():  # not sampled
        rows.append({"corpus": r.corpus, "doc_id": r.doc_id, "stratum": f"p{phase}-none",
                     "N_stratum": 0, "n_stratum": 0, "subframe_size": 0,
                     "corpus_size": int(r.corpus_size), qcol: 0.0, "recoded": "earlier",
                     pcol: float(r.pi)})
    design = pd.DataFrame(rows)
    design["pi"] = 1 - (1 - design[pcol]) * (1 - design[qcol])
    new = design[design["recoded"] == "1"].reset_index(drop=True)
    order = rng.permutation(len(new))
    new["item"], new["coder1_packet"], new["coder2_packet"] = "", "", ""
    for k, i in enumerate(order):
        new.loc[i, "item"] = f"{k + item_start:04d}"
        new.loc[i, "coder1_packet"] = f"{first_letter}{k % n_coders + 1}"
    second = rng.choice(len(new), size=min(n_second, len(new)), replace=False)
    for i in second:  # one second coder, or coder j+1 second-codes coder j's items
        j = 1 if second_coders == 1 else int(new.loc[i, "coder1_packet"][1:]) % n_coders + 1
        new.loc[i, "coder2_packet"] = f"{second_letter}{j}"
    write_packets(new, texts, packets)
    design = design.merge(new[["corpus", "doc_id", "item", "coder1_packet", "coder2_packet"]],
                          on=["corpus", "doc_id"], how="left").fillna("")
    design["phase"] = np.where(design["recoded"] == "1", str(phase), "")
    cols = ["corpus", "doc_id", "item", "phase", "stratum", "N_stratum", "n_stratum",
            "subframe_size", "corpus_size", qcol, "recoded", "coder1_packet", "coder2_packet",
            pcol, "pi"]
    out = out or LABELS / f"design{phase}.csv"
    design[cols].sort_values(["corpus", "doc_id"]).to_csv(out, index=False)
    print(new.groupby(["corpus", "stratum"]).size().to_string())
    print(f"wrote {out} and packets in {packets}")
    return design
