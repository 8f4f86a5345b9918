r"""The AdvAI-AE's interpolation module as the authors built it: whole codes in, alpha reweighted.

Read from the authors' TF code (guanyuelee/AdvAI-Official, ``AdvAI_AE.py``, ``interpolate`` and
``disc_interpolate``, flags ``int_hidden_layers=2``, ``int_hidden_units=100``,
``disc_hidden_layers=2``, ``n_scale=5``). Every MLP has hidden layers of 1,200 units with
LeakyReLU(0.2) (:func:`advai.layers.mlp`); codes are multiplied by ``n_scale`` on the way in.

**R** (:class:`WholeCodeCorrection`): a shared encoder :math:`E` (``[d + 1] -> 1200 -> 1200 -> 100``)
embeds each endpoint with its weight, the two embeddings are summed and a decoder :math:`B`
(``100 -> 1200 -> 1200 -> d``) maps the sum to a full-code bias; a scalar network
:math:`g` (``1 -> 1200 -> 1200 -> 1``) reweights the endpoints. With :math:`s = n_{scale}`:

.. math::
    f(z_1, z_2, \alpha) = w(1-\alpha)\, z_1 + w(\alpha)\, z_2
        + \tfrac{\alpha(1-\alpha)}{s} B\big(E([s z_1, 1-\alpha]) + E([s z_2, \alpha])\big),
    \qquad w(a) = a + a(1-a)\, g(a).

So :math:`f(z_1, z_2, 0) = z_1`, :math:`f(z_1, z_2, 1) = z_2` and
:math:`f(z_1, z_2, \alpha) = f(z_2, z_1, 1-\alpha)` exactly (the authors write the same function
with the roles of the endpoints swapped: their :math:`h_a` carries weight :math:`\alpha`).

**D_R** (:class:`LatentCritic`): an MLP ``d -> 1200 -> 1200 -> d`` on :math:`s z`, its d outputs
averaged to one number.

**Warm-up** (:class:`WholeCodeWarmup`, the authors' ``train_int_step``, trained before the
autoencoder and then frozen): with :math:`\varepsilon \sim N(0, I_d)` a batch,
:math:`\varepsilon^{\leftarrow}` the batch reversed, :math:`\alpha \sim U(0, 0.5)` per sample and
:math:`\tilde z = f(\varepsilon, \varepsilon^{\leftarrow}, \alpha)`:

.. math::
    L_{D_R} = \overline{D_R(\varepsilon)^2} + \overline{(D_R(\tilde z) - \alpha)^2}, \qquad
    L_R = \overline{D_R(\tilde z)^2},

both minimized by Adam from the same forward pass (the simultaneous update of the authors'
``tf.group``), no moving average (their ``use_ema=0``).
"""
from __future__ import annotations

import torch
from torch import nn

from ..layers import mlp
from ..train import Draws, Trainable, fit

#: The authors' sizes (``AdvAI_AE.py`` flags): hidden units and layers of every MLP, R's embedding size, n_scale.
AUTHORS_SIZES = {"hidden": 1200, "layers": 2, "code": 100, "n_scale": 5.0}


class WholeCodeCorrection(nn.Module):
    """The authors' R: :math:`f(z_1, z_2, \\alpha)` on whole codes ``[n, d]`` (alpha ``[n, 1]``)."""

    def __init__(self, dim: int, hidden: int = 1200, layers: int = 2, code: int = 100, n_scale: float = 5.0):
        super().__init__()
        self.dim, self.n_scale = int(dim), float(n_scale)
        self.embed = mlp(self.dim + 1, code, hidden, layers)  # E
        self.bias = mlp(code, self.dim, hidden, layers)  # B
        self.weight = mlp(1, 1, hidden, layers)  # g

    def forward(self, z1: torch.Tensor, z2: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        if z1.shape != z2.shape or z1.dim() != 2 or z1.shape[1] != self.dim:
            raise ValueError(f"z1 and z2 must both be [n, {self.dim}], got {tuple(z1.shape)} and {tuple(z2.shape)}")
        a = torch.as_tensor(alpha, dtype=z1.dtype, device=z1.device).reshape(-1, 1).expand(len(z1), 1)
        n, s = len(z1), self.n_scale
        h = self.embed(torch.cat([torch.cat([s * z1, 1 - a], 1), torch.cat([s * z2, a], 1)]))
        g = self.weight(torch.cat([1 - a, a]))
        w1, w2 = (1 - a) + a * (1 - a) * g[:n], a + a * (1 - a) * g[n:]
        return w1 * z1 + w2 * z2 + a * (1 - a) * self.bias(h[:n] + h[n:]) / s


class LatentCritic(nn.Module):
    """The authors' D_R: the mean of the d outputs of an MLP on ``n_scale`` times the code (``[n]``)."""

    def __init__(self, dim: int, hidden: int = 1200, layers: int = 2, n_scale: float = 5.0):
        super().__init__()
        self.n_scale = float(n_scale)
        self.net = mlp(int(dim), int(dim), hidden, layers)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.net(self.n_scale * z).mean(1)


class WholeCodeWarmup(Trainable):
    """R and D_R trained on prior samples (the authors' warm-up); see the module's docstring for the losses."""

    def __init__(self, dim: int, hidden: int = 1200, layers: int = 2, code: int = 100, n_scale: float = 5.0):
        super().__init__()
        self.correction = WholeCodeCorrection(dim, hidden, layers, code, n_scale)
        self.critic = LatentCritic(dim, hidden, layers, n_scale)

    def parameter_groups(self):
        return {"correction": list(self.correction.parameters()), "critic": list(self.critic.parameters())}

    def configure_optimizers(self, train):
        return {k: torch.optim.Adam(ps, lr=train["lr"], betas=(train["beta1"], 0.999))
                for k, ps in self.parameter_groups().items()}

    def losses(self, eps):
        alpha = 0.5 * torch.rand(len(eps), 1, device=eps.device)
        d = self.critic(torch.cat([eps, self.correction(eps, eps.flip(0), alpha)]))
        d_prior, d_mix = d[: len(eps)], d[len(eps):]
        loss_d = d_prior.pow(2).mean() + (d_mix - alpha[:, 0]).pow(2).mean()
        loss_r = d_mix.pow(2).mean()
        return {"correction": loss_r, "critic": loss_d}, {"critic": loss_d.item(), "correction": loss_r.item()}


def fit_whole_code(dim: int, steps: int, train: dict, seed: int = 0, cache=None, resume: bool = True,
                   progress: bool = True, **sizes) -> WholeCodeWarmup:
    """Warm up R and D_R on :math:`N(0, I_d)` for ``steps`` steps with ``train`` (``batch_size``, ``lr``,
    ``beta1``); ``sizes`` override :data:`AUTHORS_SIZES`. Cached under ``cache`` like every run of
    :func:`advai.train.fit`, so models with the same dimension, seed and settings share one warm-up."""
    cfg = {**AUTHORS_SIZES, **sizes}
    unknown = sorted(set(cfg) - set(AUTHORS_SIZES))
    if unknown:
        raise ValueError(f"unknown sizes {unknown}; choose from {sorted(AUTHORS_SIZES)}")
    batch = int(train["batch_size"])
    hp = {k: train[k] for k in ("batch_size", "lr", "beta1")}
    return fit(lambda: WholeCodeWarmup(dim, **cfg), Draws(lambda n: torch.randn(n, dim), batch),
               {"kind": "whole-code-warmup", "dim": int(dim), "sizes": cfg}, hp, code=(WholeCodeWarmup,),
               steps=steps, seed=seed, cache=cache, resume=resume, progress=progress,
               desc=f"AdvAI-AE R warm-up d={dim}")
