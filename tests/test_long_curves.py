"""Long curves (issue 20, item 4): grids uniform to their printed digits are snapped and take
the O(N log N) paths; truly non-uniform long grids are refused before any work, with the
estimated time; the fast paths equal the slow obvious ones."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

import fmdecon
from fmdecon._validation import (
    DIRECT_SUM_LIMIT,
    FFT_UNIFORM_RTOL,
    check_direct_sum,
    fft_uniform,
    is_uniform,
)
from fmdecon.cli import main
from fmdecon.io import read_curve, write_table
from fmdecon.io._text import _parse_rows, parse_numbers
from fmdecon.methods.sader_jarvis import _kernel_sum_direct
from fmdecon.wellposedness import savgol

K, F0, AMPLITUDE = 1800.0, 32768.0, 100e-12
MORSE = fmdecon.Morse(4.25e9, 0.235e-9, 0.371e-18)


def six_digits(values):
    """``values`` as ``%.6g`` prints them."""
    return np.array([float(f"{v:.6g}") for v in values])


@pytest.fixture(scope="module")
def printed():
    """N = 3000 on 0.23-5 nm printed with six significant digits, and its Δf (the model at the
    lattice: the file's rounding moved z, not the measurement)."""
    lattice = np.linspace(0.23e-9, 5e-9, 3000)
    return lattice, six_digits(lattice), MORSE.frequency_shift(lattice, AMPLITUDE, K, F0)


def test_snap_grid_recognises_grids_uniform_to_their_printed_digits(printed):
    lattice, z, _ = printed
    snapped = fmdecon.snap_grid(z)
    assert snapped.snapped
    np.testing.assert_array_equal(snapped.z, lattice)
    assert 0 < snapped.deviation <= 5e-6 * z.max()
    np.testing.assert_allclose(snapped.deviation, np.max(np.abs(z - lattice)))
    assert not fft_uniform(z[:-1])  # as printed, Sader-Jarvis would take the direct sums
    kept = fmdecon.snap_grid(lattice)  # already a lattice: unchanged
    assert not kept.snapped
    np.testing.assert_array_equal(kept.z, lattice)
    uneven = 0.23e-9 * np.geomspace(1.0, 20.0, 3000)  # truly non-uniform: kept
    assert not fmdecon.snap_grid(uneven).snapped
    # rounding coarser than half a step would move a point by more than the snap allows
    coarse = lattice + np.where(np.arange(3000) % 2, 0.6, 0.0) * (lattice[1] - lattice[0])
    assert not fmdecon.snap_grid(coarse).snapped


def test_a_long_linspace_is_a_lattice_for_the_fft_paths():
    z = np.linspace(0.23e-9, 10.23e-9, 1_200_000)  # its rounding exceeds FFT_UNIFORM_RTOL
    assert not is_uniform(z[:-1], FFT_UNIFORM_RTOL)
    assert fft_uniform(z[:-1])
    assert fft_uniform(z)
    df = MORSE.frequency_shift(z, AMPLITUDE, K, F0)
    with fmdecon.direct_sum_limit(0.5):  # a direct sum would be refused: none is run
        force = fmdecon.sader_jarvis(z, df, AMPLITUDE, K, F0)
        std = fmdecon.force_noise("sader_jarvis", z, AMPLITUDE, K, F0, 0.1)
        energy = fmdecon.sader_jarvis_energy(z, df, AMPLITUDE, K, F0)
    for values in (force, std, energy):
        assert np.isfinite(values[: z.size - 3]).all()
    assert abs(np.nanmin(force) / MORSE.force_minimum()[1] - 1) < 0.1


def test_snapped_fast_path_matches_the_direct_sum_to_the_rounding_undone(printed):
    """The snapped grid's FFT paths (force, noise, energy) against the direct sums on the z
    values as printed: they differ by the rounding the snap undid, a few times
    deviation / step of the largest value, no more."""
    _, z, df = printed
    snapped = fmdecon.snap_grid(z)
    step = (z[-1] - z[0]) / (z.size - 1)
    bound = 3.0 * snapped.deviation / step
    pairs = [
        (
            fmdecon.sader_jarvis(snapped.z, df, AMPLITUDE, K, F0),
            fmdecon.sader_jarvis(z, df, AMPLITUDE, K, F0),
        ),
        (
            fmdecon.force_noise("sader_jarvis", snapped.z, AMPLITUDE, K, F0, 0.1),
            fmdecon.force_noise("sader_jarvis", z, AMPLITUDE, K, F0, 0.1),
        ),
        (
            fmdecon.sader_jarvis_energy(snapped.z, df, AMPLITUDE, K, F0),
            fmdecon.sader_jarvis_energy(z, df, AMPLITUDE, K, F0),
        ),
    ]
    for fast, direct in pairs:
        scale = np.nanmax(np.abs(direct))
        difference = np.nanmax(np.abs(fast - direct)) / scale
        assert 0 < difference < bound, (difference, bound)
    # and on the lattice itself the FFT equals the direct kernel sum to rounding
    values = np.random.default_rng(3).normal(size=snapped.z.size)
    direct = _kernel_sum_direct(values, snapped.z)
    from fmdecon.methods.sader_jarvis import _correlate_uniform

    np.testing.assert_allclose(
        _correlate_uniform(values, step), direct, rtol=0, atol=1e-11 * np.abs(direct).max()
    )


@pytest.mark.parametrize(
    ("grid", "advice"),
    [
        (0.23e-9 * np.geomspace(1.0, 40.0, 70_000), "resample df onto a uniform grid"),
        (np.round(np.linspace(0.23, 10.23, 70_000), 6) * 1e-9, "z = fmdecon.snap_grid(z).z"),
    ],
)
def test_a_long_non_uniform_grid_is_refused_before_any_work(grid, advice):
    df = -np.exp(-(grid - grid[0]) / 1e-9)
    calls = [
        lambda: fmdecon.sader_jarvis(grid, df, AMPLITUDE, K, F0),
        lambda: fmdecon.force_noise("sader_jarvis", grid, AMPLITUDE, K, F0, 0.1),
        lambda: fmdecon.sader_jarvis_energy(grid, df, AMPLITUDE, K, F0),
    ]
    for call in calls:
        with pytest.raises(fmdecon.LongComputationError) as info:
            call()
        message = str(info.value)
        assert "N = 70000 an estimated 73.5 s, above the limit of 60 s" in message
        assert advice in message
        assert "fmdecon.direct_sum_limit(None)" in message
        assert "\n" not in message
    # the limit is the caller's: lifted, the estimate is returned (nothing is run here)
    with fmdecon.direct_sum_limit(None):
        assert check_direct_sum(grid, "test") == pytest.approx(73.5)
    with fmdecon.direct_sum_limit(100.0):
        assert check_direct_sum(grid, "test") < 100.0
    assert check_direct_sum(grid[:1000], "test") < DIRECT_SUM_LIMIT


def test_the_cli_snaps_a_printed_grid_and_says_so(capsys, tmp_path, printed):
    _, z, df = printed
    source = write_table(tmp_path / "six.csv", z, df, f0=F0, k=K, amplitude=AMPLITUDE, digits=6)
    assert not fft_uniform(read_curve(source).z)
    status = main(["deconvolve", str(source), "--method", "sader_jarvis"])
    out, err = capsys.readouterr()
    assert status == 0, err
    (line,) = [text for text in out.splitlines() if "grid:" in text]
    assert "z snapped to a uniform grid (max deviation" in line
    status = main(["deconvolve", str(source), "--method", "sader_jarvis", "--no-snap"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "grid:" not in out


def test_savgol_by_fft_equals_scipy(monkeypatch):
    values = np.cumsum(np.random.default_rng(1).normal(size=4000))
    monkeypatch.setattr("fmdecon.wellposedness.SAVGOL_DIRECT_ELEMENTS", 0)
    for window in (7, 401):
        for deriv in range(4):
            fast = savgol(values, window, 3, deriv, 1e-12)
            slow = signal.savgol_filter(values, window, 3, deriv=deriv, delta=1e-12)
            np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-12 * np.abs(slow).max())


def test_table_fast_parse_equals_the_row_by_row_parse():
    rng = np.random.default_rng(2)
    lines = [f"{a:.6g},{b:.17g}" for a, b in rng.normal(size=(500, 2))]
    np.testing.assert_array_equal(
        parse_numbers(lines, ",", 2, "t.csv"), _parse_rows(lines, ",", 2, "t.csv")
    )
    spaced = [line.replace(",", "  ") for line in lines]
    np.testing.assert_array_equal(
        parse_numbers(spaced, None, 2, "t.txt"), _parse_rows(spaced, None, 2, "t.txt")
    )
    with pytest.raises(ValueError, match="line 4: not a row of numbers"):
        parse_numbers([*lines[:2], "1,x"], ",", 2, "t.csv")
