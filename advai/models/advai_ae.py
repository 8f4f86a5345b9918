r"""AdvAI-AE (Li et al., 2022): an autoencoder regularized twice, on its prior and on its interpolants.

Codes are matched to :math:`p(z) = N(0, I_d)`, and pairs of codes are mixed by AdvAI,
:math:`f(z_1, z_2, \alpha)`, through the authors' whole-code interpolation module R
(:mod:`advai.latent.whole_code`: 2 x 1,200-unit MLPs, a 100-unit embedding, the alpha
reweighting of both endpoints, n_scale 5). As in the authors' code (guanyuelee/AdvAI-Official,
``AdvAI_AE.py``, ``train_int_step`` then ``train_step``), R and its latent critic D_R are first
*warmed up* on prior samples, then R is frozen (their ``train_step`` updates only the
autoencoder, the image critic and a probe) and D_R is no longer used; no moving average
(``use_ema=0``). The autoencoder is trained with an image critic D_A.

With :math:`\varepsilon \sim p(z)`, :math:`\alpha \sim U(0, 0.5)` for code-code mixes and
:math:`\beta \sim U(0, 1)` for noise mixes,

* interpolation: :math:`\hat x_\alpha = G(f(E(x), E(x)^{\leftarrow}, \alpha))` (the batch mixed with
  itself reversed);
* noise interpolation: :math:`\hat x_\beta = G(f(E(x), \varepsilon, \beta))`, a code mixed with a
  prior sample (weight :math:`\beta` on the prior sample);
* fake: :math:`G(\varepsilon)`, a decoded prior sample.

.. math::
    L_D &= \lVert D_A(\gamma x + (1-\gamma) G(E(x)))\rVert^2 + \lVert D_A(\hat x_\alpha) - \alpha\rVert^2
          + \lVert D_A(\hat x_\beta) - \beta\rVert^2 + \lVert D_A(G(\varepsilon)) - \tfrac12\rVert^2 \\
    L_{AE} &= \lVert x - G(E(x))\rVert^2 + \lambda \lVert D_A(\hat x_\alpha)\rVert^2
          + \lambda_{mmd}\, \mathrm{MMD}^2(E(x), \varepsilon)
          + \lambda_{noise} \lVert D_A(\hat x_\beta)\rVert^2 + \lambda_{fake} \lVert D_A(G(\varepsilon))\rVert^2

Prior matching is twofold: MMD on the codes, and the adversarial "fake" term (decoded
prior samples must look real to D_A). The model interpolates with AdvAI
(:meth:`AdvAIAE.interpolate`); ``AutoencoderModel.interpolate`` gives LineIntp for comparison.

:class:`AdvAIAEFactorized` is our earlier version, kept as an ablation: the same losses with
R replaced by notebook 2's factorized, per-coordinate module (3 x 100 units, one coordinate
at a time), warmed up by :func:`advai.fit_advai`.
"""
from __future__ import annotations

import torch

from ..distances import mmd_squared
from ..latent.advai_model import AdvAIConfig, Correction
from ..latent.advai_fit import fit_advai
from ..latent.whole_code import AUTHORS_SIZES, WholeCodeCorrection, fit_whole_code
from .autoencoder import TRAIN, AutoencoderModel

CODE = "the authors' code (guanyuelee/AdvAI-Official, AdvAI_AE.py flags)"


class AdvAIAE(AutoencoderModel):
    name = "advai_ae"
    prior = "gaussian"
    interpolator = "AdvAI"
    WEIGHTS = {
        "adv": (0.5, f"lambda (advweight), {CODE}"),
        "reg": (0.2, f"gamma, {CODE}"),
        "mmd": (1.0, f"wgt_mmd, {CODE}"),
        "noise": (0.1, f"wgt_noise, {CODE}"),
        "fake": (0.1, f"wgt_fake, {CODE}"),
        "n_scale": (AUTHORS_SIZES["n_scale"], f"n_scale of R and D_R, {CODE}"),
        "warmup_steps": (3000, "R's warm-up steps on prior samples (batch 64): this study; the authors warm up "
                               "for train_int_kimg = 2,048k samples, 32,768 steps"),
    }

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.critic = self.make_critic()
        self.correction = self._build_correction()
        self.correction.requires_grad_(False)

    def _build_correction(self):
        return WholeCodeCorrection(self.latent, **{**AUTHORS_SIZES, "n_scale": float(self.w["n_scale"])})

    def prepare(self, seed: int, cache, resume: bool, progress: bool) -> None:
        """Warm up R (and D_R) on prior samples (:func:`advai.latent.whole_code.fit_whole_code`,
        our optimizer settings :data:`TRAIN`); R is frozen afterwards. With ``cache`` (a folder)
        the warm-up is cached there, so every model with the same latent dimension, seed and
        settings shares it (MNIST-5k and lines)."""
        warm = fit_whole_code(self.latent, int(self.w["warmup_steps"]), TRAIN, seed=seed, cache=cache, resume=resume,
                              progress=progress, n_scale=float(self.w["n_scale"]))
        self.correction.load_state_dict(warm.correction.state_dict())
        self.warmup_history = warm.history

    def interpolate(self, z1, z2, alpha):
        """AdvAI: :math:`f(z_1, z_2, \\alpha)` through the warmed-up correction R (alpha ``[n, 1]``)."""
        return self.correction(z1, z2, alpha)

    def losses(self, x):
        n, w = len(x), self.w
        z, r, rec = self.reconstruction_loss(x)
        eps = torch.randn_like(z)
        alpha = 0.5 * torch.rand(n, 1, device=x.device)
        beta = torch.rand(n, 1, device=x.device)
        # one batched pass each through R, the decoder and the critic (same values as separate calls)
        mixed = self.interpolate(torch.cat([z, z]), torch.cat([z.flip(0), eps]), torch.cat([alpha, beta]))
        g = w["reg"]
        images = torch.cat([self.decoder(torch.cat([mixed, eps])), (g * x + (1 - g) * r).detach()])
        d_mix, d_noise, d_fake, d_real = self.critic(images).split(n)
        mmd = mmd_squared(z, eps).float().clamp_min(0)
        loss_ae = (rec + w["adv"] * d_mix.pow(2).mean() + w["mmd"] * mmd
                   + w["noise"] * d_noise.pow(2).mean() + w["fake"] * d_fake.pow(2).mean())
        loss_d = (d_real.pow(2).mean() + (d_mix - alpha[:, 0]).pow(2).mean()
                  + (d_noise - beta[:, 0]).pow(2).mean() + (d_fake - 0.5).pow(2).mean())
        log = {"rec": rec.item(), "critic": loss_d.item(), "mmd": mmd.item()}
        return {"autoencoder": loss_ae, "adversary": loss_d}, log


class AdvAIAEFactorized(AdvAIAE):
    """Ablation: AdvAI-AE with notebook 2's factorized per-coordinate R (3 x 100 units) instead of the authors'."""

    name = "advai_ae_factorized"
    WEIGHTS = {**AdvAIAE.WEIGHTS,
               "n_scale": (5.0, f"n_scale of R, {CODE}"),
               "warmup_steps": (3000, "R's warm-up steps on prior samples: notebook 2's default fit length")}

    def _fit_settings(self) -> dict:
        # factorized fits see batch * d coordinates a step: 16 codes of d = 32 is 512 coordinates,
        # the work of notebook 2's 2-D fits (see advai.study.profiles.ADVAI_FITS)
        return {"hidden": 100, "layers": 3, "n_scale": float(self.w["n_scale"]), "batch_size": max(1, 512 // self.latent)}

    def _build_correction(self):
        fit = self._fit_settings()
        return Correction(AdvAIConfig(dim=self.latent, mode="factorized", hidden=fit["hidden"], layers=fit["layers"],
                                      n_scale=fit["n_scale"]))

    def prepare(self, seed: int, cache, resume: bool, progress: bool) -> None:
        """Warm up the factorized R (and D_R) with :func:`advai.fit_advai` (Gaussian prior in d dimensions)."""
        fit = fit_advai("gaussian", dim=self.latent, mode="factorized", steps=int(self.w["warmup_steps"]),
                        seed=seed, cache=cache, resume=resume, progress=progress, **self._fit_settings())
        self.correction.load_state_dict(fit.correction.state_dict())
        self.warmup_history = fit.history
