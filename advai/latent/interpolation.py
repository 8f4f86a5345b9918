r"""Latent interpolators f(z1, z2, alpha), one public entry point: :func:`interpolate`.

* ``linear``    (LineIntp): :math:`f = (1-\alpha) z_1 + \alpha z_2`.
* ``spherical`` (SpheIntp, White 2016):
  :math:`f = \frac{\sin((1-\alpha)\theta)}{\sin\theta} z_1 + \frac{\sin(\alpha\theta)}{\sin\theta} z_2`,
  :math:`\theta = \angle(z_1, z_2)`; linear where :math:`\sin\theta \approx 0` (angle near 0 or
  pi, or a zero vector), where the formula is undefined.
* ``ot``        (OT-matched, Agustsson et al. ICLR 2019): the linear point pushed through
  the monotone transport map onto the prior. Closed forms for factorized priors:

  - Gaussian: :math:`f = \frac{(1-\alpha) z_1 + \alpha z_2}{\sqrt{(1-\alpha)^2 + \alpha^2}}`;
  - uniform on [-1, 1]: per coordinate, :math:`f = 2 F_\alpha(y) - 1` with
    :math:`y = (1-\alpha) u_1 + \alpha u_2`, :math:`u_i = (z_i + 1)/2`, and :math:`F_\alpha` the
    CDF of the sum of U[0, 1-alpha] and U[0, alpha] (a trapezoid law), see :func:`uniform_mix_cdf`.
* ``advai``     the learned correction :math:`f = (1-\alpha) z_1 + \alpha z_2 + \alpha(1-\alpha) R`,
  given a trained model (``model=``; see :mod:`advai.latent.advai_model`).
* ``flow``      flow-matched (the reference for any prior): Agustsson's Gaussian operator through a
  fitted transport map T onto N(0, I),
  :math:`f = T^{-1}\big(((1-\alpha) T(z_1) + \alpha T(z_2)) / \sqrt{(1-\alpha)^2 + \alpha^2}\big)`,
  given a fitted flow (``model=``; see :mod:`advai.latent.flow`).

All methods return exactly ``z1`` at alpha = 0 and ``z2`` at alpha = 1.
"""
from __future__ import annotations

import torch

from ..checks import as_tensor, broadcast_codes, check_alpha, check_choice, check_finite
from .priors import get_prior

METHODS = ("linear", "spherical", "ot", "advai", "flow")
OT_PRIORS = ("uniform", "gaussian")


def linear(z1, z2, alpha):
    return (1 - alpha) * z1 + alpha * z2


def spherical(z1, z2, alpha, eps: float = 1e-6):
    """Slerp over the last dimension; falls back to linear where sin(theta) < eps."""
    n1 = z1.norm(dim=-1, keepdim=True)
    n2 = z2.norm(dim=-1, keepdim=True)
    cos = (z1 * z2).sum(-1, keepdim=True) / (n1 * n2).clamp_min(1e-30)
    theta = torch.arccos(cos.clamp(-1.0, 1.0))
    sin = torch.sin(theta)
    ok = (sin > eps) & (n1 > 0) & (n2 > 0)
    safe_sin = torch.where(ok, sin, torch.ones_like(sin))
    w1 = torch.sin((1 - alpha) * theta) / safe_sin
    w2 = torch.sin(alpha * theta) / safe_sin
    return torch.where(ok, w1 * z1 + w2 * z2, linear(z1, z2, alpha))


def uniform_mix_cdf(s, alpha):
    r"""CDF of :math:`S = (1-\alpha) U_1 + \alpha U_2`, :math:`U_i \sim U[0, 1]` iid.

    With :math:`p = \min(\alpha, 1-\alpha)`, :math:`q = 1 - p` the density is a trapezoid and

    .. math:: F(s) = \begin{cases} s^2 / (2pq) & s \le p \\ (s - p/2)/q & p \le s \le q \\
              1 - (1-s)^2/(2pq) & s \ge q \end{cases}

    At p = 0 it is the identity on [0, 1].
    """
    p = torch.minimum(alpha, 1 - alpha)
    q = 1 - p
    pq2 = (2 * p * q).clamp_min(1e-12)
    low = s**2 / pq2
    mid = (s - p / 2) / q
    high = 1 - (1 - s) ** 2 / pq2
    out = torch.where(s <= p, low, torch.where(s >= q, high, mid))
    return out.clamp(0.0, 1.0)


def ot_gaussian(z1, z2, alpha):
    return linear(z1, z2, alpha) / torch.sqrt((1 - alpha) ** 2 + alpha**2)


def ot_uniform(z1, z2, alpha):
    y = linear((z1 + 1) / 2, (z2 + 1) / 2, alpha)
    return 2 * uniform_mix_cdf(y, alpha) - 1


def interpolate(z1, z2, alpha, method: str = "linear", prior: str | None = None, model=None):
    """Interpolate codes ``z1``, ``z2`` (``[n, d]`` or ``[d]``) with coefficient ``alpha``.

    ``alpha``: a scalar, one value per sample (``[n]``) or per coordinate (``[n, d]``),
    broadcast; values in [0, 1]. ``method``: one of :data:`METHODS`. ``prior`` is required
    for ``"ot"`` (``"uniform"`` or ``"gaussian"``); ``model`` (a trained
    :class:`advai.latent.advai_fit.AdvAIInterpolator`) for ``"advai"``, a fitted
    :class:`advai.latent.flow.FlowInterpolator` for ``"flow"``.
    Returns a tensor of the broadcast shape; exactly ``z1`` at alpha 0, ``z2`` at alpha 1.
    """
    check_choice("method", method, METHODS)
    z1 = as_tensor("z1", z1)
    z2 = as_tensor("z2", z2, dtype=z1.dtype, device=z1.device)
    alpha = as_tensor("alpha", alpha, dtype=z1.dtype, device=z1.device)
    check_finite("z1", z1)
    check_finite("z2", z2)
    check_alpha(alpha)
    z1, z2, alpha = broadcast_codes(z1, z2, alpha)
    if method == "linear":
        out = linear(z1, z2, alpha)
    elif method == "spherical":
        out = spherical(z1, z2, alpha)
    elif method == "ot":
        if prior is None:
            raise ValueError(f"method='ot' needs prior=; closed forms exist for: {', '.join(OT_PRIORS)}")
        name = get_prior(prior).name
        if name not in OT_PRIORS:
            raise ValueError(
                f"method='ot' has no closed form for prior={name!r}; allowed priors: {', '.join(OT_PRIORS)}"
            )
        out = ot_uniform(z1, z2, alpha) if name == "uniform" else ot_gaussian(z1, z2, alpha)
    else:
        fitter = "advai.fit_advai" if method == "advai" else "advai.fit_flow"
        if model is None:
            raise ValueError(f"method={method!r} needs model= (a fitted interpolator from {fitter})")
        if method == "flow" and type(model).__name__ != "FlowInterpolator":
            raise ValueError(f"method='flow' needs a model from {fitter}, got a {type(model).__name__}")
        out = model(z1, z2, alpha)
    # Pin the endpoints exactly (floating-point formulas may be off by an ulp there).
    out = torch.where(alpha == 0, z1, out)
    return torch.where(alpha == 1, z2, out)
