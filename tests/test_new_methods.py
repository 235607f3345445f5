"""The two newer inversions of docs/physics.md section 6 (resampled grid, exact weights).

Fast library code against slow, obvious versions in reference.py (quadrature weights, dense
triangular solves, explicit CubicSpline calls), the accuracy targets on the paper's setting,
non-uniform input, batched input and bad input.
"""

import warnings

import numpy as np
import pytest
import reference

import fmdecon

STEP = 2.0**-38  # about 3.64 pm, exact in binary: A/d = n + 1/2 can be hit exactly


def dyadic_grid(n):
    return STEP * (64 + np.arange(n, dtype=float))


def morse_df(z, amplitude, paper):
    return reference.morse_frequency_shift(
        z, amplitude, paper.k, paper.f0, paper.kappa, paper.sigma, paper.bond_energy
    )


# --------------------------------------------------------------------------------------------
# Exact cell weights (section 6b) against quadrature
# --------------------------------------------------------------------------------------------

WEIGHT_RATIOS = [0.3, 0.5, 0.7, 1.0, 2.5, 7.3, 12.5, 20.0, 40.5]


@pytest.mark.parametrize("ratio", WEIGHT_RATIOS, ids=[f"A/d={r}" for r in WEIGHT_RATIOS])
def test_exact_cell_weights_equal_quadrature(ratio, paper):
    amplitude = ratio * STEP
    fast = fmdecon.exact_cell_weights(amplitude, STEP, paper.k, paper.f0)
    slow = reference.exact_cell_weights_quad(amplitude, STEP, paper.k, paper.f0)
    assert fast.shape == slow.shape == (max(int(np.ceil(2 * ratio)), 1),)
    scale = np.max(np.abs(slow)) if np.any(slow) else 1.0
    np.testing.assert_allclose(fast, slow, rtol=1e-12, atol=1e-12 * scale)
    # the weights integrate -u/sqrt(1-u^2) over [-1, 1]: they sum to zero
    assert abs(fast.sum()) <= 1e-12 * scale


def test_exact_cell_weights_symmetric_cell_is_zero(paper):
    """A/d = n + 1/2: the middle cell is symmetric about u = 0 and its weight is exactly 0."""
    w = fmdecon.exact_cell_weights(12.5 * STEP, STEP, paper.k, paper.f0)
    assert w.size == 25
    assert w[12] == 0.0
    np.testing.assert_allclose(w[:12], -w[13:][::-1], rtol=1e-12)


# --------------------------------------------------------------------------------------------
# Fast against the slow dense versions, small N
# --------------------------------------------------------------------------------------------

EXACT_CASES = [(1, 3.3), (1, 12.5), (4, 0.6), (4, 2.5), (4, 13.49), (2, 40.0)]


@pytest.mark.parametrize("solver", ["auto", "recursive", "fft"])
@pytest.mark.parametrize(
    ("upsample", "ratio"), EXACT_CASES, ids=[f"p={p}-A/d={r}" for p, r in EXACT_CASES]
)
@pytest.mark.parametrize("name", ["morse", "lj"])
def test_matrix_exact_matches_dense(name, upsample, ratio, solver, paper):
    n = 400 // upsample
    z = dyadic_grid(n)
    amplitude = ratio * STEP
    if name == "morse":
        df = morse_df(z, amplitude, paper)
    else:
        df = reference.lj_frequency_shift(
            z, amplitude, paper.k, paper.f0, paper.sigma, paper.bond_energy
        )
    slow = reference.matrix_exact_dense(z, df, amplitude, paper.k, paper.f0, upsample)
    fast = fmdecon.matrix_exact(
        z, df, amplitude, paper.k, paper.f0, upsample=upsample, solver=solver
    )
    assert fast.shape == z.shape
    assert np.all(np.isfinite(fast))
    np.testing.assert_allclose(fast, slow, rtol=1e-9, atol=1e-12 * np.max(np.abs(slow)))


RESAMPLED_CASES = [(50, 60.3), (50, 12.5), (8, 3.5), (8, 20.5), (3, 2.0)]


@pytest.mark.parametrize("solver", ["auto", "recursive", "fft"])
@pytest.mark.parametrize(
    ("alpha_min", "ratio"),
    RESAMPLED_CASES,
    ids=[f"amin={a}-A/d={r}" for a, r in RESAMPLED_CASES],
)
def test_matrix_resampled_matches_dense(alpha_min, ratio, solver, paper):
    dbar = STEP
    n = max(10, int(300 * min(1.0, ratio / alpha_min)))
    z = dyadic_grid(n)
    amplitude = ratio * dbar
    df = morse_df(z, amplitude, paper)
    slow = reference.matrix_resampled_dense(z, df, amplitude, paper.k, paper.f0, alpha_min)
    fast = fmdecon.matrix_resampled(
        z, df, amplitude, paper.k, paper.f0, alpha_min=alpha_min, solver=solver
    )
    assert fast.shape == z.shape
    np.testing.assert_array_equal(np.isnan(fast), np.isnan(slow))
    assert np.isfinite(fast[:-1]).all()
    defined = np.isfinite(slow)
    np.testing.assert_allclose(
        fast[defined], slow[defined], rtol=1e-9, atol=1e-12 * np.nanmax(np.abs(slow))
    )


# --------------------------------------------------------------------------------------------
# Accuracy targets on the paper's setting (a reduced set of amplitudes)
# --------------------------------------------------------------------------------------------

TARGET_AMPLITUDES = np.geomspace(10e-12, 1e-9, 30)
TARGETS = {  # worst |dF_min| [N], lowest CoD
    ("matrix_exact", "morse"): (2e-12, 0.99999),
    ("matrix_exact", "lj"): (10e-12, 0.99999),
    ("matrix_resampled", "morse"): (10e-12, None),
    ("matrix_resampled", "lj"): (40e-12, None),
}


@pytest.mark.parametrize(("method", "name"), list(TARGETS), ids=["-".join(k) for k in TARGETS])
def test_targets_on_paper_grid(method, name, paper, morse, lennard_jones):
    law = morse if name == "morse" else lennard_jones
    force = law.force(paper.z)
    worst_deviation, lowest_cod = 0.0, 1.0
    for amplitude in TARGET_AMPLITUDES:
        df = law.frequency_shift(paper.z, amplitude, paper.k, paper.f0)
        result = fmdecon.deconvolve(method, paper.z, df, amplitude, paper.k, paper.f0)
        assert result.shape == paper.z.shape
        deviation, _ = fmdecon.force_minimum_deviation(paper.z, force, result)
        worst_deviation = max(worst_deviation, abs(deviation))
        lowest_cod = min(lowest_cod, fmdecon.cod(force, result))
    max_deviation, min_cod = TARGETS[method, name]
    assert worst_deviation <= max_deviation
    if min_cod is not None:
        assert lowest_cod >= min_cod


@pytest.mark.parametrize("name", ["morse", "lj"])
@pytest.mark.parametrize("n_half", [12, 13, 40])
def test_no_cod_dip_at_half_integer(n_half, name, paper, morse, lennard_jones):
    """CoD at A/d = n + 0.49 and n + 0.51 nearly equal for both new methods, not for matrix."""
    law = morse if name == "morse" else lennard_jones
    force = law.force(paper.z)
    step = paper.z[1] - paper.z[0]

    def cods(function):
        out = []
        for ratio in (n_half + 0.49, n_half + 0.51):
            amplitude = ratio * step
            df = law.frequency_shift(paper.z, amplitude, paper.k, paper.f0)
            out.append(fmdecon.cod(force, function(paper.z, df, amplitude, paper.k, paper.f0)))
        return out

    for function in (fmdecon.matrix_resampled, fmdecon.matrix_exact):
        below, above = cods(function)
        assert abs(below - above) <= 1e-5
    if n_half < 20:  # the published method's jump, for contrast
        below, above = cods(fmdecon.matrix_method)
        assert abs(below - above) >= 1e-3


# --------------------------------------------------------------------------------------------
# Non-uniform input
# --------------------------------------------------------------------------------------------

N_GRID = 2000


def power_grid(z_first, z_last):
    u = np.linspace(0.0, 1.0, N_GRID)
    return z_first + (z_last - z_first) * u**1.5


def jittered_grid(z_first, z_last):
    z = np.linspace(z_first, z_last, N_GRID)
    step = z[1] - z[0]
    rng = np.random.default_rng(20120312)
    z[1:-1] += rng.uniform(-0.3, 0.3, N_GRID - 2) * step
    return z


#: Bound on |F(non-uniform input) - F(uniform input)| as a fraction of max |F|, per law. The
#: uniform input has the same N, z_1 and z_N (so the same internal grid: the same cells for
#: matrix_exact, the same alpha' and z' for matrix_resampled); its force is carried to the
#: non-uniform points by a not-a-knot cubic spline. The difference is (i) the cubic spline's
#: interpolation error of df on the non-uniform grid (<= 1e-5 of max |df| here, largest step
#: 1.5 dbar on the power-law grid), amplified by the deconvolution, plus (ii) the difference of
#: the two interpolations of the force between grid points (~ F'' dbar^2 / 8, largest on the
#: steep Lennard-Jones wall). Measured: <= 2.5e-5 (Morse) and <= 1.7e-3 (LJ).
NONUNIFORM_BOUND = {"morse": 1e-4, "lj": 3e-3}


@pytest.mark.parametrize("grid", ["power", "jittered"])
@pytest.mark.parametrize("method", ["matrix_exact", "matrix_resampled"])
@pytest.mark.parametrize("name", ["morse", "lj"])
@pytest.mark.parametrize("amplitude", [15e-12, 100e-12, 800e-12])
def test_nonuniform_input_matches_uniform(
    grid, method, name, amplitude, paper, morse, lennard_jones
):
    from scipy.interpolate import CubicSpline

    law = morse if name == "morse" else lennard_jones
    z_first, z_last = paper.z[0], paper.z[-1]
    z_nu = (power_grid if grid == "power" else jittered_grid)(z_first, z_last)
    z_u = np.linspace(z_first, z_last, N_GRID)
    function = fmdecon.METHODS[method]
    f_nu = function(
        z_nu,
        law.frequency_shift(z_nu, amplitude, paper.k, paper.f0),
        amplitude,
        paper.k,
        paper.f0,
    )
    f_u = function(
        z_u,
        law.frequency_shift(z_u, amplitude, paper.k, paper.f0),
        amplitude,
        paper.k,
        paper.f0,
    )
    keep = np.isfinite(f_u)
    on_nu = CubicSpline(z_u[keep], f_u[keep])(z_nu)
    assert np.isfinite(f_nu[:-1]).all()
    # away from the far end, where both are cut off by the zero-force assumption
    near = z_nu < z_last - 2 * amplitude - 0.5e-9
    scale = np.max(np.abs(law.force(z_nu)))
    error = np.max(np.abs(f_nu - on_nu)[near]) / scale
    assert error <= NONUNIFORM_BOUND[name]


# --------------------------------------------------------------------------------------------
# Batched input
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("solver", ["recursive", "fft"])
@pytest.mark.parametrize("method", ["matrix", "matrix_resampled", "matrix_exact"])
def test_batched_equals_single_calls(method, solver, paper, morse, lennard_jones):
    z = paper.z[:1500]
    amplitude = 40e-12
    curves = np.stack(
        [
            morse.frequency_shift(z, amplitude, paper.k, paper.f0),
            lennard_jones.frequency_shift(z, amplitude, paper.k, paper.f0),
            0.5 * morse.frequency_shift(z, 1.1 * amplitude, paper.k, paper.f0),
            np.zeros(z.size),
            fmdecon.Morse(10e9, paper.sigma, paper.bond_energy).frequency_shift(
                z, amplitude, paper.k, paper.f0
            ),
            lennard_jones.frequency_shift(z, 0.9 * amplitude, paper.k, paper.f0),
        ]
    ).reshape(2, 3, z.size)
    function = fmdecon.METHODS[method]
    batched = function(z, curves, amplitude, paper.k, paper.f0, solver=solver)
    assert batched.shape == curves.shape
    for index in np.ndindex(curves.shape[:-1]):
        single = function(z, curves[index], amplitude, paper.k, paper.f0, solver=solver)
        np.testing.assert_array_equal(np.isnan(batched[index]), np.isnan(single))
        scale = np.nanmax(np.abs(single)) if np.any(single) else 1.0
        np.testing.assert_allclose(batched[index], single, rtol=1e-12, atol=1e-12 * scale)
        if solver == "recursive":  # the same arithmetic, row by row
            np.testing.assert_array_equal(batched[index], single)


def test_batched_single_row_equals_1d(paper, morse):
    z = paper.z[:800]
    df = morse.frequency_shift(z, 300e-12, paper.k, paper.f0)
    for method in ("matrix", "matrix_resampled", "matrix_exact"):
        one = fmdecon.METHODS[method](z, df, 300e-12, paper.k, paper.f0)
        row = fmdecon.METHODS[method](z, df[None, :], 300e-12, paper.k, paper.f0)
        assert row.shape == (1, z.size)
        np.testing.assert_array_equal(row[0], one)


# --------------------------------------------------------------------------------------------
# Registry and bad input
# --------------------------------------------------------------------------------------------


def test_registry_entries():
    names = list(fmdecon.METHODS)
    assert names[:2] == ["sader_jarvis", "matrix"]
    assert names[2:] == ["matrix_resampled", "matrix_exact", "regularized"]
    for name in ("matrix_resampled", "matrix_exact"):
        entry = fmdecon.METHODS[name]
        assert not entry.uniform_grid
        assert not entry.published
    assert fmdecon.METHODS["matrix_exact"].function is fmdecon.matrix_exact
    assert fmdecon.METHODS["matrix_resampled"].function is fmdecon.matrix_resampled
    for name in names:  # every built-in method carries its batch operator and exact noise
        entry = fmdecon.METHODS[name]
        assert entry.batched
        assert entry.row_norms is not None
    families = {name: entry.family for name, entry in fmdecon.METHODS.items()}
    assert families == {
        "sader_jarvis": "sader_jarvis",
        "matrix": "matrix",
        "matrix_resampled": "matrix",
        "matrix_exact": "matrix",
        "regularized": "matrix",
    }
    # every method's own line style: tests/test_figures.py (the plot layer's METHOD_STYLES)


def test_deconvolve_matrix_exact(paper, morse):
    z = paper.z[:500]
    df = morse.frequency_shift(z, 50e-12, paper.k, paper.f0)
    np.testing.assert_array_equal(
        fmdecon.deconvolve("matrix_exact", z, df, 50e-12, paper.k, paper.f0),
        fmdecon.matrix_exact(z, df, 50e-12, paper.k, paper.f0),
    )


GOOD = {"amplitude": 50e-12, "k": 1800.0, "f0": 32768.0}


@pytest.mark.parametrize("method", ["matrix_resampled", "matrix_exact"])
@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"amplitude": -1e-12}, "amplitude"),
        ({"amplitude": float("nan")}, "amplitude"),
        ({"k": 0.0}, "k = 0.0"),
        ({"f0": "32768"}, "f0"),
        ({"z": [1e-9, 2e-9]}, "z needs at least 3"),
        ({"z": "descending"}, r"z must be strictly increasing"),
        ({"df": "short"}, "same length"),
        ({"df": "nan"}, r"df must be finite; df\[3\]"),
        ({"df": "nan2d"}, r"df must be finite; df\[1, 3\]"),
        ({"df": "wrong2d"}, "last axis"),
        ({"solver": "lu"}, "solver = 'lu'"),
    ],
)
def test_bad_input(method, change, match):
    z = np.linspace(0.3e-9, 1e-9, 50)
    args = {"z": z, "df": np.ones(50), **GOOD}
    options = {}
    for key, value in change.items():
        if key == "solver":
            options["solver"] = value
        elif value == "descending":
            args["z"] = z[::-1]
        elif value == "short":
            args["df"] = np.ones(49)
        elif value == "nan":
            args["df"] = np.ones(50)
            args["df"][3] = np.nan
        elif value == "nan2d":
            args["df"] = np.ones((2, 50))
            args["df"][1, 3] = np.nan
        elif value == "wrong2d":
            args["df"] = np.ones((2, 49))
        else:
            args[key] = value
    with pytest.raises(ValueError, match=match):
        fmdecon.METHODS[method](
            args["z"], args["df"], args["amplitude"], args["k"], args["f0"], **options
        )


@pytest.mark.parametrize("value", [0, -3, 2.5, 4.0, True, "4", None])
def test_bad_alpha_min_and_upsample(value):
    z = np.linspace(0.3e-9, 1e-9, 50)
    with pytest.raises(ValueError, match=rf"alpha_min = {value!r}".replace("(", r"\(")):
        fmdecon.matrix_resampled(z, np.ones(50), 50e-12, 1800.0, 32768.0, alpha_min=value)
    with pytest.raises(ValueError, match=rf"upsample = {value!r}".replace("(", r"\(")):
        fmdecon.matrix_exact(z, np.ones(50), 50e-12, 1800.0, 32768.0, upsample=value)


def test_matrix_exact_single_cell_is_nan():
    """2A <= d/p: one cell holds the whole oscillation, the system is singular."""
    z = np.linspace(0.3e-9, 1e-9, 50)
    step = z[1] - z[0]
    with pytest.warns(fmdecon.SmallAmplitudeWarning, match="singular"):
        out = fmdecon.matrix_exact(z, np.ones(50), 0.4 * step, 1800.0, 32768.0, upsample=1)
    assert out.shape == z.shape
    assert np.isnan(out).all()
    # upsampling by 4 makes the cells small enough: no warning, a finite result
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = fmdecon.matrix_exact(z, np.ones(50), 0.4 * step, 1800.0, 32768.0, upsample=4)
    assert np.isfinite(out).all()


# --------------------------------------------------------------------------------------------
# the fast building blocks of matrix_exact against the obvious versions
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [4, 5, 7, 700, 701])
@pytest.mark.parametrize("jitter", [0.0, 3e-7])
@pytest.mark.parametrize("factor", [2, 4, 5])
def test_uniform_upsampling_equals_cubic_spline(factor, jitter, n, paper, morse):
    from scipy.interpolate import CubicSpline

    from fmdecon._validation import UNIFORM_RTOL, is_uniform
    from fmdecon.methods._spline import Spline

    z = paper.z[:n].copy()
    step = z[1] - z[0]
    z[1:-1] += jitter * step * np.random.default_rng(3).uniform(-1, 1, z.size - 2)
    assert is_uniform(z, UNIFORM_RTOL)
    df = morse.frequency_shift(z, 100e-12, paper.k, paper.f0)
    curves = df + 0.1 * np.random.default_rng(4).standard_normal((2, 3, z.size))
    fine_z = z[0] + (z[-1] - z[0]) / (z.size - 1) / factor * np.arange(factor * (z.size - 1) + 1)
    fine_z[-1] = z[-1]
    for data in (df, curves):
        slow = CubicSpline(z, data, axis=-1)(fine_z)
        fast = Spline(z, data).upsample(factor)
        assert fast.shape == slow.shape
        np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-14 * np.max(np.abs(slow)))


@pytest.mark.parametrize("n", [4, 5, 9, 600, 1201])
def test_spline_equals_cubic_spline_at_any_points(n, paper, morse):
    """The batched spline of the newer methods against scipy's CubicSpline: on uniform and
    non-uniform nodes, at points inside, on the nodes, at the ends and just outside."""
    from scipy.interpolate import CubicSpline

    from fmdecon.methods._spline import Spline

    rng = np.random.default_rng(n)
    uniform = paper.z[:n].copy()
    nonuniform = np.sort(rng.uniform(uniform[0], uniform[-1], n))
    nonuniform[[0, -1]] = uniform[[0, -1]]
    for nodes in (uniform, nonuniform):
        data = morse.frequency_shift(nodes, 80e-12, paper.k, paper.f0)
        batch = data + 0.1 * rng.standard_normal((2, 3, n))
        span = nodes[-1] - nodes[0]
        points = np.sort(
            np.concatenate(
                [
                    rng.uniform(nodes[0], nodes[-1], 3 * n),
                    nodes,
                    [nodes[0] - 1e-3 * span, nodes[-1] + 1e-3 * span],
                ]
            )
        )
        for values in (data, batch):
            slow = CubicSpline(nodes, values, axis=-1)(points)
            fast = Spline(nodes, values)(points)
            assert fast.shape == slow.shape
            np.testing.assert_allclose(fast, slow, rtol=0, atol=1e-13 * np.max(np.abs(slow)))


@pytest.mark.parametrize(("n", "width"), [(257, 40), (600, 601), (1001, 3000), (2048, 700)])
def test_split_solve_equals_dense_triangular_solve(n, width):
    from fmdecon.methods._toeplitz import split_solve

    rng = np.random.default_rng(n)
    weights = np.abs(rng.standard_normal(width)) / np.arange(1, width + 1) ** 1.5
    weights[0] = 2.0  # a well-conditioned causal system
    rhs = rng.standard_normal(n)
    slow = reference.causal_toeplitz_dense(weights, rhs)
    np.testing.assert_allclose(
        split_solve(weights, rhs), slow, rtol=0, atol=1e-12 * np.max(np.abs(slow))
    )
