"""Stage 3a, themes: ``articles`` (+ tokens) -> per-document theme scores and evidence.

Takes ``articles`` and a lexicon (``ct.load_lexicons()``: the bundled
``data/lexicons/*.yaml``) and, by default, the bundled theme model; gives::

    scores:   doc_id, theme, hits, folded_hits, n_tokens, per_1k, score,
              headline_hit, sentences_hit, n_sentences, mentioned, present
              (+ p_model, present_model with a theme model)
    evidence: doc_id, theme, term, matched, start, end, sentence, folded, weak
    coverage: theme, term, weak, docs, hits, ..., note, source_file

(``ct.score_themes``, ``ct.theme_evidence``, ``ct.coverage_report``.)

Modules:

* :mod:`~civictext.themes.lexicon`: the theme lexicons (``Lexicon``, ``load_lexicons``).
* :mod:`~civictext.themes.scoring`: term matching and the presence rules
  (``score_themes``, ``theme_evidence``, ``coverage_report``).
* :mod:`~civictext.themes.model`: the supervised theme model fitted on coded
  documents (``fit_theme_model``, ``load_theme_model``, ``ThemeModel``).
* :mod:`~civictext.themes.validation`: coding samples and agreement with coders
  (``sample_for_coding``, ``read_coded``, ``validate``).

Next stage: :mod:`civictext.trends`.
"""

from civictext._compat import forward as _forward

# civictext.themes was a module: its names still read through the package (deprecated)
__getattr__, __dir__ = _forward(__name__)
