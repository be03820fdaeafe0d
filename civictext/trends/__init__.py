"""Stage 4, trends: scores (or topic weights) + ``articles`` -> shares over time and by outlet.

Takes the ``scores`` of :mod:`civictext.themes` (or a topic model's weights) and
``articles`` (``doc_id, published`` and the ``by`` column, e.g. ``source``); gives::

    trends:       [by,] period, theme, n_articles, n_present, share, share_lo,
                  share_hi, mean_per_1k, ..., low_n
                  (+ the corrected-share columns with a coded sample)
    topic_trends: period, topic, n_articles, mean_weight, weight_lo, weight_hi, low_n
    volume:       period, n_articles

(``ct.theme_trends``, ``ct.topic_trends``, ``ct.corpus_volume``,
``ct.compare_periods``, ``ct.theme_cooccurrence``, ``ct.top_terms_by_theme``,
``ct.choose_freq``; ``ct.corrected_shares`` and friends.)

Modules:

* :mod:`~civictext.trends.shares`: periods, shares with bootstrap intervals,
  co-occurrence and top terms.
* :mod:`~civictext.trends.correction`: shares corrected with a coded sample
  (design-based supervised learning).

Next stage: :mod:`civictext.viz`.
"""

from civictext._compat import forward as _forward

# civictext.trends was a module: its names still read through the package (deprecated)
__getattr__, __dir__ = _forward(__name__)
