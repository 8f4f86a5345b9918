r"""The AdvAI model: the correction module R, the critic D_R, and the trained interpolator.

AdvAI interpolates with a learned correction that vanishes at both endpoints:

.. math:: f(z_1, z_2, \alpha) = (1-\alpha) z_1 + \alpha z_2 + \alpha(1-\alpha)\,R(z_1, z_2, \alpha).

R is symmetric by construction: one shared encoder E embeds :math:`(z_1, 1-\alpha)` and
:math:`(z_2, \alpha)`, the two codes are *summed*, and a decoder maps the sum to the
correction, so :math:`f(z_1, z_2, \alpha) = f(z_2, z_1, 1-\alpha)` exactly. Codes are scaled by
``n_scale`` before entering R and D_R (the authors' default 10), and R's output is scaled
back by 1/n_scale.

Two modes:

* ``factorized`` (the authors' code): every coordinate is a separate 1-D problem with its
  own alpha; E sees (z_i, alpha_i), the decoder returns one number, D_R judges one
  coordinate. Works in any dimension for factorized priors, blind to joint structure.
* ``joint``: E sees the whole vector and alpha (one alpha per sample), the decoder returns
  a d-vector, D_R judges the whole vector. For non-factorized priors (ring, nine discs,
  3-D surface).

The critic D_R regresses the (folded) mixing coefficient: 0 on prior samples, alpha on
interpolants; see :mod:`advai.train_advai` for the losses.
"""
from __future__ import annotations

import copy
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from torch import nn

from .checks import as_tensor, broadcast_codes, check_alpha, check_choice, check_finite
from .outputs import atomic_path

MODES = ("factorized", "joint")


@dataclass
class AdvAIConfig:
    """Architecture of R and D_R (the authors' defaults: 3 hidden layers of 100 units)."""

    dim: int
    mode: str = "factorized"
    hidden: int = 100
    layers: int = 3
    code: int = 100
    n_scale: float = 10.0

    def __post_init__(self):
        check_choice("mode", self.mode, MODES)
        if int(self.dim) < 1:
            raise ValueError(f"dim must be a positive integer, got {self.dim!r}")

    @property
    def width(self) -> int:
        """Size of one code as seen by the networks: 1 per coordinate, or the whole d."""
        return 1 if self.mode == "factorized" else self.dim


def mlp(n_in: int, n_out: int, hidden: int, layers: int) -> nn.Sequential:
    """``layers`` hidden layers of ``hidden`` units with LeakyReLU(0.2), then a linear output."""
    mods, width = [], n_in
    for _ in range(layers):
        mods += [nn.Linear(width, hidden), nn.LeakyReLU(0.2)]
        width = hidden
    return nn.Sequential(*mods, nn.Linear(width, n_out))


class Correction(nn.Module):
    """R: the symmetric correction network. ``forward`` returns the interpolant f."""

    def __init__(self, cfg: AdvAIConfig):
        super().__init__()
        self.cfg = cfg
        self.encoder = mlp(cfg.width + 1, cfg.code, cfg.hidden, cfg.layers)
        self.decoder = mlp(cfg.code, cfg.width, cfg.hidden, cfg.layers)

    def forward(self, z1: torch.Tensor, z2: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        """z1, z2: [n, d]; alpha: [n, d] (factorized) or [n, 1] (joint)."""
        n, d = z1.shape
        s = self.cfg.n_scale
        if self.cfg.mode == "factorized":
            a = alpha.expand(n, d).reshape(-1, 1)
            u1, u2 = z1.reshape(-1, 1), z2.reshape(-1, 1)
        else:
            a, u1, u2 = alpha, z1, z2
        h = self.encoder(torch.cat([u1 * s, 1 - a], 1)) + self.encoder(torch.cat([u2 * s, a], 1))
        f = (1 - a) * u1 + a * u2 + a * (1 - a) * self.decoder(h) / s
        return f.reshape(n, d)


class Critic(nn.Module):
    """D_R: regresses the folded mixing coefficient from a code (per coordinate or joint)."""

    def __init__(self, cfg: AdvAIConfig):
        super().__init__()
        self.cfg = cfg
        self.net = mlp(cfg.width, 1, cfg.hidden, cfg.layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        """Returns [n, d] (factorized, one score per coordinate) or [n, 1] (joint)."""
        n, d = z.shape
        x = z.reshape(-1, 1) if self.cfg.mode == "factorized" else z
        return self.net(x * self.cfg.n_scale).reshape(n, -1)


class AdvAIInterpolator(nn.Module):
    """A trained AdvAI interpolator (holds R's averaged weights); call it like ``f(z1, z2, alpha)``.

    Use through ``advai.interpolate(z1, z2, alpha, method="advai", model=it)`` or directly.
    ``history`` is the training loss history; ``meta`` records the fit's settings.
    """

    def __init__(self, cfg: AdvAIConfig, correction: Correction | None = None, history=None, meta=None):
        super().__init__()
        self.cfg = cfg
        self.correction = copy.deepcopy(correction) if correction is not None else Correction(cfg)
        self.correction.requires_grad_(False).eval()
        self.history = history or {}
        self.meta = meta or {}

    @property
    def dim(self) -> int:
        return self.cfg.dim

    @property
    def device(self):
        return next(self.correction.parameters()).device

    def forward(self, z1, z2, alpha):
        z1 = as_tensor("z1", z1)
        z2 = as_tensor("z2", z2, dtype=z1.dtype)
        alpha = as_tensor("alpha", alpha, dtype=z1.dtype)
        check_finite("z1", z1)
        check_finite("z2", z2)
        check_alpha(alpha)
        if z1.shape[-1] != self.dim or z2.shape[-1] != self.dim:
            raise ValueError(f"codes have dimension {z1.shape[-1]}/{z2.shape[-1]} but the AdvAI model "
                             f"was trained for dim={self.dim}")
        z1, z2, alpha = broadcast_codes(z1, z2, alpha)
        shape = z1.shape
        z1, z2, alpha = (t.reshape(-1, self.dim) for t in (z1, z2, alpha))
        if self.cfg.mode == "joint":
            if not torch.all(alpha == alpha[:, :1]):
                raise ValueError("alpha must be one value per sample (scalar or [n]) in joint mode; "
                                 "per-coordinate alpha needs mode='factorized'")
            alpha = alpha[:, :1]
        dev = self.device
        with torch.no_grad():
            f = self.correction(z1.to(dev, torch.float32), z2.to(dev, torch.float32), alpha.to(dev, torch.float32))
        return f.to(z1.device, z1.dtype).reshape(shape)

    def save(self, path) -> None:
        """Write the interpolator (config, R's weights, history, meta) to ``path``."""
        with atomic_path(path) as tmp:
            torch.save({"kind": "advai-interpolator", "config": asdict(self.cfg),
                        "state": {k: v.cpu() for k, v in self.correction.state_dict().items()},
                        "history": self.history, "meta": self.meta}, tmp)


def read_checkpoint(path) -> dict:
    """Load a checkpoint or interpolator file; a clear ``ValueError`` if it is not readable."""
    path = Path(path)
    if not path.exists():
        raise ValueError(f"checkpoint file {path} does not exist")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=False)
    except Exception as exc:
        raise ValueError(f"checkpoint file {path} is corrupt or not a torch file: {exc}") from exc
    if not isinstance(blob, dict) or "kind" not in blob:
        raise ValueError(f"checkpoint file {path} is not an advai file")
    return blob


def load_advai(path, device: str = "cpu") -> AdvAIInterpolator:
    """Load an interpolator written by :meth:`AdvAIInterpolator.save` (or a finished fit's checkpoint)."""
    blob = read_checkpoint(path)
    if blob.get("kind") == "advai-checkpoint":
        return blob_to_interpolator(blob, device)
    if blob.get("kind") != "advai-interpolator":
        raise ValueError(f"{path} is not an advai interpolator file (kind={blob.get('kind')!r})")
    it = AdvAIInterpolator(AdvAIConfig(**blob["config"]), history=blob["history"], meta=blob["meta"])
    try:
        it.correction.load_state_dict(blob["state"])
    except RuntimeError as exc:
        raise ValueError(f"{path}: weights do not match the stored configuration: {exc}") from exc
    return it.to(device)


def blob_to_interpolator(blob, device="cpu") -> AdvAIInterpolator:
    cfg = AdvAIConfig(**blob["config"]["model"])
    r = Correction(cfg)
    r.load_state_dict(blob["ema"])
    meta = dict(blob["config"], fit_seconds=blob.get("seconds", 0.0))
    return AdvAIInterpolator(cfg, r, history=blob["history"], meta=meta).to(device)
