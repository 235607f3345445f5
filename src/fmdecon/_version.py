"""The installed fmdecon version."""

from importlib import metadata

try:
    __version__ = metadata.version("fmdecon")
except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0+unknown"
