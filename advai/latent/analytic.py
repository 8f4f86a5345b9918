r"""Closed-form expectations for the distribution mismatch of linear interpolation.

For z1, z2 iid with per-coordinate variance 1 (standard Gaussian), the linear interpolant
:math:`f = (1-\alpha) z_1 + \alpha z_2` has per-coordinate variance
:math:`v(\alpha) = (1-\alpha)^2 + \alpha^2` (1/2 at the midpoint), so its norm is a scaled
chi variable: :math:`E\|f\| = \sqrt{v}\,\sqrt{2}\,\Gamma((d+1)/2)/\Gamma(d/2) \approx \sqrt{v d}`.
The prior's norm concentrates at sqrt(d), the midpoint's at sqrt(d/2).

For the uniform prior on [-1, 1], each coordinate of the interpolant is
:math:`(1-\alpha)U_1 + \alpha U_2` with a trapezoid density; at alpha = 1/2 the triangle
:math:`p(y) = 1 - |y|` on [-1, 1].
"""
from __future__ import annotations

import numpy as np
from scipy import special, stats


def linear_variance(alpha):
    """Per-coordinate variance factor (1-a)^2 + a^2 of the linear interpolant."""
    alpha = np.asarray(alpha, dtype=float)
    return (1 - alpha) ** 2 + alpha**2


def gaussian_norm_mean(d, alpha=0.0):
    """E||f|| for the linear interpolant of two standard Gaussians in d dimensions."""
    d = np.asarray(d, dtype=float)
    chi_mean = np.sqrt(2) * np.exp(special.gammaln((d + 1) / 2) - special.gammaln(d / 2))
    return np.sqrt(linear_variance(alpha)) * chi_mean


def gaussian_norm_pdf(r, d, alpha=0.0):
    """Density of ||f|| for the linear Gaussian interpolant: a chi_d law scaled by sqrt(v)."""
    return stats.chi(df=d, scale=np.sqrt(linear_variance(alpha))).pdf(r)


def uniform_mix_pdf(y, alpha=0.5):
    """Density of (1-a) U1 + a U2 with U_i ~ U[-1, 1]: a trapezoid on [-1, 1] (triangle at 1/2)."""
    y = np.asarray(y, dtype=float)
    p, q = min(alpha, 1 - alpha), max(alpha, 1 - alpha)
    s = (y + 1) / 2  # back to the [0, 1] variables; density picks up a factor 1/2
    if p == 0:
        return np.where((s >= 0) & (s <= 1), 0.5, 0.0)
    dens = np.where(s < p, s / (p * q), np.where(s <= q, 1 / q, (1 - s) / (p * q)))
    return np.where((s >= 0) & (s <= 1), dens / 2, 0.0)


def gaussian_w2_per_coordinate(alpha):
    """W2 between N(0, 1) and N(0, v(alpha)) in 1-D: |1 - sqrt(v)| (0.293 at the midpoint)."""
    return np.abs(1 - np.sqrt(linear_variance(alpha)))
