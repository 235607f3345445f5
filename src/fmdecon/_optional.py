"""Optional dependencies: a clear message naming the extra to install, instead of an
ImportError deep inside a module (as scikit-hep/hist does for its ``plot`` extra)."""

from __future__ import annotations

import importlib.util

__all__ = ["require"]


def require(extra: str, *modules: str) -> None:
    """Raise ImportError naming ``fmdecon[extra]`` if any of ``modules`` is not installed."""
    missing = [name for name in modules if importlib.util.find_spec(name) is None]
    if missing:
        raise ImportError(
            f"this part of fmdecon needs the '{extra}' extra (missing: {', '.join(missing)}); "
            f"install it with: pip install 'fmdecon[{extra}]'"
        )
