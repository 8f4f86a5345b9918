r"""What the four autoencoders share: an encoder E, a decoder G and a way to interpolate codes.

A model subclasses :class:`AutoencoderModel` and defines only its losses, in
:meth:`AutoencoderModel.losses`: given a batch ``x`` it returns one loss per parameter group,

* ``"autoencoder"``: what the encoder and decoder minimize (reconstruction plus the model's
  regularizers),
* ``"adversary"``: what the model's adversaries (critics, discriminators) minimize, if any,

and a dict of named scalars for the training log. The harness (:mod:`advai.train`) updates
both groups simultaneously from one forward pass (as in the TF implementations of ACAI and
AdvAI, which group the two Adam updates): each loss is differentiated with respect to its own
group's weights only, so a critic output can serve both losses without being computed twice.
"""
from __future__ import annotations

import torch

from ..checks import check_choice, with_defaults
from ..layers import AcaiCritic, AcaiDecoder, AcaiEncoder, Decoder, Encoder, ImageCritic
from ..train import Trainable

#: Shared optimisation settings. Adam with lr 1e-4 and batch 64 are ACAI's and the AdvAI authors'
#: settings; we use lr 5e-4 and beta1 0.5 because our CPU budget allows ~1/100 of their
#: training images (a departure listed in notebook 3).
TRAIN = {"batch_size": 64, "lr": 5e-4, "lr_adv": 5e-4, "beta1": 0.5}
#: What each training setting and loss weight may be (:func:`advai.checks.check_settings`), checked before a fit.
TRAIN_RULES = dict(batch_size="int", lr="(0, 1]", lr_adv="(0, 1]", beta1="[0, 1)")
#: The networks an autoencoder can be built from: the study's (stride-2 convolutions, a flat code)
#: or ACAI's (3x3 convolutions at every scale, a 2x2 spatial code; :class:`advai.layers.AcaiEncoder`).
ARCHS = ("study", "acai")
WEIGHT_RULES = dict(adv="[0, inf)", reg="[0, 1]", mmd="[0, inf)", noise="[0, inf)", fake="[0, inf)",
                    n_scale="(0, inf)", warmup_steps="int")


class AutoencoderModel(Trainable):
    name = "base"
    #: the prior the codes are matched to (``None``: the codes are not regularized toward one)
    prior: str | None = None
    #: the model's loss weights and their sources; subclasses override
    WEIGHTS: dict = {}
    #: what :meth:`interpolate` does, for tables and figures
    interpolator = "LineIntp"

    def __init__(self, latent: int = 32, channels: int = 1, size: int = 32, depth: int = 16,
                 value_range: tuple = (0.0, 1.0), arch: str = "study", **weights):
        super().__init__()
        check_choice("arch", arch, ARCHS)
        self.arch = arch
        self.w = with_defaults(f"weights for model {self.name!r}", {k: v[0] for k, v in self.WEIGHTS.items()}, weights)
        self.latent, self.channels, self.size, self.depth = int(latent), channels, size, depth
        lo, hi = map(float, value_range)
        if not hi > lo:
            raise ValueError(f"value_range must be (low, high) with high > low, got {value_range!r}")
        #: the pixel range of the data (MNIST [0, 1], ACAI's lines [-1, 1]); decoded images are clamped to it
        self.value_range = (lo, hi)
        nets = (AcaiEncoder, AcaiDecoder) if arch == "acai" else (Encoder, Decoder)
        self.encoder = nets[0](latent, channels, size, depth)
        self.decoder = nets[1](latent, channels, size, depth)

    def make_critic(self):
        """The image critic D_A of ACAI and AdvAI-AE for this model's ``arch``: the study's
        (:class:`~advai.layers.ImageCritic`) or ACAI's (:class:`~advai.layers.AcaiCritic`)."""
        if self.arch == "acai":
            return AcaiCritic(self.latent, self.channels, self.size, self.depth)
        return ImageCritic(self.channels, self.size, self.depth)

    # -- what the harness needs ---------------------------------------------------------------
    def parameter_groups(self):
        """``autoencoder``: encoder and decoder; ``adversary``: every other trainable weight (if any)."""
        ae = list(self.encoder.parameters()) + list(self.decoder.parameters())
        own = {id(p) for p in ae}
        adv = [p for p in self.parameters() if id(p) not in own and p.requires_grad]
        return {"autoencoder": ae, "adversary": adv} if adv else {"autoencoder": ae}

    def configure_optimizers(self, train):
        lr = {"autoencoder": train["lr"], "adversary": train["lr_adv"]}
        return {k: torch.optim.Adam(ps, lr=lr[k], betas=(train["beta1"], 0.999))
                for k, ps in self.parameter_groups().items()}

    def losses(self, x: torch.Tensor):
        raise NotImplementedError

    def snapshot(self) -> dict:
        """What a training snapshot keeps: the encoder and decoder (all evaluation needs), not the adversaries."""
        return {k: v for k, v in self.state_dict().items() if k.startswith(("encoder.", "decoder."))}

    # -- using a trained model --------------------------------------------------------------
    def encode(self, x: torch.Tensor) -> torch.Tensor:
        return self.encoder(x)

    def decode(self, z: torch.Tensor) -> torch.Tensor:
        return self.decoder(z)

    def reconstruction_loss(self, x: torch.Tensor):
        r"""(codes, reconstructions, reconstruction loss).

        The loss is the mean squared error per pixel *on the [-1, 1] scale* that ACAI's and the
        AdvAI authors' code train on, :math:`\overline{(k\hat x - kx)^2}` with
        :math:`k = 2 / (\mathrm{high} - \mathrm{low})` of :attr:`value_range` (2 for [0, 1]
        images, 1 for [-1, 1] ones), so that their loss weights carry over unchanged.
        """
        z = self.encoder(x)
        r = self.decoder(z)
        k = 2 / (self.value_range[1] - self.value_range[0])
        return z, r, (k * (r - x)).pow(2).mean()

    def interpolate(self, z1: torch.Tensor, z2: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        """The model's own interpolator; LineIntp ``(1-a) z1 + a z2`` unless a model overrides it.

        ``alpha`` has shape ``[n, 1]`` (one coefficient per pair).
        """
        return (1 - alpha) * z1 + alpha * z2
