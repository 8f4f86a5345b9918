r"""The networks every model of the study is built from: an MLP and one convolutional family.

* :func:`mlp`: ``layers`` hidden layers of ``hidden`` units with LeakyReLU(0.2), then a linear
  output (AdvAI's R and D_R, the AAE's latent discriminator).

Images are ``[n, channels, 32, 32]`` in [0, 1] (MNIST's 28x28 digits are zero-padded to 32x32).

* :class:`Encoder` ``x -> z``: ``scales`` stride-2 4x4 convolutions (32 -> 16 -> 8 -> 4 pixels,
  channels ``depth``, ``2 depth``, ``4 depth``), flattened and mapped linearly to a flat code
  :math:`z \in \mathbb{R}^d` (a DCGAN-style stack).
* :class:`Decoder` ``z -> x``: the mirror image (linear, ``scales`` stride-2 4x4 transposed
  convolutions), with a linear output (no squashing, as in ACAI; clamp to [0, 1] to display).
* :class:`ImageCritic`: an encoder with one output, the image critic :math:`D_A` of ACAI and
  AdvAI-AE (regresses a mixing coefficient from an image).
* :class:`LatentDiscriminator`: an MLP on codes (the AAE's prior discriminator; two hidden
  layers of 100 units as in Berthelot et al.'s AAE baseline).

All activations are LeakyReLU(0.2). We dropped the full-resolution 3x3 convolutions of
ACAI's layers: on this 2-core CPU they cost 3-4x the time of the whole stack (measured:
encoder forward+backward of 64 images 15.7 ms with them, 4.0 ms without).

ACAI's own networks are here too, for ``arch="acai"`` (:class:`AcaiEncoder`, :class:`AcaiDecoder`,
:class:`AcaiCritic`, after ``lib/layers.py`` of brain-research/acai): 3x3 convolutions at every
scale, box (average) pooling down and nearest-neighbour upsampling up, a spatial code of
``scales`` halvings (2x2 for 32x32 images and 4 scales), weights drawn as ACAI draws them.
"""
from __future__ import annotations

import torch
from torch import nn


def mlp(n_in: int, n_out: int, hidden: int, layers: int) -> nn.Sequential:
    """``layers`` hidden layers of ``hidden`` units with LeakyReLU(0.2), then a linear output.

    The activations work in place on the linear layers' fresh outputs: the same numbers, one
    allocation less per layer (with Adam's multi-tensor update, a 3,000-step AdvAI fit 5-15 % faster
    on this machine, more when it is loaded; weights bit-identical; ``scripts/bench_advai.py``)."""
    mods, width = [], n_in
    for _ in range(layers):
        mods += [nn.Linear(width, hidden), nn.LeakyReLU(0.2, inplace=True)]
        width = hidden
    return nn.Sequential(*mods, nn.Linear(width, n_out))


def _channels(depth: int, scales: int) -> list[int]:
    return [depth * 2**i for i in range(scales)]  # 16, 32, 64 for depth=16, scales=3


class Encoder(nn.Module):
    """Image ``[n, c, s, s]`` -> flat code ``[n, latent]``."""

    def __init__(self, latent: int, channels: int = 1, size: int = 32, depth: int = 16, scales: int = 3):
        super().__init__()
        if size % 2**scales:
            raise ValueError(f"image size {size} is not divisible by 2**scales = {2**scales}")
        ch = [channels] + _channels(depth, scales)
        mods = []
        for a, b in zip(ch[:-1], ch[1:]):
            mods += [nn.Conv2d(a, b, 4, stride=2, padding=1), nn.LeakyReLU(0.2)]
        self.features = nn.Sequential(*mods, nn.Flatten())
        self.out = nn.Linear(ch[-1] * (size // 2**scales) ** 2, latent)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.features(x))


class Decoder(nn.Module):
    """Flat code ``[n, latent]`` -> image ``[n, c, s, s]`` (linear output; targets are in [0, 1]).

    ``batch_norm``: batch normalisation after each transposed convolution (the GAN generator
    of :mod:`advai.models.gan`, as in DCGAN; the autoencoders use none).
    """

    def __init__(self, latent: int, channels: int = 1, size: int = 32, depth: int = 16, scales: int = 3,
                 batch_norm: bool = False):
        super().__init__()
        ch = _channels(depth, scales)[::-1]
        self.side, self.top = size // 2**scales, ch[0]
        self.inp = nn.Sequential(nn.Linear(latent, ch[0] * self.side**2), nn.LeakyReLU(0.2))
        mods = []
        for a, b in zip(ch[:-1], ch[1:]):
            norm = [nn.BatchNorm2d(b)] if batch_norm else []
            mods += [nn.ConvTranspose2d(a, b, 4, stride=2, padding=1), *norm, nn.LeakyReLU(0.2)]
        self.body = nn.Sequential(*mods, nn.ConvTranspose2d(ch[-1], channels, 4, stride=2, padding=1))

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.body(self.inp(z).reshape(len(z), self.top, self.side, self.side))


class ImageCritic(nn.Module):
    """D_A: image -> one number per image (``[n]``)."""

    def __init__(self, channels: int = 1, size: int = 32, depth: int = 16, scales: int = 3):
        super().__init__()
        self.net = Encoder(1, channels, size, depth, scales)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).squeeze(1)


class LatentDiscriminator(nn.Module):
    """Code -> logit (``[n]``) that the code was drawn from the prior (AAE)."""

    def __init__(self, latent: int, hidden: int = 100, layers: int = 2):
        super().__init__()
        self.net = mlp(latent, 1, hidden, layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z).squeeze(1)


#: ACAI's defaults for its networks on 32x32 images: 4 scales, so a 2x2 spatial code.
ACAI_SCALES = 4


def acai_conv(c_in: int, c_out: int, k: int) -> nn.Conv2d:
    r"""A ``k x k`` 'same' convolution initialised as ACAI initialises its convolutions
    (``HeModifiedNormalInitializer(0.2)``): weights :math:`N(0, \sigma^2)` with
    :math:`\sigma = 1 / \sqrt{(1 + 0.2^2)\, k^2 c_{in}}`, biases zero."""
    conv = nn.Conv2d(c_in, c_out, k, padding=k // 2)
    nn.init.normal_(conv.weight, std=(1.04 * k * k * c_in) ** -0.5)
    nn.init.zeros_(conv.bias)
    return conv


def acai_code_shape(latent: int, size: int, scales: int) -> tuple[int, int]:
    """``(code channels, side)`` of ACAI's spatial code for a flat code of ``latent`` numbers: the
    side is ``size / 2**scales``; ``latent`` must be a multiple of side squared."""
    if size % 2**scales:
        raise ValueError(f"image size {size} is not divisible by 2**scales = {2**scales}")
    side = size // 2**scales
    if latent % side**2:
        raise ValueError(f"latent={latent} must be a multiple of {side**2} for ACAI's {side}x{side} spatial code")
    return latent // side**2, side


def _acai_stack(c_in: int, c_out: int) -> list[nn.Module]:
    return [acai_conv(c_in, c_out, 3), nn.LeakyReLU(0.2), acai_conv(c_out, c_out, 3), nn.LeakyReLU(0.2)]


class AcaiEncoder(nn.Module):
    """ACAI's encoder: image ``[n, c, s, s]`` -> flat code ``[n, latent]`` (its spatial map
    ``[n, latent / side^2, side, side]`` flattened). A 1x1 convolution to ``depth`` channels; for
    each scale two 3x3 convolutions of ``depth * 2**scale`` channels and 2x2 average pooling; a 3x3
    convolution to ``depth * 2**scales`` and a linear 3x3 convolution to the code's channels."""

    def __init__(self, latent: int, channels: int = 1, size: int = 32, depth: int = 16, scales: int = ACAI_SCALES):
        super().__init__()
        code, _ = acai_code_shape(latent, size, scales)
        mods, c = [acai_conv(channels, depth, 1)], depth
        for scale in range(scales):
            mods += _acai_stack(c, depth << scale) + [nn.AvgPool2d(2)]
            c = depth << scale
        mods += [acai_conv(c, depth << scales, 3), nn.LeakyReLU(0.2), acai_conv(depth << scales, code, 3)]
        self.net = nn.Sequential(*mods)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).flatten(1)


class AcaiDecoder(nn.Module):
    """ACAI's decoder: flat code ``[n, latent]`` -> image ``[n, c, s, s]`` (linear output). For each
    scale, from the coarsest, two 3x3 convolutions of ``depth * 2**scale`` channels and 2x
    nearest-neighbour upsampling; then a 3x3 convolution of ``depth`` channels and a linear one to
    the image's channels."""

    def __init__(self, latent: int, channels: int = 1, size: int = 32, depth: int = 16, scales: int = ACAI_SCALES):
        super().__init__()
        self.code, self.side = acai_code_shape(latent, size, scales)
        mods, c = [], self.code
        for scale in range(scales - 1, -1, -1):
            mods += _acai_stack(c, depth << scale) + [nn.Upsample(scale_factor=2, mode="nearest")]
            c = depth << scale
        mods += [acai_conv(c, depth, 3), nn.LeakyReLU(0.2), acai_conv(depth, channels, 3)]
        self.net = nn.Sequential(*mods)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(z.reshape(len(z), self.code, self.side, self.side))


class AcaiCritic(nn.Module):
    """ACAI's critic: its encoder network (a spatial map with the code's shape), averaged over
    channels and positions to one number per image (``[n]``)."""

    def __init__(self, latent: int, channels: int = 1, size: int = 32, depth: int = 16, scales: int = ACAI_SCALES):
        super().__init__()
        self.net = AcaiEncoder(latent, channels, size, depth, scales)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x).mean(1)
