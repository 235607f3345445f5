"""The study's figures beyond the paper, on a noise-free study: every method side by side
(Fig. 10), the matrix-family methods against A/d (Fig. 11) and the CoD with the amplitudes the
inflection-point test forbids (Fig. 15).

- :mod:`~fmdecon.beyond.catalog`: their entries in the figure registry
  :data:`fmdecon.figures.FIGURES`, with their report captions in ``captions/``
- :mod:`~fmdecon.beyond.figures`: their bodies

Needs the ``study`` and ``plot`` extras; ``import fmdecon`` does not import this package.
"""
