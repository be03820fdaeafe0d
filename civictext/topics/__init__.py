"""Stage 3b, topics: ``articles`` -> a fitted topic model and per-document topic weights.

Takes ``articles`` (``doc_id, text``; tokens from :mod:`civictext.text`); gives a
:class:`~civictext.topics.model.TopicModel` with::

    doc_topic: shape (n_docs, n_topics), rows sum to 1
    topics:    topic, rank, term, weight (the top terms of each topic)

(``ct.fit_topics``, ``ct.topic_stability``, ``ct.compare_n_topics``,
``ct.npmi_coherence``.)

Modules:

* :mod:`~civictext.topics.model`: NMF / LDA (optionally seeded by the theme
  lexicons), stability over seeds, coherence, saving and loading (skops, no code).

Next stage: :mod:`civictext.trends` (``ct.topic_trends``).
"""

from civictext._compat import forward as _forward

# civictext.topics was a module: its names still read through the package (deprecated)
__getattr__, __dir__ = _forward(__name__)
