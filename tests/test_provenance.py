"""Provenance attributes and the library source hash that makes rules rerun."""

from __future__ import annotations

import json
import shutil

import fmdecon
from fmdecon.study import provenance


def test_source_hash_changes_with_any_library_file(tmp_path, monkeypatch):
    copy = tmp_path / "fmdecon"
    shutil.copytree(provenance._PACKAGE_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(provenance, "_PACKAGE_DIR", copy)
    provenance.source_hash.cache_clear()
    try:
        before = provenance.source_hash()
        assert before == provenance.source_hash.__wrapped__()
        (copy / "methods/matrix.py").write_text(
            (copy / "methods/matrix.py").read_text() + "\n# changed\n"
        )
        provenance.source_hash.cache_clear()
        assert provenance.source_hash() != before
        (copy / "__pycache__").mkdir()
        (copy / "__pycache__" / "x.py").write_text("ignored")
        after = provenance.source_hash()
        provenance.source_hash.cache_clear()
        assert provenance.source_hash() == after  # caches do not count
    finally:
        provenance.source_hash.cache_clear()


def test_provenance_attributes():
    config = {"study": "x", "grid": {"points": 10}}
    attrs = provenance.provenance_attrs(config, rule="test rule")
    assert attrs["fmdecon_version"] == fmdecon.__version__
    assert json.loads(attrs["config"]) == config
    versions = json.loads(attrs["package_versions"])
    assert set(versions) >= {"numpy", "scipy", "xarray", "netCDF4", "matplotlib", "snakemake"}
    assert attrs["rule"] == "test rule"
    assert attrs["Conventions"].startswith("CF-")
    assert attrs["git_dirty"] in {"true", "false", "unknown"}
    assert attrs["created"] in attrs["history"]
