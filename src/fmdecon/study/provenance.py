"""Provenance of result files: library version and source hash, git state, packages, config."""

from __future__ import annotations

import datetime as _dt
import functools
import hashlib
import json
import subprocess
from collections.abc import Mapping
from importlib import metadata
from pathlib import Path
from typing import Any

__all__ = ["git_state", "package_versions", "provenance_attrs", "source_hash"]

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # the whole fmdecon package
_PACKAGES = ("numpy", "scipy", "xarray", "netCDF4", "matplotlib", "snakemake")


@functools.cache
def source_hash() -> str:
    """SHA-256 (first 16 hex digits) of the library's source files.

    Pipeline rules pass it as a ``params:`` value, so that changing the library's code
    reruns the rules that use it (Snakemake by itself only watches the rule scripts).
    """
    digest = hashlib.sha256()
    for path in sorted(_PACKAGE_DIR.rglob("*")):
        if path.suffix in {".py", ".yaml"} and "__pycache__" not in path.parts:
            digest.update(path.relative_to(_PACKAGE_DIR).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


@functools.cache
def git_state() -> tuple[str, bool | None]:
    """Commit hash of the checkout holding the library source and whether it is dirty.

    Returns ``("unknown", None)`` outside a git checkout (e.g. an installed wheel).
    """
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=_PACKAGE_DIR,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=_PACKAGE_DIR,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return "unknown", None
    return commit, bool(status.strip())


def package_versions() -> dict[str, str]:
    """Versions of the packages that shape the numbers and the files."""
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return versions


def provenance_attrs(config: Mapping[str, Any] | None, rule: str) -> dict[str, str | int]:
    """Global netCDF attributes recording how a file was made.

    Parameters
    ----------
    config : mapping or None
        The validated study configuration (stored as JSON).
    rule : str
        The pipeline rule or command that wrote the file.

    Returns
    -------
    dict
        CF global attributes (``Conventions``, ``source``, ``history``, ...) and the
        ``fmdecon_*`` provenance attributes.
    """
    from fmdecon._version import __version__

    commit, dirty = git_state()
    created = _dt.datetime.now(_dt.UTC).replace(microsecond=0).isoformat()
    return {
        "Conventions": "CF-1.10",
        "source": f"fmdecon {__version__}",
        "history": f"{created} written by {rule} (fmdecon {__version__}, commit {commit})",
        "references": (
            "Welker, Illek & Giessibl, Beilstein J. Nanotechnol. 3, 238 (2012), "
            "doi:10.3762/bjnano.3.27"
        ),
        "fmdecon_version": __version__,
        "fmdecon_source_hash": source_hash(),
        "git_commit": commit,
        "git_dirty": "unknown" if dirty is None else str(dirty).lower(),
        "config": json.dumps(config, sort_keys=True) if config is not None else "null",
        "package_versions": json.dumps(package_versions(), sort_keys=True),
        "created": created,
        "rule": rule,
    }
