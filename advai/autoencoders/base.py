r"""What the four autoencoders share: an encoder E, a decoder G and a way to interpolate codes.

A model subclasses :class:`AutoencoderModel` and defines only its losses, in
:meth:`AutoencoderModel.losses`: given a batch ``x`` it returns

* ``loss_ae``: what the encoder and decoder minimize (reconstruction plus the model's
  regularizers),
* ``loss_adv``: what the model's adversaries (critics, discriminators) minimize, or ``None``,
* a dict of named scalars for the training log.

The trainer (:mod:`advai.autoencoders.trainer`) updates both sets of weights
simultaneously from one forward pass (as in the TF implementations of ACAI and AdvAI, which
group the two Adam updates): ``loss_ae`` is differentiated with respect to the autoencoder's
weights only and ``loss_adv`` with respect to the adversaries' weights only, so a critic
output can serve both losses without being computed twice.
"""
from __future__ import annotations

import torch
from torch import nn

from .layers import Decoder, Encoder


class AutoencoderModel(nn.Module):
    name = "base"
    #: the prior the codes are matched to (``None``: the codes are not regularized toward one)
    prior: str | None = None
    #: the model's loss weights and their sources; subclasses override
    WEIGHTS: dict = {}

    def __init__(self, latent: int = 32, channels: int = 1, size: int = 32, depth: int = 16, **weights):
        super().__init__()
        unknown = set(weights) - set(self.WEIGHTS)
        if unknown:
            raise ValueError(f"unknown weights {sorted(unknown)} for model {self.name!r}; allowed: {sorted(self.WEIGHTS)}")
        self.w = {k: v[0] for k, v in self.WEIGHTS.items()}
        self.w.update(weights)
        self.latent, self.channels, self.size, self.depth = int(latent), channels, size, depth
        self.encoder = Encoder(latent, channels, size, depth) if self.has_encoder else None
        self.decoder = Decoder(latent, channels, size, depth)

    #: False for a generator-only model (:mod:`advai.generator`): no encoder is built
    has_encoder = True

    # -- what the trainer needs -------------------------------------------------------------
    def autoencoder_parameters(self):
        """The weights ``loss_ae`` trains: encoder and decoder (or the generator alone)."""
        return list(self.encoder.parameters() if self.encoder is not None else []) + list(self.decoder.parameters())

    def adversary_parameters(self):
        ae = {id(p) for p in self.autoencoder_parameters()}
        return [p for p in self.parameters() if id(p) not in ae and p.requires_grad]

    def losses(self, x: torch.Tensor):
        raise NotImplementedError

    def prepare(self, seed: int, progress: bool = True, cache=None) -> None:
        """Work done once before the first training step (AdvAI-AE warms up its correction here)."""

    # -- using a trained model --------------------------------------------------------------
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def reconstruction_loss(self, x: torch.Tensor):
        r"""(codes, reconstructions, reconstruction loss).

        The loss is the mean squared error per pixel *on the [-1, 1] scale* that ACAI's and the
        AdvAI authors' code train on, :math:`\overline{(2\hat x - 2x)^2}` for our [0, 1] images,
        so that their loss weights carry over unchanged.
        """
        z = self.encoder(x)
        r = self.decoder(z)
        return z, r, (2 * (r - x)).pow(2).mean()

    def interpolate(self, z1: torch.Tensor, z2: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        """The model's own interpolator; LineIntp ``(1-a) z1 + a z2`` unless a model overrides it.

        ``alpha`` has shape ``[n, 1]`` (one coefficient per pair).
        """
        return (1 - alpha) * z1 + alpha * z2

    def config(self) -> dict:
        return {"model": self.name, "latent": self.latent, "channels": self.channels, "size": self.size,
                "depth": self.depth, "weights": dict(self.w)}
