r"""Two-sample distances as differentiable tensors: metrics in :mod:`advai.evaluate.mismatch`,
training losses in the models (AdvAI-AE's prior matching, the AdvAI capacity oracle).

* :func:`energy_squared` -- squared energy distance (Szekely & Rizzo),
  :math:`\mathcal{E}^2 = 2\,E\lVert x-y\rVert - E\lVert x-x'\rVert - E\lVert y-y'\rVert`,
  as a V-statistic (means over all pairs, diagonals included: biased up by O(1/n)) or a
  U-statistic (diagonals left out: unbiased, 0 in expectation for two samples of one law).
* :func:`mmd_squared` -- squared maximum mean discrepancy with a sum of Gaussian kernels.
"""
from __future__ import annotations

import torch

MMD_BANDWIDTHS = (0.25, 0.5, 1.0, 2.0)


def energy_squared(x: torch.Tensor, y: torch.Tensor, unbiased: bool = True) -> torch.Tensor:
    r"""Squared energy distance between ``x`` [n, d] and ``y`` [m, d] as a differentiable tensor:

    .. math:: \hat{\mathcal{E}}^2_U = \frac{2}{nm}\sum_{i,j}\lVert x_i - y_j\rVert
              - \frac{1}{n(n-1)}\sum_{i \ne i'}\lVert x_i - x_{i'}\rVert
              - \frac{1}{m(m-1)}\sum_{j \ne j'}\lVert y_j - y_{j'}\rVert

    (``unbiased=True``; needs n, m >= 2), or with n^2 and m^2 in the last two denominators
    (the V-statistic). The zero diagonals contribute nothing to the sums, only to the counts.
    """
    return energy_from_distances(torch.cdist(x, y), torch.cdist(x, x), torch.cdist(y, y), unbiased)


def energy_from_distances(dxy: torch.Tensor, dxx: torch.Tensor, dyy: torch.Tensor, unbiased: bool = True) -> torch.Tensor:
    """:func:`energy_squared` from the three distance matrices ``[n, m]``, ``[n, n]`` and ``[m, m]``
    (so one set of matrices serves several statistics)."""
    n, m = dxy.shape
    if unbiased and (n < 2 or m < 2):
        raise ValueError(f"the bias-corrected energy distance needs at least 2 points a side, got {n} and {m}")
    xx = dxx.sum() / (n * (n - 1) if unbiased else n * n)
    yy = dyy.sum() / (m * (m - 1) if unbiased else m * m)
    return 2 * dxy.mean() - xx - yy


def mmd_squared(x: torch.Tensor, y: torch.Tensor, bandwidths=MMD_BANDWIDTHS) -> torch.Tensor:
    r"""Squared MMD as a differentiable tensor (V-statistic, so always >= 0):

    .. math:: \mathrm{MMD}^2 = \overline{k(x, x')} + \overline{k(y, y')} - 2\,\overline{k(x, y)},
              \quad k(a, b) = \sum_s \exp\left(-\frac{\lVert a - b\rVert^2}{2 s^2 d}\right),

    the means over all pairs (diagonals included), ``s`` in ``bandwidths``. Kernels are
    evaluated in the inputs' dtype on one pooled distance matrix and summed in float64.
    Used as a training loss (AdvAI-AE's prior matching) and, through
    :func:`advai.evaluate.mismatch.mmd`, as a metric.
    """
    n, m = len(x), len(y)
    z = torch.cat([x, y])
    d2 = torch.cdist(z, z).pow(2)
    k = sum(torch.exp(d2 / (-2 * float(s) ** 2 * x.shape[1])) for s in bandwidths)
    kxx = k[:n, :n].sum(dtype=torch.float64) / n**2
    kyy = k[n:, n:].sum(dtype=torch.float64) / m**2
    kxy = k[:n, n:].sum(dtype=torch.float64) / (n * m)
    return kxx + kyy - 2 * kxy
