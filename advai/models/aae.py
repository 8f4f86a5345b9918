r"""AAE (Makhzani et al., 2016): codes matched to a Gaussian prior by a latent discriminator.

With :math:`D_z` a logit that a code was drawn from :math:`p(z) = N(0, I)` and :math:`\ell` the
binary cross-entropy on logits:

.. math::
    L_D &= \ell(D_z(\varepsilon), 1) + \ell(D_z(E(x)), 0), \quad \varepsilon \sim p(z) \\
    L_{AE} &= \lVert x - G(E(x)) \rVert^2 + \lambda\, \ell(D_z(E(x)), 1)

(the adversarial weight, 1 in Berthelot et al.'s AAE baseline, is ``adv``).
"""
from __future__ import annotations

import torch
from torch.nn.functional import binary_cross_entropy_with_logits as bce

from ..layers import LatentDiscriminator
from .autoencoder import AutoencoderModel


class AAE(AutoencoderModel):
    name = "aae"
    prior = "gaussian"
    WEIGHTS = {"adv": (1.0, "ACAI code's AAE baseline (brain-research/acai, aae.py: loss_ae + loss_ae_latent)")}

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.discriminator = LatentDiscriminator(self.latent)

    def losses(self, x):
        z, _, rec = self.reconstruction_loss(x)
        eps = torch.randn_like(z)
        fake = self.discriminator(z)
        loss_ae = rec + self.w["adv"] * bce(fake, torch.ones_like(fake))
        d_real = self.discriminator(eps)
        loss_d = bce(d_real, torch.ones_like(d_real)) + bce(fake, torch.zeros_like(fake))
        return {"autoencoder": loss_ae, "adversary": loss_d}, {"rec": rec.item(), "disc": loss_d.item()}
