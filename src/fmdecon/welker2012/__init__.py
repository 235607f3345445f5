"""Welker, Illek & Giessibl, Beilstein J. Nanotechnol. 3, 238 (2012): the paper as data.

- :mod:`~fmdecon.welker2012.facts`: its set-up, marked amplitudes and the numbers it reports
- :mod:`~fmdecon.welker2012.catalog`: Figs 2-9 in the figure registry of :mod:`fmdecon.plot`,
  with their report captions in ``captions/``
- :mod:`~fmdecon.welker2012.figures`: the bodies of Figs 2-9, from the cubes
- :mod:`~fmdecon.welker2012.comparison`: the table of its claims, evaluated on the cubes

The study's figures beyond the paper (Figs 10, 11, 15) are in :mod:`fmdecon.beyond`. Needs the
``study`` and ``plot`` extras.
"""
