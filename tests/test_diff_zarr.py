"""``fmdecon diff`` on zarr stores: block by block, the same report as in memory, within a
memory limit smaller than the stores."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

from fmdecon.diff import diff_paths
from fmdecon.diff.compare import _blocks, _diff_variable, _diff_variable_blocked

REPO = Path(__file__).resolve().parents[1]


def _pair(shape=(3, 5, 4, 6)) -> tuple[xr.DataArray, xr.DataArray]:
    """Two arrays with planted differences: ties, NaN mismatches, a NaN on both sides."""
    rng = np.random.default_rng(7)
    dims = ("deconvolution", "kappa", "sigma", "amplitude")
    old = rng.normal(size=shape)
    new = old.copy()
    new[0, 1, 2, 3] += 0.5
    new[2, 4, 0, 0] += 0.5  # a tie with the first: the first in C order is reported first
    new[1, 0, 3, 5] = np.nan  # a non-finite mismatch
    new[2, 2, 2, 2] = np.inf
    old[0, 0, 0, 0] = new[0, 0, 0, 0] = np.nan  # equal
    new[1, 3, 1, 1] *= 1 + 1e-9
    new[:, 2, 1, 4] -= 1e-3
    coords = {d: np.arange(n) * 1.5 + 1 for d, n in zip(dims, shape, strict=True)}
    coords["deconvolution"] = ["a", "b", "c"]
    make = lambda values: xr.DataArray(values, dims=dims, coords=coords, name="cod")  # noqa: E731
    return make(old), make(new)


def test_blocks_cover_in_c_order():
    shape = (3, 5, 4, 6)
    seen = np.zeros(shape, dtype=int)
    order = []
    for block in _blocks(shape, 10):
        seen[block] += 1
        order += list(np.arange(np.prod(shape)).reshape(shape)[block].ravel())
    assert (seen == 1).all()
    assert order == sorted(order)


@pytest.mark.parametrize("budget", [1, 6, 7, 24, 100, 10_000])
@pytest.mark.parametrize("max_points", [3, 50])
def test_blocked_diff_is_the_diff_in_memory(budget, max_points):
    old, new = _pair()
    whole = _diff_variable(old, new, 1e-12, 0.0, max_points)
    blocked = _diff_variable_blocked(
        old.chunk({"kappa": 2}), new.chunk({"sigma": 3}), 1e-12, 0.0, max_points, budget
    )
    assert repr(blocked) == repr(whole)  # NaN-safe: every field, every listed point
    assert whole.differing > 5


def _write_store(path: Path, values_per_side: int, shift: float) -> None:
    """A synthetic cube of ``values_per_side`` float64 values, written slab by slab."""
    kappa, amplitude = 2000, values_per_side // 2000 // 2
    dims = ("deconvolution", "kappa", "amplitude")
    coords = {
        "deconvolution": ["sader_jarvis", "matrix"],
        "kappa": np.linspace(1e9, 2e10, kappa),
        "amplitude": np.geomspace(1e-11, 1e-9, amplitude),
    }
    import dask.array as da

    template = xr.Dataset(
        {"cod": (dims, da.zeros((2, kappa, amplitude), chunks=(2, 100, amplitude)))},
        coords=coords,
    )
    template["cod"].attrs["units"] = "1"
    template.to_zarr(path, compute=False, mode="w-", zarr_format=2, consolidated=True)
    grid = np.arange(amplitude) / amplitude
    for start in range(0, kappa, 100):
        rows = np.arange(start, start + 100)[:, None] * 1e-3 + grid[None, :]
        slab = np.stack([rows, rows * 2])
        if shift and start == 1200:
            slab[1, 7, 11] += shift
        xr.Dataset({"cod": (dims, slab)}).to_zarr(
            path, region={"deconvolution": slice(None), "kappa": slice(start, start + 100)}
        )


CHILD = textwrap.dedent(
    """
    import resource, sys
    import numpy, xarray, zarr, dask, dask.array
    from fmdecon.cli import main
    from fmdecon.study.store import open_cube
    import fmdecon.diff, fmdecon.diff.report

    def vm():
        for line in open("/proc/self/status"):
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024

    limit = vm() + int(sys.argv[3])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    if sys.argv[4] == "load":  # the control: the store whole does not fit
        try:
            open_cube(sys.argv[1]).load()
        except MemoryError:
            sys.exit(42)
        sys.exit(0)
    sys.exit(main(["diff", sys.argv[1], sys.argv[2]]))
    """
)


def test_diff_of_stores_larger_than_the_memory_limit(tmp_path):
    """Two 320 MB stores compared under an address-space limit of 200 MB above the loaded
    interpreter: loading one store whole fails (MemoryError), the diff succeeds and finds
    the one planted difference."""
    size = 40_000_000  # values per side: 320 MB of float64
    old, new = tmp_path / "old.zarr", tmp_path / "new.zarr"
    _write_store(old, size, 0.0)
    _write_store(new, size, 0.25)
    env = {"PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1", "MALLOC_ARENA_MAX": "2"}
    headroom = str(200 * 2**20)

    def child(mode):
        return subprocess.run(
            [sys.executable, "-c", CHILD, str(old), str(new), headroom, mode],
            capture_output=True,
            text=True,
            env=env,
            timeout=600,
            check=False,
        )

    control = child("load")
    assert control.returncode == 42, control.stderr[-2000:]
    result = child("diff")
    assert result.returncode == 1, result.stderr[-2000:]  # 1: the data differ
    assert "1 of 40000000" in result.stdout or "1 differ" in result.stdout, result.stdout
    assert "0.25" in result.stdout, result.stdout


def test_diff_of_stores_in_process(tmp_path):
    """The blocked diff of two stores is the in-memory diff of the same data."""
    old, new = tmp_path / "old.zarr", tmp_path / "new.zarr"
    _write_store(old, 4_000_000, 0.0)
    _write_store(new, 4_000_000, 0.25)
    report = diff_paths(old, new)
    (variable,) = report.files[0].variables
    assert variable.differing == 1
    assert variable.max_abs_diff == pytest.approx(0.25, rel=1e-12)
    loaded = [xr.open_zarr(p).load() for p in (old, new)]
    whole = _diff_variable(loaded[0]["cod"], loaded[1]["cod"], 1e-12, 0.0, 20)
    assert repr(variable) == repr(whole)
