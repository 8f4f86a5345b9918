r"""A gap-free interpolation of the nine discs that R can be fitted to, and training that starts from it.

Notebook 2's capacity oracle asks whether *gradient training* on a two-sample loss finds an
interpolation whose in-between codes stay in the discs. This module asks the question before it,
whether R can *represent* one, and then whether the adversarial game keeps it once it has it.

**The tournament snap.** Number the nine discs 0..8 (the order of
:data:`~advai.latent.priors.NINE_DISC_CENTRES`). For endpoints :math:`z_1` in disc :math:`i` and
:math:`z_2` in disc :math:`j`, disc :math:`i` *beats* :math:`j` when :math:`(j - i) \bmod 9 \in \{1, 2, 3, 4\}`,
so every disc beats exactly four of the other eight (a regular tournament). Then

.. math:: T(z_1, z_2, \alpha) = z_1 \text{ if } \alpha < \alpha^*, \text{ else } z_2, \qquad
          \alpha^* = \tfrac12 \ (i = j), \quad \tfrac34 \ (i \text{ beats } j), \quad \tfrac14 \ (j \text{ beats } i).

* endpoints: :math:`T(z_1, z_2, 0) = z_1`, :math:`T(z_1, z_2, 1) = z_2`;
* symmetry: :math:`T(z_1, z_2, \alpha) = T(z_2, z_1, 1 - \alpha)` (away from the jumps), as R's;
* nothing off the support: every value is one of the two endpoints;
* the prior at every :math:`\alpha \notin \{\tfrac14, \tfrac12, \tfrac34\}`: below 1/4 every value
  is :math:`z_1`, above 3/4 every value is :math:`z_2`; in between, a pair of different discs sits at
  its winner's endpoint, so each disc receives its own same-disc pairs (1/81) and the four
  pairings it wins in both orders (8/81), 1/9 in all, and within the disc the point is an
  endpoint, uniform and independent of the other one.

So the nine discs *have* an exact, gap-free AdvAI solution: :math:`T` is an optimum of the
paper's objective (no critic can tell its values from prior samples). It is not smooth (a
path jumps from disc to disc), and R, being continuous in :math:`\alpha`, can only approximate
the jumps with steep ramps; the correction T asks for is bounded away from them,
:math:`(z_1 - z_2)/(1 - \alpha)` before the jump and :math:`(z_2 - z_1)/\alpha` after.

* :class:`SnapRegression` fits R (same :class:`~advai.latent.correction.Correction`, same sizes
  as a fit) to T by least squares, :math:`L = E\,\lVert f(z_1, z_2, \alpha) - T(z_1, z_2, \alpha)\rVert^2`
  with :math:`\alpha \sim U(0, 1)` per pair: what R can represent.
* :class:`AdvAIFromSnap` and :class:`OracleFromSnap` run AdvAI's adversarial training and the
  capacity oracle exactly as :func:`advai.fit_advai` does, but start R (and its moving average)
  from that fit instead of from random weights: whether each objective keeps a gap-free solution
  it is handed.
"""
from __future__ import annotations

from dataclasses import asdict

import torch

from ..train import fit
from .correction import DEFAULTS, AdvAIConfig, AdvAITraining, OracleTraining, update_average
from .interpolator import AdvAIInterpolator, make_sampler
from .priors import NINE_DISC_CENTRES

#: Optimizer settings of the regression onto the snap (a supervised fit converges faster than the
#: game, so a larger step size than AdvAI's 1e-4).
SNAP_TRAIN = dict(lr=1e-3, beta1=0.5, batch_size=256, ema=0.95)


def disc_index(z: torch.Tensor, centres: torch.Tensor = NINE_DISC_CENTRES) -> torch.Tensor:
    """Index of the nearest disc centre for every row of ``z`` [n, 2]."""
    return torch.cdist(z, centres.to(z)).argmin(1)


def snap_jump(i: torch.Tensor, j: torch.Tensor, modes: int = 9) -> torch.Tensor:
    r""":math:`\alpha^*` of the tournament snap for discs ``i`` (of :math:`z_1`) and ``j`` (of :math:`z_2`):
    1/2 when equal, 3/4 when i beats j (:math:`(j - i) \bmod m \in [1, (m-1)/2]`), else 1/4. ``modes``
    must be odd (an even number of discs has no tournament in which every disc wins half)."""
    if modes % 2 == 0:
        raise ValueError(f"the tournament snap needs an odd number of discs, got {modes}")
    d = (j - i) % modes
    beats = (d >= 1) & (d <= (modes - 1) // 2)
    return torch.where(d == 0, 0.5, torch.where(beats, 0.75, 0.25)).to(torch.get_default_dtype())


def tournament_snap(z1: torch.Tensor, z2: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """T(z1, z2, alpha) on the nine discs (module docstring); z1, z2 [n, 2], alpha [n, 1] or [n]."""
    a = alpha.reshape(len(z1), 1)
    jump = snap_jump(disc_index(z1), disc_index(z2)).to(z1)[:, None]
    return torch.where(a < jump, z1, z2)


class SnapRegression(OracleTraining):
    """R regressed onto the tournament snap (least squares), with AdvAI's moving average of R.

    The capacity oracle's R, average and optimiser; only the step differs: per-sample alpha and
    the snap's value as the target instead of a two-sample loss."""

    def train_step(self, batch, optimizers):
        (z,) = batch  # 2n prior samples
        n = len(z) // 2
        z1, z2 = z[:n], z[n:]
        a = torch.rand(n, 1).to(z.device)
        loss = (self.correction(z1, z2, a) - tournament_snap(z1, z2, a)).pow(2).sum(1).mean()
        optimizers["correction"].zero_grad(set_to_none=True)
        loss.backward()
        optimizers["correction"].step()
        update_average(self.average, self.correction, self.hp["ema"])
        return {"loss_R": loss.item()}


def _config(hp: dict) -> AdvAIConfig:
    return AdvAIConfig(dim=2, mode="joint", hidden=hp["hidden"], layers=hp["layers"], n_scale=hp["n_scale"])


def _interpolator(cfg: AdvAIConfig, trained) -> AdvAIInterpolator:
    """The interpolator a finished fit returns: R's moving average, its history and configuration."""
    return AdvAIInterpolator(cfg, trained.average, history=trained.history,
                             meta=dict(trained.fit_config, fit_seconds=trained.fit_seconds))


def snap_training(snap_train: dict | None = None) -> dict:
    """:data:`SNAP_TRAIN` with the entries of ``snap_train`` replaced (``lr``, ``beta1``,
    ``batch_size``, ``ema``); any other key is an error."""
    extra = dict(snap_train or {})
    unknown = sorted(set(extra) - set(SNAP_TRAIN))
    if unknown:
        raise ValueError(f"snap_train takes {sorted(SNAP_TRAIN)}, got unknown {unknown}")
    return {**SNAP_TRAIN, **extra}


def fit_snap(steps: int = 3000, seed: int = 0, cache=None, resume: bool = True, progress: bool = True,
             snap_train: dict | None = None, **hparams) -> AdvAIInterpolator:
    """R (joint, nine discs; ``hidden``, ``layers``, ``n_scale`` as in ``hparams`` over
    :data:`~advai.latent.correction.DEFAULTS`) fitted to :func:`tournament_snap` for ``steps``
    steps with :data:`SNAP_TRAIN` (entries replaced by ``snap_train``, e.g. ``{"ema": 0.999}``);
    returns the interpolator (R's moving average)."""
    train = snap_training(snap_train)
    hp = {**DEFAULTS, **hparams, **train}
    cfg = _config(hp)
    sample = make_sampler("nine_discs", 2)[0]
    trained = fit(lambda: SnapRegression(cfg, hp), lambda: (sample(2 * hp["batch_size"]),),
                  {"kind": "advai-snap", "sampler": "nine_discs", "model": asdict(cfg)}, train,
                  code=(SnapRegression, fit_snap), steps=steps, seed=seed, cache=cache, resume=resume,
                  progress=progress, device="cpu", desc="R fitted to the tournament snap")
    return _interpolator(cfg, trained)


class _FromSnap:
    """Start R and its moving average from :func:`fit_snap` (same network settings) before step 1."""

    snap_steps: int
    snap_train: dict | None = None

    def prepare(self, seed: int, cache, resume: bool, progress: bool) -> None:
        start = fit_snap(self.snap_steps, seed=seed, cache=cache, resume=resume, progress=progress,
                         snap_train=self.snap_train, hidden=self.cfg.hidden, layers=self.cfg.layers,
                         n_scale=self.cfg.n_scale)
        self.correction.load_state_dict(start.correction.state_dict())
        self.average.load_state_dict(start.correction.state_dict())


class AdvAIFromSnap(_FromSnap, AdvAITraining):
    """AdvAI's adversarial training (:class:`~advai.latent.correction.AdvAITraining`) from the snap fit."""

    def __init__(self, cfg: AdvAIConfig, hp: dict, snap_steps: int, snap_train: dict | None = None):
        super().__init__(cfg, hp)
        self.snap_steps, self.snap_train = snap_steps, snap_train


class OracleFromSnap(_FromSnap, OracleTraining):
    """The capacity oracle (:class:`~advai.latent.correction.OracleTraining`) from the snap fit."""

    def __init__(self, cfg: AdvAIConfig, hp: dict, snap_steps: int, objective: str = "mmd",
                 snap_train: dict | None = None):
        super().__init__(cfg, hp, objective)
        self.snap_steps, self.snap_train = snap_steps, snap_train


def fit_from_snap(objective: str = "adversarial", steps: int = 3000, snap_steps: int = 3000, seed: int = 0,
                  cache=None, resume: bool = True, progress: bool = True, snap_train: dict | None = None,
                  **hparams) -> AdvAIInterpolator:
    """AdvAI (``objective="adversarial"``) or the capacity oracle (``"mmd"``, ``"energy"``, ``"ot"``)
    on the nine discs, joint mode, ``hparams`` over :data:`~advai.latent.correction.DEFAULTS` as in
    :func:`advai.fit_advai`, but starting from R fitted to the tournament snap for ``snap_steps``
    (:func:`fit_snap` with ``snap_train``)."""
    train = snap_training(snap_train)
    hp = {**DEFAULTS, **hparams}
    cfg = _config(hp)
    sample = make_sampler("nine_discs", 2)[0]
    if objective == "adversarial":
        build, draws = (lambda: AdvAIFromSnap(cfg, hp, snap_steps, snap_train)), 2
    else:
        build, draws = (lambda: OracleFromSnap(cfg, hp, snap_steps, objective, snap_train)), 3
    identity = {"kind": "advai", "sampler": "nine_discs", "dim": 2, "mode": "joint", "model": asdict(cfg),
                "objective": objective, "start": {"snap_steps": int(snap_steps), "train": train}}
    trained = fit(build, lambda: (sample(draws * hp["batch_size"]),), identity, hp,
                  code=(AdvAIFromSnap, OracleFromSnap, fit_from_snap), steps=steps, seed=seed, cache=cache,
                  resume=resume, progress=progress, device="cpu", desc=f"{objective} from the snap")
    return _interpolator(cfg, trained)
