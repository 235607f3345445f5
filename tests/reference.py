"""Slow, obvious reference implementations used as test oracles.

Everything here follows ``docs/physics.md`` literally and favours readability over speed:
numerical quadrature for the forward model, the O(N^2) double loop for Sader-Jarvis and an
explicitly built dense matrix W with ``scipy.linalg.solve_triangular`` for the matrix method.
Nothing in this module imports ``fmdecon``. SI units throughout.
"""

import math
import warnings

import numpy as np
from scipy import integrate, linalg, special

# --------------------------------------------------------------------------------------------
# Force laws (docs/physics.md section 1)
# --------------------------------------------------------------------------------------------


def morse_potential(z, kappa, sigma, bond_energy):
    """V = E [exp(-2 kappa (z - sigma)) - 2 exp(-kappa (z - sigma))]."""
    x = np.exp(-kappa * (np.asarray(z, dtype=float) - sigma))
    return bond_energy * (x**2 - 2.0 * x)


def morse_force(z, kappa, sigma, bond_energy):
    """F = 2 kappa E [exp(-2 kappa (z - sigma)) - exp(-kappa (z - sigma))]."""
    x = np.exp(-kappa * (np.asarray(z, dtype=float) - sigma))
    return 2.0 * kappa * bond_energy * (x**2 - x)


def morse_force_gradient(z, kappa, sigma, bond_energy):
    """dF/dz = 2 kappa^2 E [-2 exp(-2 kappa (z - sigma)) + exp(-kappa (z - sigma))]."""
    x = np.exp(-kappa * (np.asarray(z, dtype=float) - sigma))
    return 2.0 * kappa**2 * bond_energy * (-2.0 * x**2 + x)


def lj_potential(z, sigma, bond_energy):
    """V = E [(sigma/z)^12 - 2 (sigma/z)^6]."""
    s = sigma / np.asarray(z, dtype=float)
    return bond_energy * (s**12 - 2.0 * s**6)


def lj_force(z, sigma, bond_energy):
    """F = (12 E / sigma) [(sigma/z)^13 - (sigma/z)^7]."""
    s = sigma / np.asarray(z, dtype=float)
    return 12.0 * bond_energy / sigma * (s**13 - s**7)


def lj_force_gradient(z, sigma, bond_energy):
    """dF/dz = (12 E / sigma^2) [-13 (sigma/z)^14 + 7 (sigma/z)^8]."""
    s = sigma / np.asarray(z, dtype=float)
    return 12.0 * bond_energy / sigma**2 * (-13.0 * s**14 + 7.0 * s**8)


# --------------------------------------------------------------------------------------------
# Frequency shift (docs/physics.md section 1)
# --------------------------------------------------------------------------------------------


def frequency_shift_quad(force, z, amplitude, k, f0, epsrel=1e-13):
    """Frequency shift of a scalar force law by adaptive quadrature, one z at a time.

    With u = -cos(theta) the integral of Eq. 3 becomes
    df = (f0 / (pi k A)) * integral_0^pi F(z + A (1 - cos theta)) cos(theta) dtheta,
    whose integrand is smooth. Returns ``(df, df_abs, err)`` arrays: the frequency shift, the
    same integral with |integrand| (the scale of the cancellation) and quad's error estimate.
    """
    z = np.atleast_1d(np.asarray(z, dtype=float))
    df = np.empty_like(z)
    df_abs = np.empty_like(z)
    err = np.empty_like(z)
    prefactor = f0 / (math.pi * k * amplitude)
    for i, zi in enumerate(z):

        def integrand(theta, zi=zi):
            return float(force(zi + amplitude * (1.0 - math.cos(theta)))) * math.cos(theta)

        value_abs, _ = integrate.quad(
            lambda theta: abs(integrand(theta)), 0.0, math.pi, epsabs=0.0, epsrel=1e-8, limit=500
        )
        # near a zero of df the relative target is unreachable; stop at rounding of the scale
        with warnings.catch_warnings():
            # roundoff warnings near a zero of df: the returned error estimate is checked
            warnings.simplefilter("ignore", integrate.IntegrationWarning)
            value, error = integrate.quad(
                integrand, 0.0, math.pi, epsabs=1e-15 * value_abs, epsrel=epsrel, limit=500
            )
        df[i] = prefactor * value
        df_abs[i] = prefactor * value_abs
        err[i] = prefactor * error
    return df, df_abs, err


def exponential_term_frequency_shift(prefactor_times_exp, decay, amplitude, k, f0):
    """Closed form for F = F0 exp(-lambda z): df = f0 F0 exp(-lambda z) ive(1, lambda A)/(k A).

    ``prefactor_times_exp`` is F0 exp(-lambda z) (the force term itself at z).
    """
    return f0 * prefactor_times_exp * special.ive(1, decay * amplitude) / (k * amplitude)


def power_term_frequency_shift(coefficient, n, z, amplitude, k, f0):
    """Closed form for F = C z^-n (Giessibl & Bielefeldt 2000) with scipy.special.hyp2f1."""
    z = np.asarray(z, dtype=float)
    x = -2.0 * amplitude / z
    bracket = special.hyp2f1(n, 0.5, 1.0, x) - special.hyp2f1(n, 1.5, 2.0, x)
    return f0 * coefficient / (k * amplitude * z**n) * bracket


def morse_frequency_shift(z, amplitude, k, f0, kappa, sigma, bond_energy):
    """Closed-form Morse frequency shift: sum of two exponential terms."""
    z = np.asarray(z, dtype=float)
    term_fast = 2.0 * kappa * bond_energy * np.exp(-2.0 * kappa * (z - sigma))
    term_slow = -2.0 * kappa * bond_energy * np.exp(-kappa * (z - sigma))
    return exponential_term_frequency_shift(
        term_fast, 2.0 * kappa, amplitude, k, f0
    ) + exponential_term_frequency_shift(term_slow, kappa, amplitude, k, f0)


def lj_frequency_shift(z, amplitude, k, f0, sigma, bond_energy):
    """Closed-form Lennard-Jones frequency shift: sum of the z^-13 and z^-7 terms."""
    c13 = 12.0 * bond_energy * sigma**12
    c7 = -12.0 * bond_energy * sigma**6
    return power_term_frequency_shift(c13, 13, z, amplitude, k, f0) + power_term_frequency_shift(
        c7, 7, z, amplitude, k, f0
    )


# --------------------------------------------------------------------------------------------
# Sader-Jarvis, the straightforward O(N^2) double loop (docs/physics.md section 2)
# --------------------------------------------------------------------------------------------


def sader_jarvis_loop(z, df, amplitude, k, f0):
    """Discrete Sader-Jarvis formula, one trapezoid per output point.

    Indices below are 0-based: the spec's z_1 ... z_N are z[0] ... z[N-1]. For output point j
    the trapezoid runs over t = z[j+1] ... z[N-2] (the spec's z_{j+1} ... z_{N-1}) and needs at
    least two samples, so j = N-3, N-2, N-1 are NaN.
    """
    z = np.asarray(z, dtype=float)
    omega = np.asarray(df, dtype=float) / f0
    n = len(z)
    # forward difference, domega[j] = (omega[j+1] - omega[j]) / (z[j+1] - z[j]), j = 0..N-2
    domega = np.empty(n - 1)
    for j in range(n - 1):
        domega[j] = (omega[j + 1] - omega[j]) / (z[j + 1] - z[j])

    force = np.full(n, np.nan)
    for j in range(n - 3):
        t = z[j + 1 : n - 1]
        omega_t = omega[j + 1 : n - 1]
        domega_t = domega[j + 1 : n - 1]
        integrand = (
            1.0 + math.sqrt(amplitude) / (8.0 * np.sqrt(math.pi * (t - z[j])))
        ) * omega_t - amplitude**1.5 / np.sqrt(2.0 * (t - z[j])) * domega_t
        trapezoid = 0.0
        for i in range(len(t) - 1):
            trapezoid += (t[i + 1] - t[i]) * (integrand[i] + integrand[i + 1]) / 2.0

        h = z[j + 1] - z[j]
        correction = (
            omega[j] * h
            + 2.0 * math.sqrt(amplitude) / (8.0 * math.sqrt(math.pi)) * omega[j] * math.sqrt(h)
            - 2.0 * amplitude**1.5 / math.sqrt(2.0) * domega[j] * math.sqrt(h)
        )
        force[j] = 2.0 * k * (correction + trapezoid)
    return force


# --------------------------------------------------------------------------------------------
# Matrix method, explicit dense W (docs/physics.md section 3)
# --------------------------------------------------------------------------------------------


def matlab_round(x):
    """Round half up, as MATLAB's round for positive numbers."""
    return math.floor(x + 0.5)


def matrix_w(n_points, amplitude, step, k, f0):
    """Dense N x N matrix W of Eq. 16, index 0 = farthest point.

    W[i, j] = (f0/(pi k A)) (2/(2 alpha + 1)) [sqrt((2 alpha+1)(m+1) - (m+1)^2)
                                               - sqrt((2 alpha+1) m - m^2)],  m = i - j,
    for 0 <= m <= 2 alpha and zero elsewhere, alpha = round(A/d).
    """
    alpha = matlab_round(amplitude / step)
    band = 2 * alpha + 1
    prefactor = f0 / (math.pi * k * amplitude) * 2.0 / band
    w = np.zeros((n_points, n_points))
    for i in range(n_points):
        for j in range(max(0, i - 2 * alpha), i + 1):
            m = i - j
            w[i, j] = prefactor * (
                math.sqrt(band * (m + 1) - (m + 1) ** 2) - math.sqrt(band * m - m**2)
            )
    return w


def matrix_method_dense(z, df, amplitude, k, f0):
    """Matrix method: reverse the axis, solve W F = df with solve_triangular, reverse back."""
    z = np.asarray(z, dtype=float)
    step = (z[-1] - z[0]) / (len(z) - 1)
    w = matrix_w(len(z), amplitude, step, k, f0)
    force_reversed = linalg.solve_triangular(w, np.asarray(df, dtype=float)[::-1], lower=True)
    return force_reversed[::-1]


# --------------------------------------------------------------------------------------------
# Quality measure (docs/physics.md section 4)
# --------------------------------------------------------------------------------------------


def cod(force_model, force_deconvolved):
    """R^2 = 1 - sum (F_model - F_dec)^2 / sum (F_dec - mean F_dec)^2 over finite F_dec."""
    force_model = np.asarray(force_model, dtype=float)
    force_deconvolved = np.asarray(force_deconvolved, dtype=float)
    keep = np.isfinite(force_deconvolved)
    model = force_model[keep]
    deconvolved = force_deconvolved[keep]
    residual_sum = np.sum((model - deconvolved) ** 2)
    total_sum = np.sum((deconvolved - np.mean(deconvolved)) ** 2)
    return float(1.0 - residual_sum / total_sum)


# --------------------------------------------------------------------------------------------
# Exact cell weights and the two newer inversions (docs/physics.md section 6)
# --------------------------------------------------------------------------------------------


def exact_cell_weights_quad(amplitude, step, k, f0):
    """w_m = -(f0/(pi k A)) * integral of u/sqrt(1-u^2) over [u_m, u_(m+1)] by quad.

    u_m = clip(m d/A - 1, -1, 1), m = 0 .. M with M = ceil(2A/d). Cells touching u = -1 or
    u = 1 use quad's algebraic weight for the 1/sqrt singularity.
    """
    count = max(math.ceil(2.0 * amplitude / step), 1)
    u = np.clip(np.arange(count + 1) * step / amplitude - 1.0, -1.0, 1.0)
    prefactor = f0 / (math.pi * k * amplitude)
    weights = np.empty(count)
    for m in range(count):
        lo, hi = float(u[m]), float(u[m + 1])
        at_lo, at_hi = lo == -1.0, hi == 1.0
        if at_lo and at_hi:
            value, _ = integrate.quad(lambda x: x, lo, hi, weight="alg", wvar=(-0.5, -0.5))
        elif at_lo:
            value, _ = integrate.quad(
                lambda x: x / math.sqrt(1.0 - x),
                lo,
                hi,
                weight="alg",
                wvar=(-0.5, 0.0),
                epsabs=0.0,
                epsrel=1e-13,
            )
        elif at_hi:
            value, _ = integrate.quad(
                lambda x: x / math.sqrt(1.0 + x),
                lo,
                hi,
                weight="alg",
                wvar=(0.0, -0.5),
                epsabs=0.0,
                epsrel=1e-13,
            )
        else:
            value, _ = integrate.quad(
                lambda x: x / math.sqrt(1.0 - x * x), lo, hi, epsabs=1e-17, epsrel=1e-13
            )
        weights[m] = -prefactor * value
    return weights


def causal_toeplitz_dense(weights, rhs_reversed):
    """Dense lower-triangular W[i, j] = w[i - j] (0 <= i - j < len(w)), solve_triangular."""
    n = len(rhs_reversed)
    w = np.zeros((n, n))
    for i in range(n):
        for j in range(max(0, i - len(weights) + 1), i + 1):
            w[i, j] = weights[i - j]
    return linalg.solve_triangular(w, rhs_reversed, lower=True)


def matrix_exact_dense(z, df, amplitude, k, f0, upsample=4):
    """Section 6b literally: spline to step d/p, dense solve, linear back from cell centres."""
    from scipy.interpolate import CubicSpline

    z = np.asarray(z, dtype=float)
    n = len(z)
    cell = (z[-1] - z[0]) / (n - 1) / upsample
    fine_z = z[0] + cell * np.arange(upsample * (n - 1) + 1)
    fine_df = CubicSpline(z, df)(fine_z)
    weights = exact_cell_weights_quad(amplitude, cell, k, f0)
    centre_force = causal_toeplitz_dense(weights, fine_df[::-1])[::-1]
    centres = fine_z + cell / 2.0
    # np.interp holds end values constant: extrapolate the first point linearly by hand
    out = np.interp(z, centres, centre_force)
    slope = (centre_force[1] - centre_force[0]) / cell
    out[z < centres[0]] = centre_force[0] + slope * (z[z < centres[0]] - centres[0])
    return out


def matrix_resampled_dense(z, df, amplitude, k, f0, alpha_min=50):
    """Section 6a literally: alpha' = max(round(A/dbar), alpha_min), d' = A/alpha', spline
    to z', dense matrix method, spline back, NaN beyond the last resampled point."""
    from scipy.interpolate import CubicSpline

    z = np.asarray(z, dtype=float)
    mean_step = (z[-1] - z[0]) / (len(z) - 1)
    alpha = max(matlab_round(amplitude / mean_step), alpha_min)
    step = amplitude / alpha
    resampled = []
    i = 0
    while z[0] + i * step <= z[-1] * (1 + 1e-15):
        resampled.append(z[0] + i * step)
        i += 1
    resampled = np.array(resampled)
    resampled_df = CubicSpline(z, df)(resampled)
    force = matrix_method_dense(resampled, resampled_df, amplitude, k, f0)
    out = CubicSpline(resampled, force)(z)
    out[z > resampled[-1]] = np.nan
    return out


def not_a_lattice(kind, paper, morse, rows=4):
    """A grid that is not an exact lattice at 1e-12 of a step, with a batch of noisy Morse
    curves on it: ``"printed"`` (the paper's grid printed to 7 digits, uniform within 1e-6
    only) or ``"far"`` (z ~ 1 um with pm steps). Returns ``(z, batch, amplitude)``."""
    if kind == "printed":
        z = np.array([float(f"{value:.7g}") for value in paper.z[:600]])
        amplitude, model_z = 137e-12, z
    else:
        z = 1e-6 + np.linspace(0.0, 599e-12, 600)
        amplitude, model_z = 60e-12, z - 1e-6 + paper.z[0]
    df = morse.frequency_shift(model_z, amplitude, paper.k, paper.f0)
    batch = df + 0.1 * np.random.default_rng(4).standard_normal((rows, z.size))
    step = (z[-1] - z[0]) / (z.size - 1)
    assert np.max(np.abs(np.diff(z) - step)) > 1e-12 * step  # not a lattice
    return z, batch, amplitude
