"""Welker, Illek & Giessibl, Beilstein J. Nanotechnol. 3, 238 (2012): the paper as data.

- :mod:`~fmdecon.welker2012.facts`: its set-up, marked amplitudes and the numbers it reports
- :mod:`~fmdecon.welker2012.figures`: Figs 2-9 (and the study's further figures) from the cubes
- :mod:`~fmdecon.welker2012.comparison`: the table of its claims, evaluated on the cubes

Needs the ``study`` and ``plot`` extras.
"""
