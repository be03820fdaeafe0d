"""Theme shares corrected for measurement error with a coded sample.

The machine measure (``present`` from :func:`~civictext.themes.score_themes`, or
a model's probability) is known for every article; a human code (``relevant``
0/1) is known for a probability sample of them, each coded article with its
known inclusion probability ``pi``. The corrected share of a cell (a period,
and a group such as an outlet) is the **design-based supervised learning**
(DSL) estimator of Egami, Hinck, Stewart & Wei (2023), the design-weighted form
of prediction-powered inference (Angelopoulos, Bates, Fannjiang, Jordan &
Zrnic 2023):

.. math::

    \\hat\\theta_c = \\frac{1}{N_c} \\sum_{i \\in c} \\psi_i, \\qquad
    \\psi_i = f_i + \\frac{R_i}{\\pi_i} (y_i - f_i),

where, for the :math:`N_c` articles of the cell, :math:`f_i \\in [0, 1]` is the
machine measure, :math:`R_i = 1` when article *i* was coded, :math:`y_i` its
human code and :math:`\\pi_i` its inclusion probability. It is the machine's
share plus the inclusion-weighted (Horvitz-Thompson) mean of the coded
residuals. Its variance is estimated by :math:`s^2_\\psi / N_c`, the sample
variance of the pseudo-outcomes over the cell's articles divided by their
number; this accounts for both parts (the machine share varies from one set of
articles to another, and so does the coded sample). In practice
:func:`corrected_mean` computes it as the variance of the cell's true share
(:math:`t(1-t)/N_c`, the codes are 0/1) plus the design variance of the
residual term within machine classes (positives, negatives), with one
relevant and one irrelevant pseudo-code added to each class's residuals
("plus two", Agresti & Coull 1998): without them a cell in which none of a
dozen coded negatives happened to be relevant would report no uncertainty at
all, and 90% intervals covered the truth in 58-80% of simulated cells instead
of 88-98% (``benchmarks/RESULTS.md``). The interval is the estimate -/+ the
normal quantile times the standard error, clipped to [0, 1].

**Assumptions** (written into every output that uses it):

1. Every article of the cell had a known, non-zero chance of being coded, and
   ``pi`` is that chance (the sample of :func:`~civictext.validation.sample_for_coding`
   records it in its key file). The estimator is unbiased for *any* machine
   measure, good or bad, with no assumption about its errors: a bad measure
   only widens the interval (the residuals are large).
2. The design variance treats the coded articles of each machine class of a
   cell as a simple random sample of that class (what
   ``sample_for_coding(design="cells")`` draws); for other designs it is an
   approximation. The articles of a cell are treated as draws from the
   outlet's output in that period (the same view as the bootstrap of the raw
   share), so the target is the share an outlet *would* give a theme, not only
   the share in the articles one happened to collect.
3. The human codes are the truth. Coder error is not corrected.

Where ppi-python fits and where it does not: its ``ppi_mean_ci`` (with
``lam=1``) gives the same point estimate (checked to 1e-16 in
``benchmarks/ppi_agreement.py``, also with unequal ``pi`` passed as ``w = 1 /
pi``), but its interval treats the coded documents as an i.i.d. sample, with no
design (stratified) variance and nothing for a machine class in which no error
happened to be coded: in simulated cells of 200 articles with 20 coded (half
among machine positives) its 90% interval covered the truth 82% of the time,
this one 93% (``benchmarks/RESULTS.md``). Cells of that size are the usual case
here (an outlet in a month), so civictext implements the estimator itself (a
few dozen lines) instead of depending on ppi-python, which also pulls numba and
gdown.

**Pooled correction** (:func:`pooled_corrected_mean`, only on request): one
error rate across cells. The coded articles of every cell together estimate
the mean residual among machine positives (:math:`f \\geq 0.5`) and among
machine negatives; a cell's share is its machine share plus its own mix of
the two. This borrows strength when cells have few coded articles, but it is
valid only if the machine's error rates are the same in every period and
group, which is what the per-cell correction exists to avoid assuming; the
output says so.

References
----------
Angelopoulos, A. N., Bates, S., Fannjiang, C., Jordan, M. I., & Zrnic, T.
(2023). Prediction-powered inference. *Science*, 382(6671), 669-674.

Egami, N., Hinck, M., Stewart, B. M., & Wei, H. (2023). Using imperfect
surrogates for downstream inference: Design-based supervised learning for
social science applications of large language models. *NeurIPS 36*.

Agresti, A., & Coull, B. A. (1998). Approximate is better than "exact" for
interval estimation of binomial proportions. *The American Statistician*,
52(2), 119-126.

>>> import numpy as np
>>> f = np.array([1, 1, 0, 0, 0, 0, 0, 0.])
>>> coded = np.array([True, False, True, True, False, False, False, False])
>>> y = np.array([1, np.nan, 1, 0, np.nan, np.nan, np.nan, np.nan])
>>> pi = np.array([0.5, np.nan, 1/3, 1/3, np.nan, np.nan, np.nan, np.nan])
>>> round(corrected_mean(f, coded, y, pi, min_coded=3).estimate, 3)   # 2/8 + (0 + 3) / 8
0.625
"""
from __future__ import annotations

from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import pandas as pd

from civictext.config import DEFAULT_CI_LEVEL
from civictext.errors import TrendError

__all__ = ["CorrectedEstimate", "corrected_mean", "corrected_shares", "CORRECTED_COLUMNS", "coded_only_mean", "pooled_corrected_mean",
           "pooled_residuals", "DEFAULT_MIN_CODED", "CELL_METHOD", "POOLED_METHOD",
           "POOLED_ASSUMPTION"]

#: Fewer coded articles than this in a cell: not estimable (the variance
#: estimate needs some coded articles to mean anything).
DEFAULT_MIN_CODED = 10

CELL_METHOD = ("per cell, design-based (DSL: machine share + inclusion-weighted mean of the "
               "coded residuals; Egami et al. 2023)")
POOLED_METHOD = "pooled error rates across cells"
POOLED_ASSUMPTION = ("assumes the machine measure's error rates (mean residual among machine "
                     "positives and among machine negatives) are the same in every period and "
                     "group")


@dataclass(frozen=True)
class CorrectedEstimate:
    """One corrected share: ``estimate``, ``se``, ``lo``, ``hi`` (NaN when not
    estimable), ``n`` (articles), ``n_coded`` and ``note`` (``""``, or why it
    is not estimable)."""

    estimate: float
    se: float
    lo: float
    hi: float
    n: int
    n_coded: int
    note: str = ""


def _check_arrays(f: np.ndarray, coded: np.ndarray, y: np.ndarray, pi: np.ndarray,
                  where: str) -> tuple[np.ndarray, ...]:
    f = np.asarray(f, dtype=float)
    coded = np.asarray(coded, dtype=bool)
    y = np.asarray(y, dtype=float)
    pi = np.asarray(pi, dtype=float)
    if not (f.ndim == 1 and f.shape == coded.shape == y.shape == pi.shape):
        raise TrendError(f"{where}: f, coded, y and pi must be 1-D arrays of one length "
                         f"(got shapes {f.shape}, {coded.shape}, {y.shape}, {pi.shape})")
    if np.isnan(f).any() or (f < 0).any() or (f > 1).any():
        raise TrendError(f"{where}: the machine measure f must be in [0, 1] for every article")
    if coded.any():
        yc, pc = y[coded], pi[coded]
        if np.isnan(yc).any() or not np.isin(yc, (0.0, 1.0)).all():
            raise TrendError(f"{where}: every coded article needs a code y of 0 or 1")
        if np.isnan(pc).any() or (pc <= 0).any() or (pc > 1).any():
            raise TrendError(f"{where}: every coded article needs an inclusion probability "
                             f"pi in (0, 1]")
    return f, coded, y, pi


def _z(p: float) -> float:
    """Standard normal quantile (stdlib; scipy.stats takes seconds to import)."""
    return NormalDist().inv_cdf(p)


def _interval(est: float, se: float, n_coded: int, level: float) -> tuple[float, float]:
    q = _z(0.5 + level / 2)
    return float(np.clip(est - q * se, 0, 1)), float(np.clip(est + q * se, 0, 1))


def _regularised_var(r: np.ndarray, f_mean: float, c: float) -> float:
    """Residual variance with two pseudo-codes (y = 0 and y = 1, weight ``c`` each).

    r: shape (n_coded_in_class,); f_mean: the class's mean machine measure.
    Agresti-Coull's idea for a proportion: for a 0/1 measure the result is
    about q~(1 - q~) with q~ = (k + c) / (n + 2c), so a
    class in which no coded article was misclassified still has a variance.
    """
    vals = np.r_[r, -f_mean, 1.0 - f_mean]
    w = np.r_[np.ones(len(r)), c, c]
    m = float((w * vals).sum() / w.sum())
    return float((w * (vals - m) ** 2).sum() / (w.sum() - 1))


def corrected_mean(f: np.ndarray, coded: np.ndarray, y: np.ndarray, pi: np.ndarray, *,
                   level: float = DEFAULT_CI_LEVEL,
                   min_coded: int = DEFAULT_MIN_CODED) -> CorrectedEstimate:
    """Corrected share of one cell: the DSL estimator with its interval.

    Parameters
    ----------
    f : array, shape (n_docs,)
        Machine measure of every article of the cell, in [0, 1] (0/1
        ``present``, or a probability).
    coded : bool array, shape (n_docs,)
        True for the coded articles.
    y : array, shape (n_docs,)
        Human code (0/1) of the coded articles; ignored (may be NaN) elsewhere.
    pi : array, shape (n_docs,)
        Inclusion probability in (0, 1] of the coded articles; ignored elsewhere.
    level : float
        Interval level (default 0.90).
    min_coded : int
        Fewer coded articles than this: not estimable (NaN with the reason in
        ``note``); so is a cell with machine positives (``f >= 0.5``) or
        negatives of which none was coded (their error rate is unknown).

    Returns
    -------
    CorrectedEstimate
        ``estimate`` = mean of ``psi = f + coded * (y - f) / pi``, clipped to
        [0, 1]. ``se`` = sqrt(V1 + V2): V1 = t(1 - t) / n_docs, the variance of
        the cell's true share over sets of articles (``y`` is 0/1, so its
        variance is t(1 - t) at the estimate t); V2 = the design variance of
        the residual term, computed within machine classes h (positives,
        negatives) as ``sum_h sum_{coded i in h} (1 - pi_i) / pi_i^2 * s2_h /
        n_docs^2`` (a stratified sample's variance), where ``s2_h`` is the
        residual variance of class h's coded articles with two pseudo-codes
        (one relevant, one not) added ("plus two", after Agresti & Coull
        1998), so that a class where no error was seen still counts as
        uncertain. ``lo, hi`` = estimate -/+ the normal quantile times
        ``se``, clipped to [0, 1]. See the module
        docstring for the assumptions and references.

    Examples
    --------
    >>> import numpy as np
    >>> f = np.zeros(100); coded = np.zeros(100, bool); coded[:20] = True
    >>> y = np.where(coded, np.r_[np.ones(5), np.zeros(95)], np.nan)
    >>> pi = np.where(coded, 0.2, np.nan)
    >>> e = corrected_mean(f, coded, y, pi)   # the machine finds nothing; 5 of 20 coded are relevant
    >>> round(e.estimate, 3), e.n_coded
    (0.25, 20)
    """
    f, coded, y, pi = _check_arrays(f, coded, y, pi, "corrected_mean")
    n, n_coded = len(f), int(coded.sum())
    if n == 0:
        return CorrectedEstimate(np.nan, np.nan, np.nan, np.nan, 0, n_coded, "no articles")

    def not_estimable(why: str) -> CorrectedEstimate:
        return CorrectedEstimate(np.nan, np.nan, np.nan, np.nan, n, n_coded,
                                 f"not estimable: {why}")

    if n_coded < min_coded:
        return not_estimable(f"{n_coded} coded article(s) in this cell, fewer than "
                             f"min_coded={min_coded}")
    psi = f.copy()
    psi[coded] += (y[coded] - f[coded]) / pi[coded]
    est = float(psi.mean())
    t = float(np.clip(est, 0, 1))
    c = 1.0  # one relevant and one irrelevant pseudo-code per class ("plus two")
    v2 = 0.0
    for which, cls in (("positives", f >= 0.5), ("negatives", f < 0.5)):
        m = coded & cls
        if cls.any() and not m.any():
            return not_estimable(f"none of the cell's {int(cls.sum())} machine {which} "
                                 f"was coded")
        if m.any():
            s2 = _regularised_var(y[m] - f[m], float(f[m].mean()), c)
            v2 += float(((1 - pi[m]) / pi[m] ** 2).sum()) * s2 / n ** 2
    se = float(np.sqrt(t * (1 - t) / n + v2))
    lo, hi = _interval(est, se, n_coded, level)
    return CorrectedEstimate(t, se, lo, hi, n, n_coded)


def coded_only_mean(coded: np.ndarray, y: np.ndarray, pi: np.ndarray, *,
                    level: float = DEFAULT_CI_LEVEL,
                    min_coded: int = DEFAULT_MIN_CODED) -> CorrectedEstimate:
    """The share from the coded sample alone (no machine measure): Horvitz-Thompson.

    The same estimator as :func:`corrected_mean` with ``f = 0`` for every
    article (``psi = coded * y / pi``), the baseline a correction must beat:
    with a good machine measure the corrected interval is narrower.

    coded, y, pi : arrays, shape (n_docs,), as in :func:`corrected_mean`.

    >>> import numpy as np
    >>> coded = np.r_[np.ones(10, bool), np.zeros(40, bool)]
    >>> y = np.r_[np.ones(3), np.zeros(7), np.full(40, np.nan)]
    >>> round(coded_only_mean(coded, y, np.where(coded, 0.2, np.nan)).estimate, 3)
    0.3
    """
    coded = np.asarray(coded, dtype=bool)
    return corrected_mean(np.zeros(len(coded)), coded, y, pi, level=level, min_coded=min_coded)


def pooled_residuals(f: np.ndarray, coded: np.ndarray, y: np.ndarray,
                     pi: np.ndarray) -> dict[str, tuple[float, float, int]]:
    """Inclusion-weighted mean residual among machine positives and negatives.

    f, coded, y, pi : arrays, shape (n_docs,), as in :func:`corrected_mean`,
    over *all* cells together.

    Returns
    -------
    dict
        ``{"pos": (mean, variance of the mean, n_coded), "neg": (...)}`` where
        positives are ``f >= 0.5``: the Hajek (weight-normalised) mean of
        ``y - f`` with weights ``1 / pi`` and its linearised variance
        ``sum(w^2 (r - mean)^2) / sum(w)^2``. NaN when a class has no coded article.
    """
    f, coded, y, pi = _check_arrays(f, coded, y, pi, "pooled_residuals")
    out = {}
    for name, cls in (("pos", f >= 0.5), ("neg", f < 0.5)):
        m = coded & cls
        if not m.any():
            out[name] = (np.nan, np.nan, 0)
            continue
        w, r = 1.0 / pi[m], y[m] - f[m]
        mean = float((w * r).sum() / w.sum())
        var = float((w ** 2 * (r - mean) ** 2).sum() / w.sum() ** 2)
        out[name] = (mean, var, int(m.sum()))
    return out


def pooled_corrected_mean(f: np.ndarray, residuals: dict[str, tuple[float, float, int]],
                          n_coded: int = 0, *, level: float = DEFAULT_CI_LEVEL,
                          min_coded: int = DEFAULT_MIN_CODED) -> CorrectedEstimate:
    """Corrected share of one cell with pooled error rates (see the module docstring).

    Parameters
    ----------
    f : array, shape (n_docs,)
        Machine measure of the cell's articles, in [0, 1].
    residuals : dict
        From :func:`pooled_residuals` over every cell.
    n_coded : int
        Coded articles in this cell (reported only).
    level, min_coded
        As in :func:`corrected_mean`; ``min_coded`` applies to each machine
        class present in the cell, counted over all cells.

    Returns
    -------
    CorrectedEstimate
        ``estimate = mean(f) + a * r_pos + (1 - a) * r_neg`` with ``a`` the
        cell's share of machine positives; ``se`` combines ``var(f) / n_docs``
        and the variance of the pooled residual means; the interval uses the
        normal quantile.

    >>> import numpy as np
    >>> res = {"pos": (-0.1, 0.0, 40), "neg": (0.2, 0.0, 40)}
    >>> round(pooled_corrected_mean(np.r_[np.ones(5), np.zeros(5)], res).estimate, 3)
    0.55
    """
    f = np.asarray(f, dtype=float)
    n = len(f)
    if n == 0:
        return CorrectedEstimate(np.nan, np.nan, np.nan, np.nan, 0, n_coded, "no articles")
    a = float((f >= 0.5).mean())
    est, var = float(f.mean()), float(f.var(ddof=1) / n) if n > 1 else 0.0
    for name, share in (("pos", a), ("neg", 1 - a)):
        if share == 0:
            continue
        mean, v, k = residuals[name]
        if k < min_coded:
            which = "positives" if name == "pos" else "negatives"
            return CorrectedEstimate(np.nan, np.nan, np.nan, np.nan, n, n_coded,
                                     f"not estimable: {k} coded machine {which} in all cells "
                                     f"together, fewer than min_coded={min_coded}")
        est += share * mean
        var += share ** 2 * v
    se = float(np.sqrt(var))
    q = _z(0.5 + level / 2)
    return CorrectedEstimate(float(np.clip(est, 0, 1)), se, float(np.clip(est - q * se, 0, 1)),
                             float(np.clip(est + q * se, 0, 1)), n, n_coded)


# ------------------------------------------------------------------ tables
#: Columns :func:`corrected_shares` returns besides the cell and theme.
CORRECTED_COLUMNS = ["share_corrected", "corrected_lo", "corrected_hi", "corrected_se",
                     "n_coded", "correction", "corrected_note"]


def corrected_shares(machine: pd.DataFrame, cells: pd.Series, coded: pd.DataFrame, *,
                     level: float = DEFAULT_CI_LEVEL, min_coded: int = DEFAULT_MIN_CODED,
                     pooled: bool = False) -> pd.DataFrame:
    """Corrected share of every (cell, theme): the table-level estimator.

    Parameters
    ----------
    machine : DataFrame, shape (n_docs, n_themes)
        Indexed by ``doc_id`` (str, unique), one column per theme: the machine
        measure in [0, 1].
    cells : Series, shape (n_docs,)
        Indexed like ``machine``: each document's cell label (any hashable,
        e.g. ``(group, period)``), or None for documents in no cell.
    coded : DataFrame
        ``doc_id, theme, relevant, pi`` (from
        :func:`civictext.validation.read_coded`), every ``doc_id`` in
        ``machine``'s index and every theme a column of ``machine``.
    level, min_coded
        As in :func:`corrected_mean`.
    pooled : bool
        False (default): each cell corrected with its own coded documents.
        True: one error rate for all cells (:func:`pooled_corrected_mean`;
        valid only under :data:`POOLED_ASSUMPTION`, which the ``correction``
        column states).

    Returns
    -------
    DataFrame
        One row per (cell, theme) with ``cell``, ``theme`` and
        :data:`CORRECTED_COLUMNS`: ``share_corrected``, ``corrected_lo``,
        ``corrected_hi``, ``corrected_se`` (NaN when not estimable),
        ``n_coded`` (coded documents of the cell for the theme),
        ``correction`` (the method, with the pooled assumption when pooled)
        and ``corrected_note`` (``""`` or why the cell is not estimable).
        A theme with no coded document at all is not estimable in every cell.

    >>> import pandas as pd
    >>> machine = pd.DataFrame({"reform": [1.0, 0.0, 0.0, 0.0]}, index=list("abcd"))
    >>> cells = pd.Series(["2024", "2024", "2024", "2024"], index=machine.index)
    >>> coded = pd.DataFrame({"doc_id": ["a", "b"], "theme": "reform", "relevant": [1, 1],
    ...                       "pi": [1.0, 1 / 3]})
    >>> corrected_shares(machine, cells, coded, min_coded=2)["share_corrected"].tolist()
    [1.0]
    """
    method = (f"{POOLED_METHOD}: {POOLED_ASSUMPTION}" if pooled else CELL_METHOD)
    ids = machine.index
    cell_arr = cells.reindex(ids).to_numpy(dtype=object)
    placed = np.array([c is not None and not (isinstance(c, float) and np.isnan(c))
                       for c in cell_arr])
    labels = list(dict.fromkeys(cell_arr[placed]))
    codes = {c: i for i, c in enumerate(labels)}
    cell_code = np.array([codes[c] if p else -1 for c, p in zip(cell_arr, placed)])
    members = [np.flatnonzero(cell_code == i) for i in range(len(labels))]
    pos = pd.Series(np.arange(len(ids)), index=ids)
    rows = []
    for theme in machine.columns:
        f = machine[theme].to_numpy(dtype=float)
        ct = coded[coded["theme"] == theme]
        is_coded = np.zeros(len(ids), dtype=bool)
        y = np.full(len(ids), np.nan)
        pi = np.full(len(ids), np.nan)
        at = pos.reindex(ct["doc_id"].astype(str)).to_numpy()
        is_coded[at] = True
        y[at] = ct["relevant"].to_numpy(dtype=float)
        pi[at] = ct["pi"].to_numpy(dtype=float)
        residuals = (pooled_residuals(f[placed], is_coded[placed], y[placed], pi[placed])
                     if pooled and len(ct) else None)
        for label, idx in zip(labels, members):
            k = int(is_coded[idx].sum())
            if not len(ct):
                est = CorrectedEstimate(np.nan, np.nan, np.nan, np.nan, len(idx), 0,
                                        f"not estimable: theme {theme!r} is coded for none of "
                                        f"the documents")
            elif pooled:
                est = pooled_corrected_mean(f[idx], residuals, k, level=level,
                                            min_coded=min_coded)
            else:
                est = corrected_mean(f[idx], is_coded[idx], y[idx], pi[idx], level=level,
                                     min_coded=min_coded)
            rows.append({"cell": label, "theme": theme, "share_corrected": est.estimate,
                         "corrected_lo": est.lo, "corrected_hi": est.hi,
                         "corrected_se": est.se, "n_coded": k, "correction": method,
                         "corrected_note": est.note})
    out = pd.DataFrame(rows, columns=["cell", "theme", *CORRECTED_COLUMNS])
    out["n_coded"] = out["n_coded"].astype("int64")
    return out
