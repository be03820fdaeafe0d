"""Phase 9 of the coded real sample (issue 15): short news-feed items, where the model or
the mention rule says satisfaction.

The default reading (``presence="auto"``) reads satisfaction in texts of at most
``SHORT_MAX_TOKENS`` tokens with the mention rule, chosen on the news feed's 370 coded
items, of which 10 were satisfaction positives (F1 0.47 against the model's 0.28, paired
bootstrap difference 0.19, 95 % interval -0.10 to 0.48): a choice resting on very few
positives. Phase 9 codes more short items where either measure says satisfaction, and
some where neither does, so the two can be compared on more positives, and the model
learns from more short texts. The frame is the **whole** news feed (153,825 items with a
headline, every one short), scored by the model shipped when the phase was drawn (trained
on phases 1-8: the commit of this script's first version) and by the mention rule:

* ``p9-sathigh``: the model's satisfaction probability at least
  :data:`draw_phase7.SAT_HIGH` times its threshold;
* ``p9-sat``: at least the threshold;
* ``p9-satmention``: otherwise, satisfaction ``mentioned`` by the lexicon (the short
  class's measure of the default reading);
* otherwise phase 3's rule under this model: ``p9-positive`` (another theme called
  present), ``p9-near`` (a theme at 0.4-1 times its threshold), ``p9-broad`` (a broad
  administrative word).

Each stratum is a simple random sample of its members, items coded earlier included
(their codes are reused), so ``q9 = n_s / N_s`` (the frame is the corpus). The
allocation was fixed after ``--frames-only`` printed the stratum sizes and before any
document was drawn or read.

**Combined probability.** ``pi = 1 - (1 - pi12345678) * (1 - q9)``: for documents coded
earlier ``pi12345678`` is ``design8.csv``'s ``pi``; for documents new in phase 9 it is
``1 - (1 - pi1234567) * (1 - q8)``, where ``pi1234567`` is phases 1-3 replayed from their
commits and phase 6's rule (:func:`draw_phase7.prior123456`; the news feed was not sampled
in phases 4, 5 and 7) and ``q8`` comes from replaying phase 8's draw from its commit
(7dc98f2, ``--old08``) with its model (8bf7e5c, ``--old07``), checked against every
recorded phase-8 stratum of the feed.

Four first coders (packets Z1-Z4); ``--n-second`` random new items coded again blind,
coder j+1 second-coding coder j's items (packets W1-W4). Writes
``benchmarks/labels/coded/design9.csv`` (ids, strata, probabilities: no text) and the
packets under ``--packets`` (text: never commit them).

    git worktree add --detach /tmp/old02 2174ad4   # and old03 bb090a2, old07 8bf7e5c, old08 7dc98f2
    CIVICTEXT_SHARED_CORPORA=../shared/corpora .venv/bin/python benchmarks/coding/draw_phase9.py --frames-only
    CIVICTEXT_SHARED_CORPORA=../shared/corpora .venv/bin/python benchmarks/coding/draw_phase9.py
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))
from draw_phase3 import SUBFRAMES as P3_SUBFRAMES  # type: ignore[import-not-found]  # noqa: E402
from draw_phase5 import LATER_RULES, replayed_rates  # type: ignore[import-not-found]  # noqa: E402
from draw_phase7 import prior123456, stratum7  # type: ignore[import-not-found]  # noqa: E402
from later_phase import add_checkouts, add_frame_options, draw_later_phase, read_designs  # type: ignore[import-not-found]  # noqa: E402,E501

from civictext.themes.model import load_theme_model  # noqa: E402
from civictext.themes.scoring import score_themes  # noqa: E402

STRATA = ("p9-sathigh", "p9-sat", "p9-satmention", "p9-positive", "p9-near", "p9-broad")
#: the whole news feed (m = N: the frame is the corpus)
SUBFRAMES = {"news-feed": (P3_SUBFRAMES["news-feed"][0], 153_825)}
#: allocation in the order of STRATA, fixed after ``--frames-only`` printed the stratum
#: sizes (sathigh / sat / satmention / positive / near / broad: 15 / 13 / 19 / 958 / 646 /
#: 8,773; 143,401 items in none) and before any document was drawn or read: every item
#: either measure calls satisfaction, a few of the others
ALLOC = {"news-feed": (15, 13, 19, 35, 20, 25)}


def stratum9(arts: pd.DataFrame, model) -> pd.Series:
    """Each document's phase-9 stratum ("" outside every stratum), by doc_id: phase 7's
    rule (:func:`draw_phase7.stratum7`) under phase 9's names, with ``p9-satmention``
    between its satisfaction strata and phase 3's."""
    arts = arts.drop_duplicates("doc_id").reset_index(drop=True)
    st = stratum7(arts, model).map(lambda s: s.replace("p7-", "p9-") if s else s)
    sc = score_themes(arts, presence="mention")
    sc = sc[sc["theme"] == "satisfaction"].drop_duplicates("doc_id").set_index("doc_id")
    mentioned = sc["mentioned"].reindex(st.index).fillna(False).astype(bool).to_numpy()
    sat = st.isin(STRATA[:2]).to_numpy()
    return pd.Series(np.where(~sat & mentioned, STRATA[2], st.to_numpy()), index=st.index)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=919)
    add_frame_options(ap, 909)
    ap.add_argument("--packets", default="/tmp/coding9")
    add_checkouts(ap, (2, 3, 7, 8))
    ap.add_argument("--n-coders", type=int, default=4)
    ap.add_argument("--n-second", type=int, default=40)
    args = ap.parse_args()
    d12, d3, d4, d5, d6, d7, d8 = read_designs(8)

    # phase 8's draw ran its own code (7dc98f2) with the model of 8bf7e5c: replay both
    old07_model = Path(args.old07).resolve() / "civictext" / "data" / "models" / "theme_model"
    LATER_RULES[8] = ("draw_phase8", "draw_phase8.stratum8(arts, draw_phase8.load_theme_model("
                                     f"{str(old07_model)!r}))")

    def prior(name: str, lines: list[str], new: set[str], tmp: Path) -> dict[str, float]:
        pi = prior123456(name, lines, new, tmp, args, d12, d3, d4, d5, d6)  # q7 = 0 here
        st8, q8 = replayed_rates(8, name, lines, new, d8[d8["corpus"] == name],
                                 Path(args.old08), tmp)
        return {d: 1 - (1 - pi[d]) * (1 - q8.get(st8.get(d, ""), 0.0)) for d in new}

    with tempfile.TemporaryDirectory() as t:
        draw_later_phase(phase=9, seed=args.seed, alloc=ALLOC, previous=d8,
                         model=load_theme_model(), prior=prior, packets=Path(args.packets),
                         tmp=Path(t), n_coders=args.n_coders, n_second=args.n_second,
                         first_letter="Z", second_letter="W", item_start=8001, second_coders=4,
                         rule=stratum9, strata=STRATA, subframes=SUBFRAMES,
                         frames_only=args.frames_only, frame_seed=args.frame_seed)


if __name__ == "__main__":
    main()
