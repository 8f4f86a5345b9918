r"""A generator trained here (notebook 4): a small DCGAN-style GAN on MNIST-5k, Gaussian or uniform prior.

The generator is the autoencoders' decoder (:class:`advai.autoencoders.layers.Decoder`) with a
sigmoid, :math:`G(\varepsilon) \in [0, 1]^{32 \times 32}`; the discriminator is the image
critic network (:class:`advai.autoencoders.layers.ImageCritic`) read as a logit, with spectral
normalisation on every layer (Miyato et al., ICLR 2018): without it the discriminator won
within 100 steps and the generator collapsed to blank images (measured). Losses are the
non-saturating GAN losses (Goodfellow et al., 2014; DCGAN, Radford et al., 2016), with
:math:`\ell` the binary cross-entropy on logits:

.. math::
    L_D = \ell(D(x), 1) + \ell(D(G(\varepsilon)), 0), \qquad L_G = \ell(D(G(\varepsilon)), 1),
    \qquad \varepsilon \sim p(z).

Why not WGAN-GP: its gradient penalty (a double backward) and five critic steps per
generator step cost about 5-10x more per generator step on this 2-core CPU, and MNIST does
not need it. The models plug into the autoencoders' trainer (same checkpoints, resume and
cache): ``cached_autoencoder("gan_gaussian", ...)``.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.utils.parametrizations import spectral_norm
from torch.nn.functional import binary_cross_entropy_with_logits as bce

from .autoencoders.base import AutoencoderModel
from .autoencoders.layers import Decoder, ImageCritic
from .priors import get_prior


class GAN(AutoencoderModel):
    """Generator-only model: ``decode`` maps prior samples to images; there is no encoder."""

    name = "gan"
    has_encoder = False

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.decoder = Decoder(self.latent, self.channels, self.size, self.depth, batch_norm=True)
        self.critic = ImageCritic(self.channels, self.size, self.depth)
        for m in list(self.critic.modules()):
            for name, child in list(m.named_children()):
                if isinstance(child, (nn.Conv2d, nn.Linear)):
                    setattr(m, name, spectral_norm(child))

    def sample_prior(self, n: int, generator=None) -> torch.Tensor:
        return get_prior(self.prior).sample(n, self.latent, generator)

    def decode(self, z):
        return torch.sigmoid(self.decoder(z))

    def encode(self, x):
        raise ValueError(f"model {self.name!r} is a generator: it has no encoder")

    def losses(self, x):
        eps = self.sample_prior(len(x)).to(x.device)
        fake = self.critic(self.decode(eps))
        real = self.critic(x)
        loss_g = bce(fake, torch.ones_like(fake))
        loss_d = bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))
        return loss_g, loss_d, {"rec": loss_g.item(), "disc": loss_d.item()}


class GaussianGAN(GAN):
    name = "gan_gaussian"
    prior = "gaussian"


class UniformGAN(GAN):
    name = "gan_uniform"
    prior = "uniform"
