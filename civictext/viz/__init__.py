"""Stage 5, viz: the trend tables -> figures (PNG/SVG) and the CSV of the numbers behind each.

Takes the tables of :mod:`civictext.trends` (and ``articles`` for the volume
figure); gives ``figures/<name>.png``, ``.svg`` and ``.csv`` plus the captions.

Modules:

* :mod:`~civictext.viz.plots`: ``plot_*(data, *, ax=None) -> Axes``: draws only,
  never saves or shows.
* :mod:`~civictext.viz.figures`: one function per figure, named by what it shows,
  each drawing with :mod:`~civictext.viz.plots` and writing its PNG, SVG and CSV
  (``ct.figures_from_tables``, ``ct.build_figures``).

The whole job (every stage, then the figures) is :mod:`civictext.pipeline`.
"""
