r"""AdvAI with Fourier input features: can R make the steep maps the gapped priors ask for?

A multimodal prior asks R for steep maps: a midpoint between two discs has to jump into one disc,
and which one depends on where the endpoints sit. A small MLP on raw coordinates bends slowly
(its spectral bias). Random Fourier features (Tancik et al., NeurIPS 2020) give it steep
directions to start from: the shared encoder sees, for a code :math:`z` (scaled by ``n_scale``),

.. math:: \phi(z) = [\,z,\ \sin(zB),\ \cos(zB)\,], \qquad B \in \mathbb{R}^{d \times F},\ B_{ij} \sim \mathcal{N}(0, \sigma^2),

with :math:`B` drawn once from the fit seed and kept fixed, instead of :math:`z`. Everything else
is AdvAI as :func:`advai.fit_advai` trains it (joint mode, the same critic, losses and steps):
:math:`f(z_1, z_2, \alpha) = (1-\alpha) z_1 + \alpha z_2 + \alpha(1-\alpha) R`, R symmetric by the
shared encoder, so the endpoints and the symmetry :math:`f(z_1, z_2, \alpha) = f(z_2, z_1, 1-\alpha)`
hold exactly. Not the authors' network: a stabiliser of the kind issue 10 lists ("input features
that let R make steep maps"), measured over fit seeds by ``scripts/fourier_features.py``.
"""
from __future__ import annotations

import torch

from ..latent.advai_fit import AdvAIInterpolator, fit_correction
from ..latent.advai_model import AdvAIConfig, AdvAITraining, Correction
from ..layers import mlp


class FourierCorrection(Correction):
    """R whose shared encoder sees :math:`[z, \\sin(zB), \\cos(zB)]` (joint mode only)."""

    def __init__(self, cfg: AdvAIConfig, sigma: float, features: int, seed: int):
        if cfg.mode != "joint":
            raise ValueError("Fourier features are defined for joint mode only")
        if not sigma > 0 or int(features) < 1:
            raise ValueError(f"sigma must be > 0 and features >= 1, got {sigma!r} and {features!r}")
        super().__init__(cfg)
        g = torch.Generator().manual_seed(int(seed))
        self.register_buffer("B", sigma * torch.randn(cfg.dim, int(features), generator=g))
        self.encoder = mlp(cfg.dim + 2 * int(features) + 1, cfg.code, cfg.hidden, cfg.layers)

    def features(self, z: torch.Tensor) -> torch.Tensor:
        p = z @ self.B
        return torch.cat([z, torch.sin(p), torch.cos(p)], 1)

    def forward(self, z1: torch.Tensor, z2: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        """z1, z2: [n, d]; alpha: [n, 1]."""
        s = self.cfg.n_scale
        h = (self.encoder(torch.cat([self.features(z1 * s), 1 - alpha], 1))
             + self.encoder(torch.cat([self.features(z2 * s), alpha], 1)))
        return (1 - alpha) * z1 + alpha * z2 + alpha * (1 - alpha) * self.decoder(h) / s


class FourierAdvAITraining(AdvAITraining):
    """:class:`~advai.latent.advai_model.AdvAITraining` with :class:`FourierCorrection` as R."""

    def __init__(self, cfg: AdvAIConfig, hp: dict, sigma: float, features: int, seed: int):
        super().__init__(cfg, hp)
        self.correction = FourierCorrection(cfg, sigma, features, seed)
        self.average = FourierCorrection(cfg, sigma, features, seed).requires_grad_(False)
        self.average.load_state_dict(self.correction.state_dict())


def fit_fourier(sampler: str, dim: int = 2, sigma: float = 2.0, features: int = 32, steps: int = 3000,
                seed: int = 0, cache=None, resume: bool = True, progress: bool = True,
                **hparams) -> AdvAIInterpolator:
    """AdvAI (joint mode, ``hparams`` over :data:`~advai.latent.advai_model.DEFAULTS` as in
    :func:`advai.fit_advai`) with R on Fourier features of scale ``sigma`` (``features`` of them,
    :math:`B` drawn from ``seed``); returns the interpolator (R's moving average). Fitted by
    :func:`~advai.latent.advai_fit.fit_correction` and cached like every fit; the returned
    interpolator is for use in this session (``load_advai`` rebuilds a plain R)."""
    return fit_correction(lambda cfg, hp: FourierAdvAITraining(cfg, hp, sigma, features, seed), sampler, dim, "joint",
                          hparams, {"fourier": {"sigma": float(sigma), "features": int(features)}}, draws=2,
                          code=(FourierAdvAITraining, FourierCorrection, fit_fourier),
                          desc=f"AdvAI {{name}} Fourier sigma={sigma:g}", steps=steps, seed=seed, cache=cache,
                          resume=resume, progress=progress)
