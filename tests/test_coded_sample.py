"""The coded real sample in benchmarks/labels/coded (issue 15): what its README promises.

These files are what the shipped model is trained on, what the README's validity
figures are computed from, and what a researcher re-weights or re-analyses. The
checks need no corpus: they hold the files to the design they say they follow.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

DIR = Path(__file__).resolve().parents[1] / "benchmarks" / "labels" / "coded"
THEMES = ["reform", "conduct", "satisfaction"]

pytestmark = pytest.mark.skipif(not (DIR / "coded.csv").exists(),
                                reason="benchmarks/ is not part of this checkout")


def _csv(name: str) -> pd.DataFrame:
    return pd.read_csv(DIR / name, dtype=str, keep_default_na=False)


def test_every_coded_document_has_all_three_themes_a_probability_and_no_text():
    coded = _csv("coded.csv")
    assert list(coded.columns) == ["corpus", "doc_id", "phase", "stratum", "pi", "theme",
                                   "relevant"]
    per_doc = coded.groupby(["corpus", "doc_id"])["theme"].apply(sorted)
    assert all(t == sorted(THEMES) for t in per_doc)
    assert set(coded["relevant"]) <= {"0", "1"}
    pi = coded["pi"].astype(float)
    assert ((pi > 0) & (pi <= 1)).all()
    # the floor: 600 documents from three corpora or more, random and broad strata
    assert len(per_doc) >= 600 and coded["corpus"].nunique() >= 3
    assert {"random", "keyword"} <= set(coded["stratum"])


def _later_phases() -> list[int]:
    return sorted(int(p.stem[len("design"):]) for p in DIR.glob("design[0-9]*.csv"))


def test_the_probabilities_are_the_last_phase_combined_with_the_earlier_ones():
    coded = _csv("coded.csv").drop_duplicates(["corpus", "doc_id"]).set_index(["corpus", "doc_id"])
    phases = _later_phases()
    assert phases[:2] == [3, 4] and phases == list(range(3, phases[-1] + 1))
    last = _csv(f"design{phases[-1]}.csv").set_index(["corpus", "doc_id"])
    assert set(last.index) == set(coded.index)
    np.testing.assert_allclose(coded["pi"].astype(float),
                               last["pi"].astype(float).reindex(coded.index), rtol=1e-12)
    for k in phases[1:]:  # phase k combines its draw with every earlier phase's
        dk = _csv(f"design{k}.csv").set_index(["corpus", "doc_id"])
        prev = _csv(f"design{k - 1}.csv").set_index(["corpus", "doc_id"])
        qk = dk[f"q{k}"].astype(float)
        before = dk["pi" + "".join(str(j) for j in range(1, k))].astype(float)
        np.testing.assert_allclose(dk["pi"].astype(float), 1 - (1 - before) * (1 - qk),
                                   rtol=1e-12)
        earlier = dk[dk["recoded"] != "1"].index
        assert set(earlier) == set(prev.index)
        np.testing.assert_allclose(before.reindex(earlier),
                                   prev["pi"].astype(float).reindex(earlier), rtol=1e-12)
        # a stratum's rate is its draw: n of N within the subframe's share of the corpus
        drawn = dk[dk["n_stratum"].astype(int) > 0]
        rate = (drawn["subframe_size"].astype(float) / drawn["corpus_size"].astype(float)
                * drawn["n_stratum"].astype(float) / drawn["N_stratum"].astype(float))
        np.testing.assert_allclose(drawn[f"q{k}"].astype(float), rate, rtol=1e-12)


def test_final_codes_are_the_adjudicated_verdict_else_the_first_coders():
    coded = _csv("coded.csv")
    wide = coded.pivot_table(index=["corpus", "doc_id"], columns="theme", values="relevant",
                             aggfunc="first")
    first = _csv("coder1.csv").set_index(["corpus", "doc_id"])[THEMES]
    adj = _csv("adjudicated.csv").set_index(["corpus", "doc_id"])[THEMES]
    assert not first.index.duplicated().any() and not adj.index.duplicated().any()
    expect = first.copy()
    expect.loc[adj.index, THEMES] = adj
    pd.testing.assert_frame_equal(wide[THEMES].sort_index(), expect.sort_index(),
                                  check_names=False)


def test_reported_agreement_is_recomputed_from_the_two_coders_sheets():
    both = _csv("coder1.csv").merge(_csv("coder2.csv"), on=["corpus", "doc_id"],
                                    suffixes=("_1", "_2"))
    assert len(both) >= 150  # the blind second coder on 150 or more
    agree = _csv("agreement.csv")
    for t in THEMES:
        row = agree[(agree["round"] == "all") & (agree["theme"] == t)].iloc[0]
        assert int(row["n"]) == len(both)
        kappa = cohen_kappa_score(both[f"{t}_1"].astype(int), both[f"{t}_2"].astype(int))
        assert abs(kappa - float(row["kappa"])) < 1e-4


def test_settle_rebuilds_every_committed_label_file_byte_for_byte(tmp_path):
    """The committed verdict files are the record of every round (the coders' sheets
    of phases 1-8 were not kept): settle.py, reading them and the designs, must write
    the same label files, so probabilities, strata and final codes agree with the
    designs and the adjudications they come from."""
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "settle", DIR.parents[1] / "coding" / "settle.py")
    settle = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(settle)
    sheets = {f"--verdicts{k}": str(tmp_path / "no_sheets") for k in settle.SHEET_ROUNDS}
    settle.main([*(x for kv in sheets.items() for x in kv), "--out", str(tmp_path / "out")])
    for name in ("coder1.csv", "coder2.csv", "adjudicated.csv", "agreement.csv", "coded.csv"):
        assert (tmp_path / "out" / name).read_bytes() == (DIR / name).read_bytes(), name
