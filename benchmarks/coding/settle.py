"""Settle the coded real sample: coders' verdicts -> label files, agreement, final codes.

Reads the verdict sheets the coders filled (packet item numbers, under
``--verdicts``, default ``/tmp/coding``: ``verdicts_A*.csv`` / ``verdicts_C*.csv``
first coders of rounds 1 and 2, ``verdicts_B*.csv`` / ``verdicts_D*.csv`` the
blind second coders, ``adjud*.csv`` the adjudication of every document that
was marked borderline or disputed) and ``benchmarks/labels/coded/design.csv``;
phase 3's (``--verdicts3``, default ``/tmp/coding3``: ``verdicts_G*.csv`` first
coders, ``adjud*.csv``) with ``design3.csv``, whose combined inclusion
probabilities (``phase3_pi.py``) then replace the earlier ones for every document;
phase 4's (``--verdicts4``, default ``/tmp/coding4``: ``verdicts_K*.csv`` first
coders, ``verdicts_L*.csv`` the blind second coder, ``adjud*.csv``) with
``design4.csv`` (``draw_phase4.py``), whose probabilities replace them again; and
phase 5's (``--verdicts5``, default ``/tmp/coding5``: ``verdicts_P*.csv`` first coders,
``verdicts_Q*.csv`` the blind second coders, ``adjud*.csv``) with ``design5.csv``
(``draw_phase5.py``); and phase 6's (``--verdicts6``, default ``/tmp/coding6``:
``verdicts_S*.csv`` first coders, ``verdicts_T*.csv`` the blind second coders,
``adjud*.csv``) with ``design6.csv`` (``draw_phase6.py``); and phase 7's (``--verdicts7``,
default ``/tmp/coding7``: ``verdicts_U*.csv`` first coders, ``verdicts_V*.csv`` the blind
second coders, ``adjud*.csv``) with ``design7.csv`` (``draw_phase7.py``); and phase 8's
(``--verdicts8``, default ``/tmp/coding8``: ``verdicts_X*.csv`` first coders,
``verdicts_Y*.csv`` the blind second coders, ``adjud*.csv``) with ``design8.csv``
(``draw_phase8.py``).

Writes, under ``benchmarks/labels/coded/`` (ids and verdicts only, no text):

* ``coder1.csv``, ``coder2.csv``: each coder's verdicts as given
  (``corpus, doc_id, phase, reform, conduct, satisfaction, borderline, reason, note``);
* ``adjudicated.csv``: the settled verdicts of the adjudicated documents, with the
  rule that settled them;
* ``coded.csv``: the final codes, long (``corpus, doc_id, phase, stratum, pi, theme,
  relevant``): adjudicated where adjudicated, else the first coder's;
* ``agreement.csv``: Cohen's kappa per theme and round on the doubly coded documents
  (before settlement).

    .venv/bin/python benchmarks/coding/settle.py
"""
from __future__ import annotations

import argparse
import glob
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

THEMES = ["reform", "conduct", "satisfaction"]
HERE = Path(__file__).resolve().parents[1] / "labels" / "coded"


def _read(pattern: str) -> pd.DataFrame:
    files = sorted(glob.glob(pattern))
    if not files:
        return pd.DataFrame(columns=["item", *THEMES])
    return pd.concat([pd.read_csv(f, dtype=str, keep_default_na=False) for f in files],
                     ignore_index=True)


def add_phase(design: pd.DataFrame, path: Path) -> pd.DataFrame:
    """The design with a later phase's new items (``recoded == "1"`` in ``path``, a
    ``design3.csv``-like table covering every coded document) and that phase's
    combined inclusion probabilities for every document; a document drawn in the
    phase (``n_stratum > 0``) is resampled within, so recorded in, its stratum there."""
    later = pd.read_csv(path, dtype=str, keep_default_na=False)
    new = later[later["recoded"] == "1"].assign(phase1_stratum="")
    design = pd.concat([design, new.reindex(columns=design.columns, fill_value="")],
                       ignore_index=True)
    combined = later.set_index(["corpus", "doc_id"])
    idx = pd.MultiIndex.from_arrays([design["corpus"], design["doc_id"]])
    assert combined["pi"].reindex(idx).notna().all(), f"{path.name} lacks a coded document"
    design["pi"] = combined["pi"].reindex(idx).to_numpy()
    drawn = combined["n_stratum"].reindex(idx).astype(int).to_numpy() > 0
    design["stratum"] = np.where(drawn, combined["stratum"].reindex(idx).to_numpy(),
                                 design["stratum"])
    return design


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--verdicts", default="/tmp/coding")
    ap.add_argument("--verdicts3", default="/tmp/coding3", help="phase 3's verdicts")
    ap.add_argument("--verdicts4", default="/tmp/coding4", help="phase 4's verdicts")
    ap.add_argument("--verdicts5", default="/tmp/coding5", help="phase 5's verdicts")
    ap.add_argument("--verdicts6", default="/tmp/coding6", help="phase 6's verdicts")
    ap.add_argument("--verdicts7", default="/tmp/coding7", help="phase 7's verdicts")
    ap.add_argument("--verdicts8", default="/tmp/coding8", help="phase 8's verdicts")
    args = ap.parse_args()
    design = pd.read_csv(HERE / "design.csv", dtype=str, keep_default_na=False)
    for later in ("design3.csv", "design4.csv", "design5.csv", "design6.csv",
                  "design7.csv", "design8.csv"):  # later phases, when drawn
        if (HERE / later).exists():
            design = add_phase(design, HERE / later)
    # (folder, first coders' packet letters, second coders' letters) of each round
    rounds = [(Path(args.verdicts), "AC", "BD"), (Path(args.verdicts3), "G", "H"),
              (Path(args.verdicts4), "K", "L"), (Path(args.verdicts5), "P", "Q"),
              (Path(args.verdicts6), "S", "T"), (Path(args.verdicts7), "U", "V"),
              (Path(args.verdicts8), "X", "Y")]
    first = pd.concat([_read(str(v / f"verdicts_{x}*.csv")) for v, xs, _ in rounds for x in xs])
    second = pd.concat([_read(str(v / f"verdicts_{x}*.csv")) for v, _, xs in rounds for x in xs])
    adj = pd.concat([_read(str(v / "adjud*.csv")) for v, _, _ in rounds])
    for name, df in (("first", first), ("second", second), ("adjudicated", adj)):
        dup = df["item"].duplicated()
        assert not dup.any(), f"{name}: item {df.loc[dup, 'item'].iloc[0]} twice"
        for t in THEMES:
            assert df[t].isin(["0", "1"]).all(), f"{name}: non 0/1 value in {t}"
    missing = set(design["item"]) - set(first["item"])
    assert not missing, f"{len(missing)} items have no first-coder verdict, e.g. {min(missing)}"
    key = design.set_index("item")
    cols = ["corpus", "doc_id", "phase", *THEMES, "borderline", "reason", "note"]

    def with_ids(df: pd.DataFrame) -> pd.DataFrame:
        out = df.join(key[["corpus", "doc_id", "phase"]], on="item")
        return out.reindex(columns=cols).sort_values(["phase", "corpus", "doc_id"])

    with_ids(first).to_csv(HERE / "coder1.csv", index=False)
    with_ids(second).to_csv(HERE / "coder2.csv", index=False)
    a = adj.join(key[["corpus", "doc_id", "phase"]], on="item")
    a.reindex(columns=["corpus", "doc_id", "phase", *THEMES, "changed", "rule", "note"]).sort_values(
        ["phase", "corpus", "doc_id"]).to_csv(HERE / "adjudicated.csv", index=False)

    rows = []
    both = first.merge(second, on="item", suffixes=("_1", "_2")).join(key["phase"], on="item")
    for phase, g in [("all", both)] + list(both.groupby("phase")):
        for t in THEMES:
            x, y = g[f"{t}_1"].astype(int), g[f"{t}_2"].astype(int)
            rows.append({"round": phase, "theme": t, "n": len(g), "coder1_positive": int(x.sum()),
                         "coder2_positive": int(y.sum()), "agree": float((x == y).mean()),
                         "kappa": float(cohen_kappa_score(x, y)) if x.nunique() + y.nunique() > 2
                         else float("nan")})
    agree = pd.DataFrame(rows)
    agree.to_csv(HERE / "agreement.csv", index=False, float_format="%.4f")

    final = first.set_index("item")[THEMES].copy()
    settled = adj.set_index("item")[THEMES]
    final.loc[settled.index, THEMES] = settled
    # a disagreement the adjudicators did not see (not borderline for either coder) is
    # settled for the first coder only if the second coder agrees; report any left
    dis = both[(both[[f"{t}_1" for t in THEMES]].to_numpy()
                != both[[f"{t}_2" for t in THEMES]].to_numpy()).any(axis=1)]
    unsettled = sorted(set(dis["item"]) - set(settled.index))
    final = final.join(key[["corpus", "doc_id", "phase", "stratum", "pi"]])
    long = final.reset_index().melt(id_vars=["item", "corpus", "doc_id", "phase", "stratum", "pi"],
                                    value_vars=THEMES, var_name="theme", value_name="relevant")
    long = long.drop(columns="item").sort_values(["phase", "corpus", "doc_id", "theme"])
    long.to_csv(HERE / "coded.csv", index=False)
    print(agree.to_string(index=False))
    print("final positives:", long.groupby("theme")["relevant"].apply(
        lambda s: int(s.astype(int).sum())).to_dict(), "documents:", final.shape[0])
    if unsettled:
        print(f"WARNING: {len(unsettled)} disputed items not adjudicated: {unsettled}")


if __name__ == "__main__":
    main()
