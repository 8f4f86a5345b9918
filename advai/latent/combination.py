r"""Distribution-preserving combinations of any number of codes: :func:`combine`.

Given :math:`k` codes :math:`z_1, \dots, z_k` drawn independently from a prior and real weights
:math:`w \in R^k` (not all zero), a combination is one code built from all of them: a centroid
(:math:`w_i = 1/k`), a point of the subspace they span, a two-code interpolation
(:math:`w = (1-\alpha, \alpha)`). ``method``:

* ``linear``: the plain weighted sum :math:`\sum_i w_i z_i` (LineIntp's generalisation, the
  baseline). For a Gaussian prior its variance per coordinate is :math:`\|w\|^2`: the centroid of
  16 codes has a norm about :math:`1/4` of a sample's.
* ``ot`` on the Gaussian prior: :math:`\sum_i w_i z_i / \|w\|_2`, which is exactly
  :math:`N(0, I)` for every :math:`w` (Agustsson et al., ICLR 2019, for two codes; Bodin et al.,
  "Linear combinations of latents in generative models", arXiv 2408.08558, for any number).
* ``ot`` on the uniform prior on :math:`[-1, 1]^d`: per coordinate, with :math:`u_i = (z_i+1)/2`,
  the sum :math:`y = \sum_i w_i u_i` pushed through its own CDF, :math:`f = 2F_w(y) - 1`, which is
  exactly :math:`U[-1, 1]`. A negative weight turns :math:`u_i` into :math:`1 - u_i` (also
  uniform) and shifts :math:`y` by :math:`|w_i|`; with :math:`a_1, \dots, a_m` the magnitudes of
  the nonzero weights and :math:`s = \sum_i |w_i| v_i`, :math:`v_i` uniform on [0, 1], the CDF is
  the generalised Irwin-Hall law

  .. math:: F(s) = \frac{1}{m!\,\prod_j a_j} \sum_{S \subseteq \{1..m\}} (-1)^{|S|}
            \Big(s - \sum_{j \in S} a_j\Big)_+^m,

  whose subsets with equal sums are merged (a centroid has :math:`m + 1` terms), evaluated below
  the mean and mirrored above it (the law is symmetric), in float64 (:func:`weighted_uniform_cdf`).
* ``flow``: any prior, through a fitted flow-matched interpolator's transport map :math:`T`
  (:func:`advai.fit_flow`): :math:`T^{-1}(\sum_i w_i T(z_i) / \|w\|_2)`, exact when :math:`T` is.

With weights :math:`(1-\alpha, \alpha)` each method is :func:`advai.interpolate`'s of the same
name. A one-hot weight vector returns its code exactly; permuting codes and weights together
does not change the result (up to the order of a floating-point sum).
"""
from __future__ import annotations

import math

import torch

from ..checks import as_tensor, check_choice, check_finite
from .interpolation import OT_PRIORS
from .priors import get_prior

COMBINE_METHODS = ("linear", "ot", "flow")
#: The most terms the uniform's closed form may have (distinct subset sums of the weights): a
#: centroid of any k has k + 1; k weights that are all different have 2^k.
MAX_UNIFORM_TERMS = 4096


def check_weights(weights, k: int, dtype=torch.float64) -> torch.Tensor:
    """``weights`` as a 1-D tensor of ``k`` finite numbers, not all zero, or a ``ValueError`` naming them."""
    w = as_tensor("weights", weights, dtype=dtype)
    if w.dim() != 1 or w.numel() != k:
        raise ValueError(f"weights must be one number per code: a 1-D tensor of length {k}, got shape {tuple(w.shape)}")
    if not torch.isfinite(w).all():
        raise ValueError(f"weights must be finite numbers, got {w.tolist()}")
    if not (w != 0).any():
        raise ValueError("weights are all zero: a combination needs at least one nonzero weight")
    return w


def stack_codes(codes) -> torch.Tensor:
    """``codes`` as one tensor ``[k, ..., d]``: a tensor whose first dimension counts the codes, or a
    list of ``k`` tensors of one shape ``[..., d]``; finite, ``k >= 1``."""
    if isinstance(codes, (list, tuple)):
        if not codes:
            raise ValueError("codes is empty: combine needs at least one code")
        first = as_tensor("codes[0]", codes[0])
        parts = [first] + [as_tensor(f"codes[{i}]", c, dtype=first.dtype, device=first.device)
                           for i, c in enumerate(codes[1:], start=1)]
        shapes = {tuple(p.shape) for p in parts}
        if len(shapes) != 1:
            raise ValueError(f"codes must all have one shape, got {sorted(shapes)}")
        z = torch.stack(parts)
    else:
        z = as_tensor("codes", codes)
    if z.dim() < 2:
        raise ValueError(f"codes must be [k, ..., d] (k codes of dimension d), got shape {tuple(z.shape)}")
    check_finite("codes", z)
    return z


def _subset_sums(a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """``(sums, coefficients)``: every distinct subset sum of the magnitudes ``a`` with the summed
    signs :math:`(-1)^{|S|}` of the subsets that reach it (sums merged to 12 significant digits)."""
    terms = {0.0: 1}
    for x in a.tolist():
        grown = dict(terms)
        for s, c in terms.items():
            key = float(f"{s + x:.12g}")
            grown[key] = grown.get(key, 0) - c
        terms = {s: c for s, c in grown.items() if c != 0}
        if len(terms) > MAX_UNIFORM_TERMS:
            raise ValueError(f"the uniform prior's closed form for these {a.numel()} weights has more than "
                             f"{MAX_UNIFORM_TERMS} terms (weights with few distinct values, such as a centroid, "
                             "have few); use method='flow' with a flow fitted to the uniform prior")
    sums = sorted(terms)
    return torch.tensor(sums, dtype=torch.float64), torch.tensor([terms[s] for s in sums], dtype=torch.float64)


def weighted_uniform_cdf(s: torch.Tensor, magnitudes: torch.Tensor) -> torch.Tensor:
    r"""CDF of :math:`\sum_j a_j V_j`, :math:`V_j \sim U[0, 1]` iid, :math:`a_j > 0` (the formula in the
    module's docstring), at ``s`` (any shape), in float64, clamped to [0, 1]."""
    a = magnitudes.double()
    if a.dim() != 1 or not (a > 0).all():
        raise ValueError("magnitudes must be a 1-D tensor of positive numbers")
    sums, coef = _subset_sums(a)
    total, m = float(a.sum()), a.numel()
    s = s.double()
    low = torch.minimum(s, total - s)  # the law is symmetric about total / 2: evaluate the lower half
    scale = math.lgamma(m + 1) + float(a.log().sum())
    powers = (low.unsqueeze(-1) - sums).clamp_min(0) ** m  # [..., terms]
    cdf_low = (powers * coef).sum(-1) / math.exp(scale)
    return torch.where(s <= total / 2, cdf_low, 1 - cdf_low).clamp(0.0, 1.0)


def ot_uniform_combination(z: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """The uniform prior's exact combination of the codes ``z`` ``[k, ..., d]`` with weights ``w`` ``[k]``."""
    u = ((z.double() + 1) / 2).clamp(0, 1)
    shape = (-1,) + (1,) * (z.dim() - 1)
    v = torch.where((w < 0).reshape(shape), 1 - u, u)  # a negative weight mirrors its code
    nonzero = w != 0
    s = (w.abs()[nonzero].reshape(shape) * v[nonzero]).sum(0)
    return (2 * weighted_uniform_cdf(s, w.abs()[nonzero]) - 1).to(z.dtype)


def combine(codes, weights=None, method: str = "linear", prior: str | None = None, model=None) -> torch.Tensor:
    """Combine ``k`` codes with ``weights`` into one code per sample (see the module docstring).

    ``codes``: ``[k, ..., d]`` (or a list of ``k`` tensors ``[..., d]``), the codes of each sample
    along the first dimension; ``weights``: ``k`` finite numbers, not all zero (default: the
    centroid, ``1/k`` each). ``method``: ``"linear"``, ``"ot"`` (``prior`` ``"gaussian"`` or
    ``"uniform"``) or ``"flow"`` (``model`` from :func:`advai.fit_flow`). Returns ``[..., d]``; a
    one-hot weight vector returns its code exactly. Bad input is a ``ValueError`` naming it.
    """
    check_choice("method", method, COMBINE_METHODS)
    z = stack_codes(codes)
    k = z.shape[0]
    w = check_weights(torch.full((k,), 1.0 / k, dtype=torch.float64) if weights is None else weights, k)
    if method == "linear":
        out = torch.einsum("k,k...->...", w.to(z.dtype), z)
    elif method == "ot":
        if prior is None or get_prior(prior).name not in OT_PRIORS:
            raise ValueError(f"method='ot' needs prior= with a closed form: one of {', '.join(OT_PRIORS)}, "
                             f"got {prior!r}; use method='flow' for any other prior")
        if get_prior(prior).name == "gaussian":
            out = torch.einsum("k,k...->...", (w / w.norm()).to(z.dtype), z)
        else:
            out = ot_uniform_combination(z, w)
    else:
        if model is None or type(model).__name__ != "FlowInterpolator":
            raise ValueError(f"method='flow' needs model= (a fitted interpolator from advai.fit_flow), got "
                             f"{type(model).__name__}")
        if z.shape[-1] != model.dim:
            raise ValueError(f"codes have dimension {z.shape[-1]} but the flow was fitted for dim={model.dim}")
        flat = z.reshape(k, -1, model.dim).to(model.device, torch.float32)
        with torch.no_grad():
            u = torch.stack([model.flow(flat[i]) for i in range(k)])
            mixed = torch.einsum("k,k...->...", (w / w.norm()).float().to(u.device), u)
            out = model.flow.inverse(mixed).to(z.device, z.dtype).reshape(z.shape[1:])
    one_hot = (w != 0).sum() == 1 and float(w[w != 0][0]) == 1.0
    return z[int(torch.nonzero(w)[0])].clone() if one_hot else out
