"""Phase 8 of the coded real sample (issue 15): phase 7's design on fresh subframes.

Phase 7 (``draw_phase7.py``) drew where the model shipped after phase 6 said
satisfaction, in subframes of vnds-train (25,000) and vn4news2020 (12,000): its
satisfaction strata held 63 and 13 documents. Phase 8 repeats that design, with the same
model (shipped after phase 6, the model of phase 7's draw, loaded from a checkout of
8bf7e5c: ``--old07``) and phase 7's rule (:func:`draw_phase7.stratum7`, strata renamed
``p8-*``), on fresh seeded subframes drawn from their own generators (``--frame-seed``):
vnds-train 25,000, vn4news2020 24,000 and, new to the model-based phases, news-feed
60,000 (short items with a headline). ``q8 = m / N * n_s / N_s``; the allocation was
fixed after ``--frames-only`` printed the stratum sizes and before any document was
drawn or read.

**Combined probability.** ``pi = 1 - (1 - pi1234567) * (1 - q8)``: for documents coded
earlier ``pi1234567`` is ``design7.csv``'s ``pi``; for documents new in phase 8 it is
``1 - (1 - pi123456) * (1 - q7)``, with ``pi123456`` as in phase 7
(:func:`draw_phase7.prior123456`: phases 1-5 replayed from their commits, phase 6's rule)
and ``q7`` from replaying phase 7's rule under its model from the checkout ``--old07``,
checked against every recorded phase-7 stratum (news-feed was not sampled by phase 7:
``q7 = 0``).

Four first coders (packets X1-X4), ``--n-second`` random new items coded again blind by
coder j+1 (packets Y1-Y4). Writes ``benchmarks/labels/coded/design8.csv`` (ids, strata,
probabilities: no text) and the packets under ``--packets`` (text: never commit them).

    git worktree add --detach /tmp/old07 8bf7e5c
    CIVICTEXT_SHARED_CORPORA=../shared/corpora .venv/bin/python benchmarks/coding/draw_phase8.py --frames-only
    CIVICTEXT_SHARED_CORPORA=../shared/corpora .venv/bin/python benchmarks/coding/draw_phase8.py
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from draw_phase3 import SUBFRAMES as P3_SUBFRAMES  # type: ignore[import-not-found]  # noqa: E402
from draw_phase5 import replayed_rates  # type: ignore[import-not-found]  # noqa: E402
from draw_phase7 import STRATA as P7_STRATA  # type: ignore[import-not-found]  # noqa: E402
from draw_phase7 import prior123456, stratum7  # type: ignore[import-not-found]  # noqa: E402
from later_phase import add_checkouts, add_frame_options, draw_later_phase, read_designs  # type: ignore[import-not-found]  # noqa: E402,E501

from civictext.themes.model import load_theme_model  # noqa: E402

STRATA = tuple(s.replace("p7-", "p8-") for s in P7_STRATA)
#: corpus: (path in the shared corpora, subframe size m)
SUBFRAMES = {"vnds-train": (P3_SUBFRAMES["vnds-train"][0], 25_000),
             "vn4news2020": (P3_SUBFRAMES["vn4news2020"][0], 24_000),
             "news-feed": (P3_SUBFRAMES["news-feed"][0], 60_000)}
#: corpora phase 7 sampled (their new documents need its replay)
PHASE7 = ("vnds-train", "vn4news2020")
#: corpus: allocation in the order of STRATA, fixed after ``--frames-only`` printed the
#: subframes' stratum sizes (sathigh / sat / positive / near / broad: vnds-train 37 / 35 /
#: 915 / 312 / 9,316, vn4news2020 19 / 23 / 519 / 186 / 8,795, news-feed 8 / 10 / 363 /
#: 354 / 3,411) and before any document was drawn or read
ALLOC = {
    "vnds-train": (37, 20, 5, 3, 3),
    "vn4news2020": (19, 15, 6, 3, 3),
    "news-feed": (8, 10, 6, 4, 4),
}


def stratum8(arts: pd.DataFrame, model) -> pd.Series:
    """Phase 7's rule under phase 8's names ("" outside every stratum), by doc_id."""
    return stratum7(arts, model).map(lambda s: s.replace("p7-", "p8-") if s else s)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=818)
    add_frame_options(ap, 808)
    ap.add_argument("--packets", default="/tmp/coding8")
    add_checkouts(ap, (2, 3, 4, 5, 7))
    ap.add_argument("--n-coders", type=int, default=4)
    ap.add_argument("--n-second", type=int, default=40)
    args = ap.parse_args()
    d12, d3, d4, d5, d6, d7 = read_designs(7)
    old07 = Path(args.old07)

    def prior(name: str, lines: list[str], new: set[str], tmp: Path) -> dict[str, float]:
        pi123456 = prior123456(name, lines, new, tmp, args, d12, d3, d4, d5, d6)
        if name not in PHASE7:
            return pi123456
        st7, q7 = replayed_rates(7, name, lines, new, d7[d7["corpus"] == name], old07, tmp)
        return {d: 1 - (1 - pi123456[d]) * (1 - q7.get(st7.get(d, ""), 0.0)) for d in new}

    model = load_theme_model(old07 / "civictext" / "data" / "models" / "theme_model")
    with tempfile.TemporaryDirectory() as t:
        draw_later_phase(phase=8, seed=args.seed, alloc=ALLOC, previous=d7, model=model,
                         prior=prior, packets=Path(args.packets), tmp=Path(t),
                         n_coders=args.n_coders, n_second=args.n_second, first_letter="X",
                         second_letter="Y", item_start=7001, second_coders=4, rule=stratum8,
                         strata=STRATA, subframes=SUBFRAMES, frames_only=args.frames_only,
                         frame_seed=args.frame_seed)


if __name__ == "__main__":
    main()
