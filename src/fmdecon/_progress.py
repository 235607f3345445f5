"""Optional progress bars on the few long loops (tqdm, to stderr).

A bar is drawn only when the work is expected to take at least ``PROGRESS_SECONDS`` and
either stderr is a terminal or the command line asked for it (``--progress``:
:func:`show_progress`); never when tqdm is not installed (it is in the ``study`` extra).
tqdm is imported only when a bar is drawn, so ``import fmdecon`` does not import it.
"""

from __future__ import annotations

import contextlib
import contextvars
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

__all__ = ["PROGRESS_SECONDS", "progress", "show_progress"]

#: Shortest expected work [s] that gets a bar.
PROGRESS_SECONDS = 3.0

_T = TypeVar("_T")
_MODE: contextvars.ContextVar[bool | None] = contextvars.ContextVar(
    "fmdecon_progress", default=None
)


@contextlib.contextmanager
def show_progress(mode: bool | None) -> Iterator[None]:
    """Inside the block: ``True`` draws bars on long work whatever stderr is, ``False`` never,
    ``None`` (the default) when stderr is a terminal."""
    token = _MODE.set(mode)
    try:
        yield
    finally:
        _MODE.reset(token)


def progress(
    items: Iterable[_T], *, total: int, description: str, seconds: float = float("inf")
) -> Iterable[_T]:
    """``items``, wrapped in a tqdm bar on stderr if the work (``seconds`` expected, infinite
    when unknown) is long enough and bars are on (:func:`show_progress`)."""
    mode = _MODE.get()
    if mode is False or seconds < PROGRESS_SECONDS or total < 2:
        return items
    if mode is None and not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        return items
    try:
        from tqdm import tqdm
    except ImportError:  # optional: no bar
        return items
    return tqdm(items, total=total, desc=description, file=sys.stderr, leave=False)
