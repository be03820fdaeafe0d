"""Theme shares corrected for measurement error with a coded sample.

The machine measure (``present`` from :func:`~civictext.themes.scoring.score_themes`, or
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
residuals.

**Interval.** The estimate's error has two parts: the cell's true share
varies from one set of articles to another (variance :math:`t(1-t)/N_c`, the
codes are 0/1), and the coded sample varies: the design variance of the
residual term, per machine class h (positives, negatives) and design stratum
s within it (the coded table's ``stratum`` column; without it, each class is
one stratum), the per-document variance of the Horvitz-Thompson total of
:math:`z_i = (y_i - f_i)/\\pi_i` in Hajek's (1964) approximation for
unequal-probability sampling without replacement,
:math:`\\frac{n_s}{n_s - 1} \\sum_{i \\in s} (1-\\pi_i)(z_i - B_s)^2 / N_c^2`
with :math:`B_s` the :math:`(1-\\pi)`-weighted mean of z (Berger 2004). With
equal :math:`\\pi` within a class (``design="cells"``) this is the stratified
simple random sample's :math:`\\sum_h N_h^2 (1 - n_h/N_h) s^2_h / n_h / N_c^2`.
A Wald interval (estimate -/+ z times the standard error)
fails here: a class of ten coded negatives among which no miss happened to be
coded has :math:`s^2_h = 0` and claims no uncertainty, and pseudo-codes added
to prevent that (the "plus two" of Agresti & Coull 1998, civictext 0.3's
first version) made intervals too wide when errors are rare (99% coverage
with a good measure). civictext therefore builds the interval from
**Jeffreys intervals** (Brown, Cai & DasGupta 2001) for each part, combined
by the **method of variance estimates recovery** (MOVER; Zou & Donner 2008,
after Newcombe 1998):

* for each machine class h and design stratum s within it, the Jeffreys
  interval :math:`(l_s, u_s)` of the stratum's (weighted) share :math:`p_s`
  of relevant coded articles, with the effective sample size its design
  variance implies (Korn & Graubard 1998): :math:`p_s(1-p_s)/v_s`, or
  :math:`1/D_s` when :math:`p_s` is 0 or 1, :math:`D_s = \\sum_{i \\in s}
  (1-\\pi_i)/\\pi_i^2 / \\hat N_s^2` (for a simple random sample of
  :math:`n_s` from :math:`N_s`, :math:`D_s^{-1} = n_s / (1 - n_s/N_s)`, so a
  fully coded stratum has no design uncertainty; with unequal pi, Kish's
  effective size), :math:`\\hat N_s = \\sum_{i \\in s} 1/\\pi_i`;
* for the true share over sets of articles, the Jeffreys interval of
  :math:`t` with :math:`N_c` observations;
* lower end :math:`\\hat\\theta - \\sqrt{(t - l_t)^2 + \\sum_s a_s^2 (p_s - l_s)^2}`,
  upper end likewise with the upper distances, :math:`a_s = (N_h / N_c)
  \\hat N_s / \\sum_{s \\in h} \\hat N_s`, clipped to [0, 1].

A Jeffreys interval has width when no error was seen (its upper end at k = 0
of n is about 1.9/n at 90%) without assuming errors are common. In
simulations (``benchmarks/corrected_shares_sim.py``) the 90% intervals cover
the planted share in 85-95% of cells with drifting recall, a real trend, a
poor and a good measure, and are at least as wide as needed in tiny cells
(10 coded of 30-60 articles, shares of 3% or 97%). ``se`` is still reported
(the square root of the two variances above) but the interval is not
estimate -/+ z se: it is asymmetric near 0 and 1.

**Assumptions** (written into every output that uses it):

1. Every article of the cell had a known, non-zero chance of being coded, and
   ``pi`` is that chance (the sample of :func:`~civictext.themes.validation.sample_for_coding`
   records it in its key file). The estimator is unbiased for *any* machine
   measure, good or bad, with no assumption about its errors: a bad measure
   only widens the interval (the residuals are large).
2. The design variance is Hajek's approximation within each design stratum
   and machine class of a cell, treating the stratum's coded sample in the
   cell as of fixed size; it is exact (the textbook stratified variance) for
   ``sample_for_coding(design="cells")``, where each class of a cell is a
   simple random sample, and an approximation for other designs (give the
   coded table its ``stratum`` column). The articles of a cell are treated as draws from the
   outlet's output in that period (the same view as the bootstrap of the raw
   share), so the target is the share an outlet *would* give a theme, not only
   the share in the articles one happened to collect.
3. The human codes are the truth. Coder error is not corrected.

Where ppi-python fits and where it does not: its ``ppi_mean_ci`` (with
``lam=1``) gives the same point estimate (checked to 1e-16 in
``benchmarks/ppi_agreement.py``, also with unequal ``pi`` passed as ``w = 1 /
pi``), but its interval is a Wald interval that treats the coded documents
as an i.i.d. sample, with no design (stratified) variance and nothing for a
machine class in which no error happened to be coded: in simulated cells of
200 articles with 20 coded (half among machine positives) its 90% interval
covered the truth 82% of the time (``benchmarks/RESULTS.md``). Cells of that
size are the usual case here (an outlet in a month), so civictext implements
the estimator itself (a few dozen lines, with scipy's Beta quantile) instead
of depending on ppi-python, which also pulls numba and gdown.

**Pooled correction** (:func:`pooled_corrected_mean`, only on request): one
error rate across cells. The coded articles of every cell together estimate
the mean residual among machine positives (:math:`f \\geq 0.5`) and among
machine negatives; a cell's share is its machine share plus its own mix of
the two. This borrows strength when cells have few coded articles, but it is
valid only if the machine's error rates are the same in every period and
group, which is what the per-cell correction exists to avoid assuming. So the
assumption is tested (:func:`pooled_residuals` with ``cells``: Cochran's Q of
the cells' mean residuals per class, Bonferroni over the two classes), the
result is written beside every pooled share (``corrected_note``), and the
between-cell variance of the error rates (:math:`\\tau^2`, DerSimonian & Laird
1986) is added to every pooled interval. The test has little power with ten
coded documents per cell and class; a pooled share whose error rates drift
is biased for the cells at either end of the drift, whatever its interval.

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

Brown, L. D., Cai, T. T., & DasGupta, A. (2001). Interval estimation for a
binomial proportion. *Statistical Science*, 16(2), 101-133.

Zou, G. Y., & Donner, A. (2008). Construction of confidence limits about
effect measures: a general approach. *Statistics in Medicine*, 27(10),
1693-1702. (Newcombe, R. G. (1998). Interval estimation for the difference
between independent proportions. *Statistics in Medicine*, 17, 873-890.)

Korn, E. L., & Graubard, B. I. (1998). Confidence intervals for proportions
with small expected number of positive counts estimated from survey data.
*Survey Methodology*, 24(2), 193-201.

DerSimonian, R., & Laird, N. (1986). Meta-analysis in clinical trials.
*Controlled Clinical Trials*, 7(3), 177-188.

Hajek, J. (1964). Asymptotic theory of rejective sampling with varying
probabilities from a finite population. *Annals of Mathematical Statistics*,
35(4), 1491-1523.

Berger, Y. G. (2004). A simple variance estimator for unequal probability
sampling without replacement. *Journal of Applied Statistics*, 31(3), 305-315.

Matei, A., & Tille, Y. (2005). Evaluation of variance approximations and
estimators in maximum entropy sampling with unequal probability and fixed
sample size. *Journal of Official Statistics*, 21(4), 543-570.

>>> import numpy as np
>>> f = np.array([1, 1, 0, 0, 0, 0, 0, 0.])
>>> coded = np.array([True, False, True, True, False, False, False, False])
>>> y = np.array([1, np.nan, 1, 0, np.nan, np.nan, np.nan, np.nan])
>>> pi = np.array([0.5, np.nan, 1/3, 1/3, np.nan, np.nan, np.nan, np.nan])
>>> round(corrected_mean(f, coded, y, pi, min_coded=3).estimate, 3)   # 2/8 + (0 + 3) / 8
0.625
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from statistics import NormalDist

import numpy as np
import pandas as pd

from civictext.config import DEFAULT_CI_LEVEL
from civictext.errors import TrendError

__all__ = ["CorrectedEstimate", "ClassRate", "corrected_mean", "corrected_shares",
           "CORRECTED_COLUMNS", "coded_only_mean", "pooled_corrected_mean", "pooled_residuals",
           "heterogeneity_note", "DEFAULT_MIN_CODED", "CELL_METHOD", "POOLED_METHOD",
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


def _jeffreys_halfwidths(p: float, n_eff: float, level: float) -> tuple[float, float]:
    """Distances from ``p`` down and up to the ends of the Jeffreys interval.

    The equal-tailed Jeffreys interval for a proportion ``p`` seen in ``n_eff``
    (effective) observations: the ``(1 - level) / 2`` and ``(1 + level) / 2``
    quantiles of Beta(k + 1/2, n_eff - k + 1/2), ``k = p * n_eff``, with the
    lower end 0 when p = 0 and the upper 1 when p = 1 (Brown, Cai & DasGupta
    2001). Unlike the Wald interval it has width when ``p`` is 0 or 1.
    """
    from scipy.special import betaincinv  # fast to import (scipy.stats is not)

    if not np.isfinite(n_eff):
        return 0.0, 0.0
    p = float(np.clip(p, 0.0, 1.0))
    k = p * n_eff
    a, b = k + 0.5, n_eff - k + 0.5
    lo = 0.0 if p <= 0 else float(betaincinv(a, b, (1 - level) / 2))
    hi = 1.0 if p >= 1 else float(betaincinv(a, b, (1 + level) / 2))
    return max(p - lo, 0.0), max(hi - p, 0.0)


def _collapse_strata(strata: np.ndarray, pi: np.ndarray) -> np.ndarray:
    """Variance strata with at least two coded documents each (collapsed strata).

    A stratum with one coded document has no variance estimate. Every such stratum
    is pooled into one; when there is a single one, it joins the stratum whose
    documents' weights are most like its own (closest mean ``log(1 / pi)``; ties to
    the first label in sorted order), and when every stratum is a singleton the
    class is one stratum. This is the collapsed-strata method: pairing a stratum
    with a similar one tends to overstate the variance, never to understate it much
    (Cochran 1977, *Sampling Techniques*, 3rd ed., ch. 5A). The other strata stay as
    they are: a stratum in which no relevant document was coded keeps its own
    Jeffreys width (pooling the whole class would let a stratum's other documents
    stand in for it, and the width of a zero-count stratum would vanish).
    """
    _, code, counts = np.unique(strata, return_inverse=True, return_counts=True)
    single = counts[code] < 2
    if not single.any():
        return code
    code = code.copy()
    if single.sum() >= 2:
        code[single] = -1
        return code
    if single.all():
        return np.zeros(len(code), dtype=int)
    logw = -np.log(pi)
    lone = int(np.flatnonzero(single)[0])
    others = np.unique(code[~single])
    dist = [abs(float(logw[code == k].mean()) - float(logw[lone])) for k in others]
    code[lone] = others[int(np.argmin(dist))]
    return code


def _hajek_variance(z: np.ndarray, pi: np.ndarray) -> float:
    """Variance of the Horvitz-Thompson total ``sum z`` of one stratum's sample.

    ``z_i = r_i / pi_i``; Hajek's (1964) approximation for fixed-size sampling
    with unequal probabilities (Berger 2004; Matei & Tille 2005 compare it
    with the exact forms): ``n / (n - 1) * sum_i c_i (z_i - B)^2``, ``c_i = 1 -
    pi_i``, ``B = sum c_i z_i / sum c_i``. When pi is equal (a simple random
    sample of n from N) it is the textbook ``N^2 (1 - n / N) s^2 / n``;
    documents taken with certainty (pi = 1) add nothing. z, pi: shape (n,).
    """
    n = len(z)
    c = 1.0 - pi
    if n < 2 or c.sum() <= 0:
        return 0.0
    b = float((c * z).sum() / c.sum())
    return n / (n - 1) * float((c * (z - b) ** 2).sum())


def _class_part(f: np.ndarray, y: np.ndarray, pi: np.ndarray, strata: np.ndarray | None,
                share: float, n_cell: int, level: float) -> tuple[float, float, float]:
    """One machine class's share of the design uncertainty, per design stratum.

    f, y, pi: shape (n_coded_in_class,), the class's coded articles; strata:
    the same shape, their design strata (None: the class is one stratum);
    ``share``: the class's share of the cell's ``n_cell`` articles. Returns
    ``(v, down2, up2)``: the design variance of the class's term of the
    estimate, ``sum_s V_s / n_cell^2`` with ``V_s`` the Hajek variance of the
    Horvitz-Thompson total of the residuals ``z_i = (y_i - f_i) / pi_i`` in
    stratum s (:func:`_hajek_variance`), and the squared MOVER distances down
    and up, ``sum_s (a_s d_s)^2``: for each stratum the Jeffreys interval of
    its (weighted) share of relevant coded articles ``p_s`` at the effective
    sample size its variance implies (Korn & Graubard 1998), ``p_s (1 - p_s)
    / v_s`` with ``v_s = V_s / N_s^2``, or ``1 / D_s``, ``D_s = sum (1 - pi_i)
    / pi_i^2 / N_s^2`` (a simple random sample's ``(1 - n / N) / n``; with
    unequal pi, Kish's effective size) when ``p_s`` is 0 or 1 or the residuals
    do not vary; ``N_s = sum 1 / pi_i`` and ``a_s = share * N_s / sum_s N_s``.
    A stratum in which no relevant (or no irrelevant) article was coded so
    still adds its Jeffreys width. With one stratum and equal pi this is the
    simple random sample of the class (``design="cells"``).
    """
    if float(((1 - pi) / pi ** 2).sum()) <= 0:  # every article of the class coded
        return 0.0, 0.0, 0.0
    w = 1.0 / pi
    z = (y - f) * w
    code = (np.zeros(len(z), dtype=int) if strata is None
            else _collapse_strata(np.asarray(strata).astype(str), pi))
    n_hat = float(w.sum())
    var = down2 = up2 = 0.0
    for s in np.unique(code):
        m = code == s
        n_s = float(w[m].sum())
        design = float(((1 - pi[m]) * w[m] ** 2).sum()) / n_s ** 2
        if design <= 0:  # a stratum taken whole: no design uncertainty
            continue
        big_v = _hajek_variance(z[m], pi[m])
        p = float((w[m] * y[m]).sum() / n_s)
        v = big_v / n_s ** 2
        n_eff = p * (1 - p) / v if (v > 0 and 0 < p < 1) else 1.0 / design
        down, up = _jeffreys_halfwidths(p, n_eff, level)
        a = share * n_s / n_hat
        var += big_v / n_cell ** 2
        down2 += (a * down) ** 2
        up2 += (a * up) ** 2
    return var, down2, up2


def corrected_mean(f: np.ndarray, coded: np.ndarray, y: np.ndarray, pi: np.ndarray, *,
                   level: float = DEFAULT_CI_LEVEL,
                   min_coded: int = DEFAULT_MIN_CODED,
                   strata: np.ndarray | None = None) -> CorrectedEstimate:
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
    strata : array, shape (n_docs,), optional
        The design stratum of each coded article (any labels; ignored
        elsewhere), e.g. the coding sheet's ``stratum`` column: the variance
        is computed within stratum x machine class. None (default): each
        machine class is one stratum, exact for ``design="cells"`` samples.

    Returns
    -------
    CorrectedEstimate
        ``estimate`` = mean of ``psi = f + coded * (y - f) / pi``, clipped to
        [0, 1]. ``se`` = sqrt(V1 + V2): V1 = t(1 - t) / n_docs, the variance of
        the cell's true share over sets of articles (``y`` is 0/1, so its
        variance is t(1 - t) at the estimate t); V2 = the design variance of
        the residual term: per machine class h (positives, negatives) and
        design stratum s within it, Hajek's per-document approximation of the
        variance of the Horvitz-Thompson total of ``z_i = (y_i - f_i) /
        pi_i``, ``n_s / (n_s - 1) * sum_i (1 - pi_i) (z_i - B_s)^2`` with
        ``B_s`` the ``(1 - pi)``-weighted mean of z (Hajek 1964; Berger
        2004), summed and divided by ``n_docs^2``. With equal pi within a
        class (a simple random sample per class, as ``design="cells"``
        draws) it is the stratified simple-random-sample variance
        ``sum_h N_h^2 (1 - n_h / N_h) s2_h / n_h / n_docs^2``; with unequal
        pi it weights each document's residual by its own ``1 / pi`` instead
        of treating the class as a simple random sample. ``lo, hi``: not estimate -/+
        z se, but the MOVER combination (Zou & Donner 2008) of Jeffreys
        intervals for each part: the class's share of relevant coded
        articles at its effective sample size (Korn & Graubard 1998), and
        the true share t at n_docs; clipped to [0, 1]. So a class in which no
        error was coded still adds uncertainty, without assuming errors are
        common. See the module docstring for the assumptions and references.

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
    if strata is not None:
        strata = np.asarray(strata, dtype=object)
        if strata.shape != f.shape:
            raise TrendError(f"corrected_mean: strata must have one label per article "
                             f"(shape {f.shape}, got {strata.shape})")
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
    down1, up1 = _jeffreys_halfwidths(t, n, level)  # the cell's true share, over sets of articles
    var, down2, up2 = t * (1 - t) / n, down1 ** 2, up1 ** 2
    for which, cls in (("positives", f >= 0.5), ("negatives", f < 0.5)):
        m = coded & cls
        if cls.any() and not m.any():
            return not_estimable(f"none of the cell's {int(cls.sum())} machine {which} "
                                 f"was coded")
        if m.any():
            v, d2, u2 = _class_part(f[m], y[m], pi[m], None if strata is None else strata[m],
                                    float(cls.mean()), n, level)
            var += v
            down2 += d2
            up2 += u2
    # around t: with a probability measure psi's mean can leave [0, 1]; the share cannot
    lo = float(np.clip(t - np.sqrt(down2), 0, 1))
    hi = float(np.clip(t + np.sqrt(up2), 0, 1))
    se = float(np.sqrt(var))
    return CorrectedEstimate(t, se, lo, hi, n, n_coded)


def coded_only_mean(coded: np.ndarray, y: np.ndarray, pi: np.ndarray, *,
                    level: float = DEFAULT_CI_LEVEL,
                    min_coded: int = DEFAULT_MIN_CODED,
                    strata: np.ndarray | None = None) -> CorrectedEstimate:
    """The share from the coded sample alone (no machine measure): Horvitz-Thompson.

    The same estimator as :func:`corrected_mean` with ``f = 0`` for every
    article (``psi = coded * y / pi``), the baseline a correction must beat:
    with a good machine measure the corrected interval is narrower.

    coded, y, pi, strata : arrays, shape (n_docs,), as in :func:`corrected_mean`.

    >>> import numpy as np
    >>> coded = np.r_[np.ones(10, bool), np.zeros(40, bool)]
    >>> y = np.r_[np.ones(3), np.zeros(7), np.full(40, np.nan)]
    >>> round(coded_only_mean(coded, y, np.where(coded, 0.2, np.nan)).estimate, 3)
    0.3
    """
    coded = np.asarray(coded, dtype=bool)
    return corrected_mean(np.zeros(len(coded)), coded, y, pi, level=level, min_coded=min_coded,
                          strata=strata)


@dataclass(frozen=True)
class ClassRate:
    """Pooled error rate of one machine class (positives or negatives).

    ``mean``: the inclusion-weighted mean residual ``y - f`` over every cell's
    coded articles of the class; ``var``: the variance of that mean;
    ``n_coded``; and the test of the pooled assumption across cells:
    ``tau2`` (between-cell variance of the cells' mean residuals, the
    DerSimonian-Laird moment estimate, 0 when the cells agree), ``q``, ``df``
    and ``p_value`` (Cochran's Q test that every cell has the same mean
    residual; NaN when fewer than two cells have coded articles of the class).
    """

    mean: float
    var: float
    n_coded: int
    tau2: float = 0.0
    q: float = float("nan")
    df: int = 0
    p_value: float = float("nan")


def pooled_residuals(f: np.ndarray, coded: np.ndarray, y: np.ndarray, pi: np.ndarray,
                     cells: np.ndarray | None = None) -> dict[str, ClassRate]:
    """Inclusion-weighted mean residual among machine positives and negatives, and
    a test of whether it is the same in every cell.

    Parameters
    ----------
    f, coded, y, pi : arrays, shape (n_docs,)
        As in :func:`corrected_mean`, over *all* cells together.
    cells : array, shape (n_docs,), optional
        Each document's cell (any labels). With it, the pooled assumption is
        tested: per class, the cells' (weighted) mean residuals ``r_c`` are
        compared with Cochran's Q = ``sum_c w_c (r_c - r_w)^2``, ``w_c = n_c /
        s2`` (``n_c`` coded articles of the class in cell c, ``s2`` the class's
        residual variance over all cells, ``r_w`` the ``w``-weighted mean), on
        ``df = cells - 1`` degrees of freedom, and ``tau2 = max(0, (Q - df) /
        (sum w - sum w^2 / sum w))`` is the between-cell variance of the error
        rate (DerSimonian & Laird 1986), which :func:`pooled_corrected_mean`
        adds to each cell's variance.

    Returns
    -------
    dict
        ``{"pos": ClassRate, "neg": ClassRate}`` (positives are ``f >= 0.5``):
        ``mean`` the Hajek (weight-normalised) mean of ``y - f`` with weights
        ``1 / pi``, ``var`` its linearised variance ``sum(w^2 (r - mean)^2) /
        sum(w)^2``; NaN when a class has no coded article.

    >>> import numpy as np
    >>> f = np.r_[np.zeros(8)]; coded = np.ones(8, bool); pi = np.full(8, 0.5)
    >>> y = np.r_[1, 1, 1, 1, 0, 0, 0, 0.]
    >>> r = pooled_residuals(f, coded, y, pi, cells=np.r_[np.zeros(4), np.ones(4)])["neg"]
    >>> round(r.mean, 2), r.df, r.tau2 > 0    # half the negatives missed, all in cell 0
    (0.5, 1, True)
    """
    f, coded, y, pi = _check_arrays(f, coded, y, pi, "pooled_residuals")
    out = {}
    for name, cls in (("pos", f >= 0.5), ("neg", f < 0.5)):
        m = coded & cls
        if not m.any():
            out[name] = ClassRate(np.nan, np.nan, 0)
            continue
        w, r = 1.0 / pi[m], y[m] - f[m]
        mean = float((w * r).sum() / w.sum())
        var = float((w ** 2 * (r - mean) ** 2).sum() / w.sum() ** 2)
        rate = ClassRate(mean, var, int(m.sum()))
        if cells is not None:
            rate = _heterogeneity(rate, r, w, np.asarray(cells, dtype=object)[m])
        out[name] = rate
    return out


def _heterogeneity(rate: ClassRate, r: np.ndarray, w: np.ndarray,
                   cell: np.ndarray) -> ClassRate:
    """``rate`` with Cochran's Q test across cells and the DerSimonian-Laird tau^2."""
    from scipy.special import chdtrc  # the chi-square upper tail (scipy.special is fast)

    labels, code = np.unique(cell.astype(str), return_inverse=True)
    n_cells = len(labels)
    if n_cells < 2 or len(r) < 3:
        return rate
    s2 = float((w * (r - rate.mean) ** 2).sum() / w.sum()) * len(r) / (len(r) - 1)
    if s2 <= 0:  # every coded residual of the class is the same: no heterogeneity
        return ClassRate(rate.mean, rate.var, rate.n_coded, 0.0, 0.0, n_cells - 1, 1.0)
    n_c = np.bincount(code, minlength=n_cells).astype(float)
    r_c = np.bincount(code, weights=w * r, minlength=n_cells) / np.bincount(
        code, weights=w, minlength=n_cells)
    wc = n_c / s2
    r_w = float((wc * r_c).sum() / wc.sum())
    q = float((wc * (r_c - r_w) ** 2).sum())
    df = n_cells - 1
    denom = float(wc.sum() - (wc ** 2).sum() / wc.sum())
    tau2 = max(0.0, (q - df) / denom) if denom > 0 else 0.0
    return ClassRate(rate.mean, rate.var, rate.n_coded, tau2, q, df, float(chdtrc(df, q)))


def heterogeneity_note(residuals: dict[str, ClassRate], *, alpha: float = 0.05) -> str:
    """One sentence on the pooled assumption's test, for ``corrected_note`` and the manifest.

    Rejected when either class's p-value is below ``alpha`` divided by the
    number of classes tested (Bonferroni: the chance of a false rejection is
    at most ``alpha``). With 10 coded documents per cell and class the test
    has little power (``benchmarks/RESULTS.md``): "not rejected" is not
    evidence that the error rates are equal.

    >>> heterogeneity_note({"pos": ClassRate(-0.1, 1e-4, 40, 0.0, 3.1, 5, 0.68),
    ...                     "neg": ClassRate(0.2, 1e-4, 40, 0.01, 20.0, 5, 0.001)})
    'pooled assumption rejected: error rates differ across cells (machine positives: Q = 3.1, df = 5, p = 0.68; machine negatives: Q = 20.0, df = 5, p = 0.001); the between-cell variance is added to every interval, prefer the per-cell correction'
    """
    tested = [(word, residuals[name]) for name, word in (("pos", "machine positives"),
                                                         ("neg", "machine negatives"))
              if name in residuals and residuals[name].df]
    parts = [f"{word}: Q = {r.q:.1f}, df = {r.df}, p = {r.p_value:.2g}" for word, r in tested]
    # Bonferroni over the classes tested: the family-wise level is alpha
    rejected = any(r.p_value < alpha / len(tested) for _, r in tested)
    if not parts:
        return "pooled assumption not tested (fewer than two cells with coded documents)"
    head = ("pooled assumption rejected: error rates differ across cells" if rejected else
            "pooled assumption not rejected (test of equal error rates across cells)")
    tail = ("; the between-cell variance is added to every interval, prefer the per-cell "
            "correction" if rejected else "")
    return f"{head} ({'; '.join(parts)}){tail}"


def pooled_corrected_mean(f: np.ndarray, residuals: dict[str, ClassRate],
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
        cell's share of machine positives; ``se^2 = t(1 - t) / n_docs + sum_h
        a_h^2 (var_h + tau2_h)``: the cell's true share over sets of articles,
        the pooled means' variance and the between-cell variance of the error
        rates (``tau2``, 0 when the cells agree: a cell's own error rate is
        the pooled one only under the pooled assumption); the interval is the
        estimate -/+ the normal quantile times ``se``.

    >>> import numpy as np
    >>> res = {"pos": ClassRate(-0.1, 0.0, 40), "neg": ClassRate(0.2, 0.0, 40)}
    >>> round(pooled_corrected_mean(np.r_[np.ones(5), np.zeros(5)], res).estimate, 3)
    0.55
    """
    f = np.asarray(f, dtype=float)
    n = len(f)
    if n == 0:
        return CorrectedEstimate(np.nan, np.nan, np.nan, np.nan, 0, n_coded, "no articles")
    a = float((f >= 0.5).mean())
    est, var = float(f.mean()), 0.0
    for name, share in (("pos", a), ("neg", 1 - a)):
        if share == 0:
            continue
        rate = residuals[name]
        if rate.n_coded < min_coded:
            which = "positives" if name == "pos" else "negatives"
            return CorrectedEstimate(np.nan, np.nan, np.nan, np.nan, n, n_coded,
                                     f"not estimable: {rate.n_coded} coded machine {which} in "
                                     f"all cells together, fewer than min_coded={min_coded}")
        est += share * rate.mean
        var += share ** 2 * (rate.var + rate.tau2)
    t = float(np.clip(est, 0, 1))
    se = float(np.sqrt(var + t * (1 - t) / n))
    q = _z(0.5 + level / 2)
    return CorrectedEstimate(t, se, float(np.clip(est - q * se, 0, 1)),
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
        :func:`civictext.themes.validation.read_coded`), every ``doc_id`` in
        ``machine``'s index and every theme a column of ``machine``; with a
        ``stratum`` column (the coding sheet's), the design variance is
        computed within stratum x machine class (see :func:`corrected_mean`).
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
        and ``corrected_note`` (``""`` or why the cell is not estimable; when
        pooled, the result of the test of the pooled assumption,
        :func:`heterogeneity_note`). A theme with no coded document at all is
        not estimable in every cell. When pooled, ``attrs["pooled_test"]``
        holds the test per theme (``note``, ``rejected`` and each class's
        :class:`ClassRate` as a dict).

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
    has_strata = "stratum" in coded.columns
    rows, tests = [], {}
    for theme in machine.columns:
        f = machine[theme].to_numpy(dtype=float)
        ct = coded[coded["theme"] == theme]
        is_coded = np.zeros(len(ids), dtype=bool)
        y = np.full(len(ids), np.nan)
        pi = np.full(len(ids), np.nan)
        strata = np.full(len(ids), "", dtype=object) if has_strata else None
        at = pos.reindex(ct["doc_id"].astype(str)).to_numpy()
        is_coded[at] = True
        y[at] = ct["relevant"].to_numpy(dtype=float)
        pi[at] = ct["pi"].to_numpy(dtype=float)
        if strata is not None:
            strata[at] = ct["stratum"].astype(str).to_numpy()
        residuals, test_note = None, ""
        if pooled and len(ct):
            residuals = pooled_residuals(f[placed], is_coded[placed], y[placed], pi[placed],
                                         cells=cell_code[placed])
            test_note = heterogeneity_note(residuals)
            tests[str(theme)] = {
                "note": test_note, "rejected": test_note.startswith("pooled assumption rejected"),
                **{name: {k: (None if isinstance(v, float) and np.isnan(v) else v)
                          for k, v in asdict(r).items()} for name, r in residuals.items()}}
        for label, idx in zip(labels, members):
            k = int(is_coded[idx].sum())
            if not len(ct):
                est = CorrectedEstimate(np.nan, np.nan, np.nan, np.nan, len(idx), 0,
                                        f"not estimable: theme {theme!r} is coded for none of "
                                        f"the documents")
            elif pooled:
                est = pooled_corrected_mean(f[idx], residuals, k, level=level,
                                            min_coded=min_coded)
                est = replace(est, note=est.note or test_note)
            else:
                est = corrected_mean(f[idx], is_coded[idx], y[idx], pi[idx], level=level,
                                     min_coded=min_coded,
                                     strata=None if strata is None else strata[idx])
            rows.append({"cell": label, "theme": theme, "share_corrected": est.estimate,
                         "corrected_lo": est.lo, "corrected_hi": est.hi,
                         "corrected_se": est.se, "n_coded": k, "correction": method,
                         "corrected_note": est.note})
    out = pd.DataFrame(rows, columns=["cell", "theme", *CORRECTED_COLUMNS])
    out["n_coded"] = out["n_coded"].astype("int64")
    if pooled:
        out.attrs["pooled_test"] = tests
    return out
