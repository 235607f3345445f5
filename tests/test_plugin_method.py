"""A fifth method registered from outside the package reaches every layer through its entry.

The toy method is the matrix method's system written out as a small dense matrix (built and
solved densely: fine for a test's few hundred points, never in the package). Registered here,
and only here, it goes through ``fmdecon.deconvolve``, ``force_noise`` (its own exact noise,
then the generic fallback), ``fmdecon deconvolve`` and a quick study's cubes (noise-free and
noisy), with no other file edited. Its numbers are checked against the built-in matrix method,
an independent implementation of the same operator.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import fmdecon
from fmdecon.methods import Method, register_method, unregister_method

K, F0 = 1800.0, 32768.0
AMPLITUDE = 137e-12
LAW = fmdecon.Morse(4.25e9, 0.235e-9, 0.371e-18)


def dense_operator(z: np.ndarray, amplitude: float, k: float, f0: float) -> np.ndarray:
    """``W`` of the matrix method as a dense N x N matrix on the input's axis:
    ``df_i = sum_(m = 0 .. 2 alpha) w_m F_(i+m)`` (forces beyond the far end are zero)."""
    step = (z[-1] - z[0]) / (z.size - 1)
    weights = fmdecon.matrix_weights(amplitude, step, k, f0)
    n = z.size
    dense = np.zeros((n, n))
    for m, w in enumerate(weights[:n]):
        dense += np.diag(np.full(n - m, w), m)
    return dense


def toy(z, df, amplitude, k, f0):
    """Deconvolve by solving the dense system; any batch ``(..., N)``."""
    z = np.asarray(z, dtype=np.float64)
    df = np.asarray(df, dtype=np.float64)
    inverse = np.linalg.inv(dense_operator(z, amplitude, k, f0))
    return df @ inverse.T


def toy_row_norms(z, amplitude, k, f0, options):
    """Exact noise: row norms of the dense inverse."""
    if options:
        return None
    return np.linalg.norm(np.linalg.inv(dense_operator(z, amplitude, k, f0)), axis=1)


TOY = Method(
    name="toy_dense",
    function=toy,
    label="toy (dense matrix)",
    short_label="toy",
    uniform_grid=True,
    family="matrix",
    batched=True,
    row_norms=toy_row_norms,
    reference="tests/test_plugin_method.py",
)


@pytest.fixture
def registered():
    """The toy method in the registry for one test, removed afterwards."""
    register_method(TOY)
    try:
        yield TOY
    finally:
        unregister_method(TOY.name)
    assert TOY.name not in fmdecon.METHODS


@pytest.fixture
def curve():
    z = np.linspace(0.23e-9, 2.0e-9, 300)
    return z, LAW.frequency_shift(z, AMPLITUDE, K, F0)


def close(got, want, rtol=1e-9):
    np.testing.assert_allclose(got, want, rtol=0, atol=rtol * np.max(np.abs(want)))


def test_registration_is_checked(registered):
    with pytest.raises(ValueError, match="registered already"):
        register_method(TOY)
    with pytest.raises(ValueError, match="needs a Method entry"):
        register_method("toy")
    with pytest.raises(ValueError, match="family must be one of"):
        Method("x", toy, "x", "x", True, family="unknown")
    assert list(fmdecon.METHODS)[-1] == TOY.name  # shown after the built-in methods


def test_deconvolve_and_batches(registered, curve):
    z, df = curve
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fmdecon.CoarseGridWarning)
        reference = fmdecon.matrix_method(z, df, AMPLITUDE, K, F0)
    force = fmdecon.deconvolve(TOY.name, z, df, AMPLITUDE, K, F0)
    close(force, reference)
    batch = np.stack([df, 2.0 * df])
    close(fmdecon.METHODS[TOY.name].batch(z, batch, AMPLITUDE, K, F0)[1], 2.0 * reference)


def test_force_noise_uses_the_entry_and_the_fallback(registered, curve):
    z, _ = curve
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fmdecon.CoarseGridWarning)
        reference = fmdecon.force_noise("matrix", z, AMPLITUDE, K, F0, 0.1)
    close(fmdecon.force_noise(TOY.name, z, AMPLITUDE, K, F0, 0.1), reference)
    # without its own noise: the generic responses to unit vectors, same numbers
    generic = Method("toy_generic", toy, "toy", "toy", True, family="matrix")
    close(fmdecon.force_noise(generic, z, AMPLITUDE, K, F0, 0.1), reference)
    calls = []

    def counted(*args):
        calls.append(1)
        return toy_row_norms(*args)

    counting = Method("toy_counted", toy, "toy", "toy", True, row_norms=counted)
    fmdecon.force_noise(counting, z, AMPLITUDE, K, F0, 0.1)
    assert calls == [1]


def test_a_method_without_batches_is_looped(curve):
    z, df = curve
    calls = []

    def single(z, df, amplitude, k, f0):
        assert np.ndim(df) == 1
        calls.append(1)
        return toy(z, df, amplitude, k, f0)

    entry = Method("toy_single", single, "toy", "toy", True)
    out = entry.batch(z, np.stack([df, df, df]), AMPLITUDE, K, F0)
    assert out.shape == (3, z.size)
    assert len(calls) == 3
    close(out[2], toy(z, df, AMPLITUDE, K, F0))


def test_cli_deconvolve(registered, curve, tmp_path, capsys):
    from fmdecon.cli import main

    z, df = curve
    path = tmp_path / "curve.csv"
    fmdecon.write_table(path, z, df)
    out = tmp_path / "curve.nc"
    args = [str(path), "--amplitude", "137pm", "--k", "1800", "--f0", "32768", "-o", str(out)]
    code = main(["deconvolve", *args, "--method", TOY.name, "--method", "sader_jarvis"])
    assert code == 0, capsys.readouterr().err
    assert "toy" in capsys.readouterr().out
    import xarray as xr

    with xr.open_dataset(out) as result:
        methods = [str(m) for m in result["deconvolution"].values]
        assert methods == [TOY.name, "sader_jarvis"]
        force = result["force"].sel(deconvolution=TOY.name).to_numpy()
        std = result["force_std"].sel(deconvolution=TOY.name).to_numpy()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fmdecon.CoarseGridWarning)
        reference = fmdecon.matrix_method(z, df, AMPLITUDE, K, F0)
    close(force, reference)
    assert np.all(np.isfinite(std))
    assert np.all(std > 0)


@pytest.fixture
def quick_study():
    from pathlib import Path

    from fmdecon.study import Study, load_config, validate_config

    def make(perturbations=None):
        config = load_config(Path(__file__).parents[1] / "config" / "quick.yaml")
        config["amplitudes"] = {"min": 40e-12, "max": 400e-12, "count": 3}
        config["grid"] = {"z_min": 0.23e-9, "z_max": 2.0e-9, "points": 300}
        config["chunking"]["amplitudes_per_job"] = 3
        config["methods"] = ["matrix", TOY.name]
        config["laws"] = {"morse": {**config["laws"]["morse"], "kappa": 4.25e9}}
        config["figures"] = {"morse": {"at": {}, "marked_amplitudes": [137e-12]}}
        if perturbations:
            config["perturbations"] = perturbations
        return Study(validate_config(config))

    return make


def test_quick_study_cube(registered, quick_study):
    from fmdecon.study import deconvolve_chunk, merge, simulate

    study = quick_study()
    chunks = [
        deconvolve_chunk(simulate(study, "morse", p, b), study.methods)
        for p, b in study.chunks("morse")
    ]
    cube = merge(study, "morse", chunks)
    assert [str(m) for m in cube["deconvolution"].values] == ["matrix", TOY.name]
    for metric in ("cod", "delta_f_min", "delta_z_min"):
        ours = cube[metric].sel(deconvolution=TOY.name).to_numpy()
        theirs = cube[metric].sel(deconvolution="matrix").to_numpy()
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-15)
    assert np.all(np.isfinite(cube["cod"].to_numpy()))


def test_noise_study_cube(registered, quick_study):
    from fmdecon.study import deconvolve_chunk, merge, simulate
    from fmdecon.study.perturb import Perturbations

    study = quick_study({"noise_rms": [0.0, 0.1], "realizations": 20, "seed": 7})
    perturbations = Perturbations.from_config(study.config)
    chunks = [
        deconvolve_chunk(simulate(study, "morse", p, b), study.methods, False, perturbations)
        for p, b in study.chunks("morse")
    ]
    cube = merge(study, "morse", chunks)
    std = cube["force_std_exact"].sel(noise_rms=0.1)
    np.testing.assert_allclose(
        std.sel(deconvolution=TOY.name), std.sel(deconvolution="matrix"), rtol=1e-9
    )
    assert math.isfinite(float(std.sel(deconvolution=TOY.name).max()))
