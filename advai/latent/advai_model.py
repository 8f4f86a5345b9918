r"""The AdvAI model: the correction R, the critic D_R, their losses and one training step.

AdvAI interpolates with a learned correction that vanishes at both endpoints:

.. math:: f(z_1, z_2, \alpha) = (1-\alpha) z_1 + \alpha z_2 + \alpha(1-\alpha)\,R(z_1, z_2, \alpha).

**R** is symmetric by construction: one shared encoder E embeds :math:`(z_1, 1-\alpha)` and
:math:`(z_2, \alpha)`, the two codes are *summed*, and a decoder maps the sum to the
correction, so :math:`f(z_1, z_2, \alpha) = f(z_2, z_1, 1-\alpha)` exactly. Codes are scaled by
``n_scale`` before entering R and D_R (the authors' default 10), and R's output is scaled
back by 1/n_scale.

**D_R** regresses the folded mixing coefficient :math:`t = 0.5 - |u - 0.5| \in [0, 0.5]`:
0 on prior samples ("looks like the prior"), t on interpolants. Per step, with a batch
:math:`z_1, z_2 \sim p`, :math:`u \sim U(0, 1)` and :math:`f = f(z_1, z_2, u)`, with
:math:`\ell` the L2 (ours) or L1 (the authors') regression loss:

* critic:     :math:`L_D = E\,\ell(D_R(z_1)) + E\,\ell(D_R(f) - t) + \gamma\,E\,\lVert\nabla_z D_R\rVert^2`
  (the last term, a zero-centred gradient penalty at the prior samples and the interpolants,
  only when ``gp`` = :math:`\gamma > 0`), ``critic_steps`` Adam steps on D_R (same batch);
* correction: :math:`L_R = w_a\,E\,\ell(D_R(f))`, one Adam step on R, its gradient taken with the
  *updated* critic (``update="sequential"``, ours) or with the critic as it was before its step
  (``"simultaneous"``, the authors' code: both gradients at the same parameters);
* an exponential moving average of R's weights, :math:`\bar\theta \leftarrow d\,\bar\theta + (1-d)\,\theta`
  with ``ema`` = d. ``ema_mode="shadow"`` (ours) keeps it as a shadow copy, the interpolator a fit
  returns; ``"overwrite"`` (the authors' code) copies it back into R after every step
  (:math:`\theta \leftarrow \bar\theta`), so R itself moves by only (1-d) of each Adam step.

Two modes:

* ``factorized`` (the authors' code): every coordinate is a separate 1-D problem with its
  own u; E sees (z_i, u_i), the decoder returns one number, D_R judges one coordinate. Works
  in any dimension for factorized priors, blind to joint structure.
* ``joint``: E sees the whole vector and u (one per sample), the decoder returns a d-vector,
  D_R judges the whole vector. For non-factorized priors (ring, nine discs, 3-D surface).

:data:`AUTHORS` holds the authors' settings (TF code, guanyuelee/AdvAI-Official,
``train_AdvAI.py`` flags); :data:`DEFAULTS` changes five of them, each measured side by side
in notebook 2 (tab-advai-settings): ``loss="l2"`` (the L1 critic regresses the conditional
median of alpha, 0 wherever prior samples dominate, and gives R little signal), Adam
``beta1=0.5``, ``batch_size=256``, ``ema_mode="shadow"`` (the authors' EMA overwrites R's
weights every step) and ``update="sequential"`` (the authors update R and D_R simultaneously;
here D_R is updated first and R answers the updated critic). ``critic_steps`` and ``gp`` are
stabilisers from the adversarial-training literature (1 and 0 in both settings).

:class:`OracleTraining` is not AdvAI but a diagnostic: the same R with no critic, trained to
minimise a two-sample loss between its interpolants and fresh prior samples directly (the
bias-corrected energy distance, a multi-scale MMD or the exact transport cost). What it reaches is what the network can do; where it reaches the goal and the
adversarial fit does not, the adversarial training is at fault.
"""
from __future__ import annotations

import copy
from dataclasses import dataclass

import ot
import torch

from ..checks import check_choice, check_settings
from ..distances import energy_squared, mmd_squared
from ..layers import mlp
from ..train import Trainable

MODES = ("factorized", "joint")
OBJECTIVES = ("adversarial", "energy", "mmd", "ot")
#: Kernel widths of the "mmd" oracle: down to a twentieth of a nine-disc radius, so the loss
#: sees gaps that the energy distance (one scale: the whole spread) barely weighs.
ORACLE_BANDWIDTHS = (0.05, 0.1, 0.2, 0.4, 0.8, 1.6)
ORACLE_OBJECTIVES = OBJECTIVES[1:]
AUTHORS = dict(batch_size=64, lr=1e-4, lr_disc=1e-4, beta1=0.9, ema=0.95, wa=0.05, hidden=100, layers=3, n_scale=10.0,
               loss="l1", ema_mode="overwrite", update="simultaneous", critic_steps=1, gp=0.0)
DEFAULTS = dict(AUTHORS, batch_size=256, beta1=0.5, loss="l2", ema_mode="shadow", update="sequential")
EMA_MODES = ("shadow", "overwrite")
UPDATES = ("sequential", "simultaneous")
LOSSES = {"l1": torch.abs, "l2": torch.square}
#: What every setting of :data:`DEFAULTS` may be (:func:`advai.checks.check_settings`), checked before a fit starts.
RULES = dict(batch_size="int", lr="(0, 1]", lr_disc="(0, 1]", beta1="[0, 1)", ema="[0, 1)", wa="(0, inf)",
             hidden="int", layers="int", n_scale="(0, inf)", loss=tuple(LOSSES), ema_mode=EMA_MODES, update=UPDATES,
             critic_steps="int", gp="[0, inf)")


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
        check_settings("AdvAI network", {k: getattr(self, k) for k in ("dim", "hidden", "layers", "code", "n_scale")},
                       dict(dim="int", hidden="int", layers="int", code="int", n_scale="(0, inf)"))

    @property
    def width(self) -> int:
        """Size of one code as seen by the networks: 1 per coordinate, or the whole d."""
        return 1 if self.mode == "factorized" else self.dim


class Correction(torch.nn.Module):
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


class Critic(torch.nn.Module):
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


class AdvAITraining(Trainable):
    """R, D_R and the moving average of R, trained by :func:`advai.train.fit` one step at a time."""

    def __init__(self, cfg: AdvAIConfig, hp: dict):
        super().__init__()
        check_settings("AdvAI setting", hp, RULES)
        self.cfg, self.hp = cfg, hp
        self.correction = Correction(cfg)
        self.critic = Critic(cfg)
        self.average = copy.deepcopy(self.correction).requires_grad_(False)

    def parameter_groups(self):
        return {"correction": list(self.correction.parameters()), "critic": list(self.critic.parameters())}

    def configure_optimizers(self, train):
        betas = (train["beta1"], 0.999)
        return {"critic": adam(self.critic.parameters(), lr=train["lr_disc"], betas=betas),
                "correction": adam(self.correction.parameters(), lr=train["lr"], betas=betas)}

    def train_step(self, batch, optimizers):
        (z,) = batch  # 2n prior samples
        n, hp, dist = len(z) // 2, self.hp, LOSSES[self.hp["loss"]]
        z1, z2 = z[:n], z[n:]
        u = torch.rand(n, self.cfg.dim if self.cfg.mode == "factorized" else 1).to(z.device)
        target = 0.5 - (u - 0.5).abs()
        f = self.correction(z1, z2, u)
        params_R = list(self.correction.parameters())
        if hp["update"] == "simultaneous":  # R's gradient from the critic as it was before its step
            loss_R = hp["wa"] * dist(self.critic(f)).mean()
            grads_R = torch.autograd.grad(loss_R, params_R)
        for _ in range(hp["critic_steps"]):
            loss_D = self.critic_loss(z1, f.detach(), target, dist)
            optimizers["critic"].zero_grad(set_to_none=True)
            loss_D.backward()
            optimizers["critic"].step()
        if hp["update"] == "sequential":  # R answers the updated critic
            loss_R = hp["wa"] * dist(self.critic(f)).mean()
            grads_R = torch.autograd.grad(loss_R, params_R)
        for p, g in zip(params_R, grads_R):
            p.grad = g
        optimizers["correction"].step()
        update_average(self.average, self.correction, hp["ema"])
        if hp["ema_mode"] == "overwrite":
            self.correction.load_state_dict(self.average.state_dict())
        return {"loss_D": loss_D.item(), "loss_R": loss_R.item()}

    def critic_loss(self, z, f, target, dist):
        """L_D on prior samples ``z`` and (detached) interpolants ``f``, plus the gradient penalty."""
        x = torch.cat([z, f]).requires_grad_(self.hp["gp"] > 0)
        scores = self.critic(x)
        loss = dist(scores[:len(z)]).mean() + dist(scores[len(z):] - target).mean()
        if self.hp["gp"] > 0:
            (grad,) = torch.autograd.grad(scores.sum(), x, create_graph=True)
            loss = loss + self.hp["gp"] * grad.pow(2).sum(1).mean()
        return loss

    def snapshot(self):
        """What a training snapshot keeps: the moving average of R (the interpolator)."""
        return self.average.state_dict()


def exact_transport_cost(x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    r"""Squared 2-Wasserstein distance between two equal-size batches with uniform weights,
    :math:`\min_{P}\sum_{ij} P_{ij}\lVert x_i - y_j\rVert^2` over transport plans (POT's exact
    solver, ``ot.emd2``); differentiable in ``x`` and ``y`` through the squared distances, the
    gradient being the optimal plan's pull of each point towards its match."""
    if len(x) != len(y):
        raise ValueError(f"exact_transport_cost needs batches of one size, got {len(x)} and {len(y)}")
    w = torch.full((len(x),), 1.0 / len(x), dtype=x.dtype, device=x.device)
    return ot.emd2(w, w, torch.cdist(x, y).pow(2))


def adam(params, lr: float, betas: tuple) -> torch.optim.Adam:
    """Adam over ``params`` with the multi-tensor (``foreach``) update: the same arithmetic as the
    per-tensor loop PyTorch picks on the CPU (weights bit-identical), with less Python overhead
    per step for R's and D_R's many small tensors."""
    return torch.optim.Adam(params, lr=lr, betas=betas, foreach=True)


def update_average(average: torch.nn.Module, model: torch.nn.Module, decay: float) -> None:
    r"""Exponential moving average in place: :math:`\bar\theta \leftarrow d\,\bar\theta + (1-d)\,\theta`."""
    with torch.no_grad():
        for pa, p in zip(average.parameters(), model.parameters()):
            pa.mul_(decay).add_(p, alpha=1 - decay)


class OracleTraining(Trainable):
    r"""The capacity oracle: R alone, minimising a two-sample loss instead of fooling a critic.

    Per step, with :math:`z_1, z_2, z_3 \sim p` (n each), one :math:`\alpha \sim U(0, 1)` for
    the whole batch and :math:`f = f(z_1, z_2, \alpha)`:
    :math:`L_R = \hat{\mathcal{E}}^2_U(f, z_3)` (:func:`advai.distances.energy_squared`,
    ``objective="energy"``) or :math:`\mathrm{MMD}^2(f, z_3)` with the narrow and wide kernels of
    :data:`ORACLE_BANDWIDTHS` (:func:`advai.distances.mmd_squared`, ``objective="mmd"``), or the
    exact optimal-transport cost between the two batches (:func:`exact_transport_cost`,
    ``objective="ot"``: every interpolant is pulled towards the prior sample it is matched to), one
    Adam step on R (``lr``, ``beta1``), and the same moving average as :class:`AdvAITraining`.
    One alpha per batch makes the loss compare the interpolants *at that alpha* with the prior.
    """

    def __init__(self, cfg: AdvAIConfig, hp: dict, objective: str = "energy"):
        super().__init__()
        check_settings("AdvAI setting", hp, RULES)
        self.cfg, self.hp = cfg, hp
        check_choice("objective", objective, ORACLE_OBJECTIVES)
        self.objective = objective
        self.correction = Correction(cfg)
        self.average = copy.deepcopy(self.correction).requires_grad_(False)

    def two_sample_loss(self, f: torch.Tensor, z: torch.Tensor) -> torch.Tensor:
        if self.objective == "energy":
            return energy_squared(f, z, unbiased=True)
        if self.objective == "mmd":
            return mmd_squared(f, z, bandwidths=ORACLE_BANDWIDTHS)
        return exact_transport_cost(f, z)

    def parameter_groups(self):
        return {"correction": list(self.correction.parameters())}

    def configure_optimizers(self, train):
        return {"correction": adam(self.correction.parameters(), lr=train["lr"], betas=(train["beta1"], 0.999))}

    def train_step(self, batch, optimizers):
        (z,) = batch  # 3n prior samples
        n = len(z) // 3
        z1, z2, z3 = z[:n], z[n:2 * n], z[2 * n:3 * n]
        u = torch.rand(()).to(z.device).expand(n, self.cfg.dim if self.cfg.mode == "factorized" else 1)
        loss_R = self.two_sample_loss(self.correction(z1, z2, u), z3)
        optimizers["correction"].zero_grad(set_to_none=True)
        loss_R.backward()
        optimizers["correction"].step()
        update_average(self.average, self.correction, self.hp["ema"])
        return {"loss_R": loss_R.item()}

    snapshot = AdvAITraining.snapshot
