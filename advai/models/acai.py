r"""ACAI (Berthelot et al., ICLR 2019): an image critic judges decoded interpolants.

With :math:`\alpha \sim U(0, 0.5)` and codes of the batch mixed with those of the reversed
batch, :math:`\hat x_\alpha = G(\alpha z_1 + (1-\alpha) z_2)`:

.. math::
    L_D &= \lVert D_A(\hat x_\alpha) - \alpha \rVert^2 + \lVert D_A(\gamma x + (1-\gamma) G(E(x))) \rVert^2 \\
    L_{AE} &= \lVert x - G(E(x)) \rVert^2 + \lambda \lVert D_A(\hat x_\alpha) \rVert^2

The critic regresses the mixing coefficient and is told that (nearly) real images have
coefficient 0; the autoencoder learns to make mixtures that look real.
"""
from __future__ import annotations

import torch

from .autoencoder import AutoencoderModel

SOURCE = "ACAI code (brain-research/acai, acai.py flags)"


class ACAI(AutoencoderModel):
    name = "acai"
    WEIGHTS = {"adv": (0.5, f"lambda, {SOURCE}"), "reg": (0.2, f"gamma, {SOURCE}")}

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.critic = self.make_critic()

    def losses(self, x):
        z, r, rec = self.reconstruction_loss(x)
        alpha = 0.5 * torch.rand(len(x), 1, device=x.device)
        mix = self.decoder(alpha * z + (1 - alpha) * z.flip(0))
        g = self.w["reg"]
        d_mix, d_real = self.critic(torch.cat([mix, (g * x + (1 - g) * r).detach()])).split(len(x))  # one pass
        loss_ae = rec + self.w["adv"] * d_mix.pow(2).mean()
        loss_d = (d_mix - alpha[:, 0]).pow(2).mean() + d_real.pow(2).mean()
        return {"autoencoder": loss_ae, "adversary": loss_d}, {"rec": rec.item(), "critic": loss_d.item()}
