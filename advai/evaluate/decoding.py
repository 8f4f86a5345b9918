r"""Codes, decoded images and decoded interpolation paths of a trained model (autoencoder or generator).

* :func:`encode`, :func:`decode`: in batches, on the model's device, results on the CPU;
  decoded images are clamped to the model's ``value_range`` ([0, 1] unless it says otherwise).
* :func:`decode_paths`: paths between pairs of *images* through an autoencoder, with the
  model's own interpolator (AdvAI for AdvAI-AE, LineIntp otherwise) or with LineIntp.
* :func:`midpoint_spread`: how much the decoded midpoints of different pairs differ, against
  their endpoints (near 0: every path passes through one image, whatever its endpoints);
* :func:`latent_paths`: paths between pairs of *codes* through a generator, with any
  interpolator of :func:`advai.interpolate`.
* :func:`critic_estimates`: the image critic's alpha estimate of images (ACAI, AdvAI-AE);
* :func:`prior_samples`: decoded samples from the model's prior, or from a Gaussian fitted to
  the training codes for a model without one.
"""
from __future__ import annotations

import torch

from ..checks import check_choice, check_positive_int
from ..data import pad_to
from ..latent.interpolation import interpolate


def _device(model) -> torch.device:
    first = next(model.parameters(), None) if hasattr(model, "parameters") else None
    return first.device if first is not None else torch.device("cpu")


@torch.no_grad()
def encode(model, images: torch.Tensor, batch: int = 1000) -> torch.Tensor:
    """Codes ``[n, d]`` of ``images`` (padded to 32x32), on the CPU."""
    dev = _device(model)
    x = pad_to(images, model.size)
    return torch.cat([model.encode(x[i:i + batch].to(dev)).cpu() for i in range(0, len(x), batch)])


@torch.no_grad()
def decode(model, codes: torch.Tensor, batch: int = 1000) -> torch.Tensor:
    """Images ``[n, c, 32, 32]`` decoded from ``codes``, clamped to the model's ``value_range``, on the CPU."""
    dev = _device(model)
    lo, hi = getattr(model, "value_range", (0.0, 1.0))
    return torch.cat([model.decode(codes[i:i + batch].to(dev)).clamp(lo, hi).cpu() for i in range(0, len(codes), batch)])


def _linear(z1, z2, alpha):
    return (1 - alpha) * z1 + alpha * z2


@torch.no_grad()
def decode_paths(model, x1: torch.Tensor, x2: torch.Tensor, n_steps: int = 16, method: str = "own") -> torch.Tensor:
    """Decoded paths ``[n_pairs, n_steps, c, 32, 32]`` from ``x1[i]`` to ``x2[i]``, alpha evenly on [0, 1].

    ``method``: ``"own"`` (the model's interpolator) or ``"linear"`` (LineIntp).
    """
    check_choice("method", method, ("own", "linear"))
    n_steps = check_positive_int("n_steps", n_steps)
    if len(x1) != len(x2):
        raise ValueError(f"x1 and x2 hold {len(x1)} and {len(x2)} images; they must pair up")
    z1, z2 = encode(model, x1), encode(model, x2)
    dev = _device(model)
    n = len(z1)
    alphas = torch.linspace(0, 1, n_steps)
    a = alphas.repeat(n)[:, None]  # pair-major: [a_0..a_{k-1}] for pair 0, then pair 1, ...
    z1r, z2r = z1.repeat_interleave(n_steps, 0), z2.repeat_interleave(n_steps, 0)
    mix = model.interpolate if method == "own" else _linear
    z = mix(z1r.to(dev), z2r.to(dev), a.to(dev)).cpu()
    return decode(model, z).reshape(n, n_steps, *x1.shape[1:2], model.size, model.size)


def _mean_pairwise_distance(images: torch.Tensor) -> torch.Tensor:
    v = images.flatten(1).double()
    return torch.cdist(v, v).sum() / (len(v) * (len(v) - 1))


def midpoint_spread(model, x1: torch.Tensor, x2: torch.Tensor, method: str = "own") -> float:
    r"""How much the decoded midpoints of different pairs differ, relative to their decoded endpoints:

    .. math:: s = \frac{\operatorname{mean}_{i \ne j} \lVert m_i - m_j \rVert_2}
                       {\operatorname{mean}_{i \ne j} \lVert e_i - e_j \rVert_2},

    with :math:`m_i` the decoded midpoint (alpha = 0.5) of the path from ``x1[i]`` to ``x2[i]``
    (``method`` as in :func:`decode_paths`) and :math:`e_i` the reconstruction of ``x1[i]``. For
    LineIntp between independent pairs :math:`s` is of order 1; :math:`s = 0` when every path passes
    through one image whatever its endpoints. Needs at least two pairs."""
    if len(x1) < 2:
        raise ValueError(f"midpoint_spread needs at least two pairs, got {len(x1)}")
    middle = decode_paths(model, x1, x2, 3, method)[:, 1]  # alpha 0, 0.5, 1
    start = decode(model, encode(model, x1))
    return float(_mean_pairwise_distance(middle) / _mean_pairwise_distance(start))


def latent_paths(generator, z1: torch.Tensor, z2: torch.Tensor, n_steps: int, method: str = "linear",
                 prior: str | None = None, model=None) -> torch.Tensor:
    """Decoded paths ``[n_pairs, n_steps, c, h, w]`` from codes ``z1[i]`` to ``z2[i]`` through ``generator``,
    interpolated by :func:`advai.interpolate` (``method``, ``prior``, ``model``), alpha evenly on [0, 1]."""
    n_steps = check_positive_int("n_steps", n_steps)
    steps = [decode(generator, interpolate(z1, z2, float(t), method=method, prior=prior, model=model))
             for t in torch.linspace(0, 1, n_steps)]
    return torch.stack(steps, 1)


def prior_samples(model, n: int, train_codes: torch.Tensor | None = None, seed: int = 0) -> torch.Tensor:
    """Decoded samples: from the prior N(0, I) for models that match one (AAE, AdvAI-AE), else from
    a Gaussian fitted to the training codes (mean and per-coordinate variance)."""
    g = torch.Generator().manual_seed(seed)
    eps = torch.randn(n, model.latent, generator=g)
    if model.prior is None:
        if train_codes is None:
            raise ValueError(f"model {model.name!r} has no prior: pass train_codes to fit a Gaussian to")
        eps = train_codes.mean(0) + train_codes.std(0) * eps
    return decode(model, eps)


@torch.no_grad()
def critic_estimates(model, images: torch.Tensor, batch: int = 1000) -> torch.Tensor:
    """The model's image critic D_A on ``images`` ``[n, c, 32, 32]``: its estimate of the mixing
    coefficient that produced each image (0: looks like a real image; ACAI and AdvAI-AE train it to
    regress alpha in [0, 0.5]). ``[n]`` on the CPU; ``ValueError`` for a model without a critic."""
    if not hasattr(model, "critic"):
        raise ValueError(f"model {getattr(model, 'name', type(model).__name__)!r} has no image critic")
    dev = _device(model)
    return torch.cat([model.critic(images[i:i + batch].to(dev)).cpu() for i in range(0, len(images), batch)])
