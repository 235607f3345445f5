"""Warning classes of the deconvolution methods (public through :mod:`fmdecon`)."""

from __future__ import annotations


class SmallAmplitudeWarning(UserWarning):
    """The amplitude spans less than one grid step: the matrix method is unreliable."""


class CoarseGridWarning(SmallAmplitudeWarning):
    """A/d is below the advised 50 (Welker et al. 2012): the matrix method loses accuracy.

    A subclass of :class:`SmallAmplitudeWarning`, so filters on that class cover it too.
    """
