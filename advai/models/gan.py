r"""A generator trained here (notebook 4): a small DCGAN-style GAN on MNIST-5k, Gaussian or uniform prior.

The generator is the shared decoder (:class:`advai.layers.Decoder`) with batch normalisation
and a sigmoid, :math:`G(\varepsilon) \in [0, 1]^{32 \times 32}`; the discriminator is the image
critic network (:class:`advai.layers.ImageCritic`) read as a logit, with spectral
normalisation on every layer (Miyato et al., ICLR 2018): without it the discriminator won
within 100 steps and the generator collapsed to blank images (measured). Losses are the
non-saturating GAN losses (Goodfellow et al., 2014; DCGAN, Radford et al., 2016), with
:math:`\ell` the binary cross-entropy on logits:

.. math::
    L_D = \ell(D(x), 1) + \ell(D(G(\varepsilon)), 0), \qquad L_G = \ell(D(G(\varepsilon)), 1),
    \qquad \varepsilon \sim p(z).

Why not WGAN-GP: its gradient penalty (a double backward) and five critic steps per
generator step cost about 5-10x more per generator step on this 2-core CPU, and MNIST does
not need it. Trained by the study's harness like every model: ``fit_model("gan_gaussian", ...)``.
"""
from __future__ import annotations

import torch
from torch import nn
from torch.nn.functional import binary_cross_entropy_with_logits as bce
from torch.nn.utils.parametrizations import spectral_norm

from ..latent.priors import get_prior
from ..layers import Decoder, ImageCritic
from ..train import Trainable


class GAN(Trainable):
    """Generator G and discriminator D; ``decode`` maps prior samples to images."""

    name = "gan"
    prior = "gaussian"
    WEIGHTS: dict = {}
    interpolator = "LineIntp"

    def __init__(self, latent: int = 32, channels: int = 1, size: int = 32, depth: int = 16):
        super().__init__()
        self.latent, self.channels, self.size, self.depth = int(latent), channels, size, depth
        # The first version of this model built and discarded a plain decoder before its own;
        # drawing the same initial numbers keeps the committed GAN results reproducible.
        Decoder(latent, channels, size, depth)
        self.generator = Decoder(latent, channels, size, depth, batch_norm=True)
        self.discriminator = ImageCritic(channels, size, depth)
        for m in list(self.discriminator.modules()):
            for name, child in list(m.named_children()):
                if isinstance(child, (nn.Conv2d, nn.Linear)):
                    setattr(m, name, spectral_norm(child))

    def parameter_groups(self):
        return {"generator": list(self.generator.parameters()), "discriminator": list(self.discriminator.parameters())}

    def configure_optimizers(self, train):
        lr = {"generator": train["lr"], "discriminator": train["lr_adv"]}
        return {k: torch.optim.Adam(ps, lr=lr[k], betas=(train["beta1"], 0.999))
                for k, ps in self.parameter_groups().items()}

    def sample_prior(self, n: int, generator=None) -> torch.Tensor:
        return get_prior(self.prior).sample(n, self.latent, generator)

    def decode(self, z):
        return torch.sigmoid(self.generator(z))

    def losses(self, x):
        eps = self.sample_prior(len(x)).to(x.device)
        fake = self.discriminator(self.decode(eps))
        real = self.discriminator(x)
        loss_g = bce(fake, torch.ones_like(fake))
        loss_d = bce(real, torch.ones_like(real)) + bce(fake, torch.zeros_like(fake))
        log = {"generator": loss_g.item(), "discriminator": loss_d.item()}
        return {"generator": loss_g, "discriminator": loss_d}, log


class GaussianGAN(GAN):
    name = "gan_gaussian"
    prior = "gaussian"


class UniformGAN(GAN):
    name = "gan_uniform"
    prior = "uniform"
