r"""Fréchet distance between two samples of features (the FID formula, in features of our own classifier).

Each sample is summarised by the mean and covariance of its features, and the distance is the
2-Wasserstein distance between the two Gaussians with those moments (Heusel et al., 2017):

.. math:: d^2 = \lVert \mu_1 - \mu_2 \rVert^2 + \mathrm{Tr}\left(\Sigma_1 + \Sigma_2 - 2 (\Sigma_1 \Sigma_2)^{1/2}\right).

No Inception weights can be downloaded here, so notebook 4 computes features with a small
classifier trained on MNIST-5k (:mod:`advai.models.classifier`); numbers are comparable within this
study only.
"""
from __future__ import annotations

import numpy as np
from scipy import linalg


def gaussian_moments(features) -> tuple[np.ndarray, np.ndarray]:
    """Mean ``[k]`` and covariance ``[k, k]`` (float64) of ``features`` ``[n, k]``."""
    x = np.asarray(features.detach().cpu() if hasattr(features, "detach") else features, dtype=np.float64)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"features must be [n >= 2, k], got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError("features contain NaN or inf")
    return x.mean(0), np.cov(x, rowvar=False)


def frechet_from_moments(mu1, cov1, mu2, cov2) -> float:
    """:math:`d^2` of two Gaussians given their moments (a tiny ridge keeps ``sqrtm`` real)."""
    mu1, mu2 = np.atleast_1d(mu1), np.atleast_1d(mu2)
    cov1, cov2 = np.atleast_2d(cov1), np.atleast_2d(cov2)
    if mu1.shape != mu2.shape or cov1.shape != cov2.shape:
        raise ValueError(f"feature dimensions differ: {mu1.shape} vs {mu2.shape}")
    covmean = linalg.sqrtm(cov1 @ cov2)
    if not np.isfinite(covmean).all() or np.abs(np.imag(covmean)).max() > 1e-6 * max(1.0, np.abs(covmean).max()):
        ridge = 1e-6 * np.eye(len(cov1))
        covmean = linalg.sqrtm((cov1 + ridge) @ (cov2 + ridge))
    covmean = np.real(covmean)
    return float(((mu1 - mu2) ** 2).sum() + np.trace(cov1) + np.trace(cov2) - 2 * np.trace(covmean))


def frechet_distance(features1, features2) -> float:
    """Fréchet distance :math:`d^2` between two feature samples ``[n, k]``, ``[m, k]``."""
    return frechet_from_moments(*gaussian_moments(features1), *gaussian_moments(features2))
