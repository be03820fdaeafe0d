"""Stage 2, text: the ``articles`` table -> normalised text, tokens and counts.

Takes ``articles`` (``doc_id, text`` and, for headline weighting, ``title``);
gives::

    tokens:  doc_id, tokens (list of str; multi-word terms joined with "_")
    counts:  a sparse document-term matrix, shape (n_docs, n_terms), and its vocabulary

(``ct.tokenize``, ``ct.count_tokens``, ``ct.Analyzer`` for scikit-learn
vectorizers; ``ct.normalize_text`` / ``ct.fold`` on single strings.)

Modules:

* :mod:`~civictext.text.normalize`: ``str -> str`` cleaning steps (NFC first,
  tone marks, quotes, whitespace) and the folded search key.
* :mod:`~civictext.text.segmentation`: Vietnamese word segmentation
  (underthesea), stop words (``load_stopwords``), ``tokenize`` and ``count_tokens``.
* :mod:`~civictext.text.cache`: the on-disk token cache (SQLite, one entry per
  document text and settings).

Next stages: :mod:`civictext.themes` and :mod:`civictext.topics`.
"""
