r"""Gap-free interpolations of the nine discs and the ring that R can be fitted to, and training that starts from them.

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

**The ring's snap.** The ring (radius :math:`r \sim U[0.6, 1]`, angle :math:`\theta \sim U[0, 2\pi)`)
has one too. Write :math:`u_k = (r_k - 0.6)/0.4 \sim U[0, 1]` and :math:`\Phi` for the distribution
function of :math:`u_1 + u_2` (triangular on [0, 2]: :math:`s^2/2` below 1, :math:`1 - (2-s)^2/2` above),
and let

.. math:: M(z_1, z_2) = \big(0.6 + 0.4\,\Phi(u_1 + u_2)\big)\,(\cos(\theta_1 + \theta_2), \sin(\theta_1 + \theta_2)),
          \qquad T(z_1, z_2, \alpha) = z_1\ (\alpha < \tfrac14), \quad M\ (\tfrac14 \le \alpha \le \tfrac34), \quad z_2\ (\alpha > \tfrac34).

:math:`\Phi(u_1 + u_2)` is uniform on [0, 1] and the angle sum is uniform modulo :math:`2\pi` and
independent of it, so between the jumps :math:`T` *is* the prior, on the annulus, symmetric, and
:math:`M` is continuous in the endpoints (the angle sum is the product of the unit vectors). It
jumps at :math:`\alpha = 1/4` and :math:`3/4`, and something must: a continuous interpolation that
kept every pair on the annulus at every :math:`\alpha` would carry the map
:math:`(z_1, z_2) \mapsto f(z_1, z_2, \alpha)` continuously from winding once with :math:`\theta_1`
(:math:`\alpha = 0`) to winding once with :math:`\theta_2` (:math:`\alpha = 1`), two maps of the
torus to the annulus that no such deformation joins. So every continuous interpolation of the ring
sends some pairs across the hole or outside the ring at some :math:`\alpha`; this one does it at the
jumps, away from :math:`\alpha = 1/2`.

* :class:`SnapRegression` fits R (same :class:`~advai.latent.advai_model.Correction`, same sizes
  as a fit) to T by least squares, :math:`L = E\,\lVert f(z_1, z_2, \alpha) - T(z_1, z_2, \alpha)\rVert^2`
  with :math:`\alpha \sim U(0, 1)` per pair: what R can represent.
* :class:`AdvAIFromSnap` and :class:`OracleFromSnap` run AdvAI's adversarial training and the
  capacity oracle exactly as :func:`advai.fit_advai` does, but start R (and its moving average)
  from that fit instead of from random weights: whether each objective keeps a gap-free solution
  it is handed.
"""
from __future__ import annotations

import torch

from ..checks import check_choice
from ..latent.advai_fit import AdvAIInterpolator, fit_correction
from ..latent.advai_model import AdvAIConfig, AdvAITraining, OracleTraining, update_average
from ..latent.priors import NINE_DISC_CENTRES

#: The ring's radii (:mod:`advai.latent.priors`: r ~ U[0.6, 1]).
RING_RADII = (0.6, 1.0)
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


def ring_snap(z1: torch.Tensor, z2: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
    """T(z1, z2, alpha) on the ring (module docstring); z1, z2 [n, 2], alpha [n, 1] or [n]."""
    a = alpha.reshape(len(z1), 1)
    lo, hi = RING_RADII
    s = (z1.norm(dim=1) + z2.norm(dim=1) - 2 * lo) / (hi - lo)  # u1 + u2, triangular on [0, 2]
    radius = lo + (hi - lo) * torch.where(s <= 1, s * s / 2, 1 - (2 - s) ** 2 / 2).clamp(0, 1)
    angle = torch.atan2(z1[:, 1], z1[:, 0]) + torch.atan2(z2[:, 1], z2[:, 0])
    middle = radius[:, None] * torch.stack([torch.cos(angle), torch.sin(angle)], 1)
    return torch.where(a < 0.25, z1, torch.where(a > 0.75, z2, middle))


#: The known exact, gap-free solution of each prior that has one here.
SNAPS = {"nine_discs": tournament_snap, "ring": ring_snap}


class SnapRegression(OracleTraining):
    """R regressed onto a prior's snap (least squares, :data:`SNAPS`), with AdvAI's moving average
    of R.

    The capacity oracle's R, average and optimiser; only the step differs: per-sample alpha and
    the snap's value as the target instead of a two-sample loss."""

    def __init__(self, cfg: AdvAIConfig, hp: dict, prior: str = "nine_discs"):
        super().__init__(cfg, hp)
        check_choice("prior", prior, SNAPS)
        self.target = SNAPS[prior]

    def train_step(self, batch, optimizers):
        (z,) = batch  # 2n prior samples
        n = len(z) // 2
        z1, z2 = z[:n], z[n:]
        a = torch.rand(n, 1).to(z.device)
        loss = (self.correction(z1, z2, a) - self.target(z1, z2, a)).pow(2).sum(1).mean()
        optimizers["correction"].zero_grad(set_to_none=True)
        loss.backward()
        optimizers["correction"].step()
        update_average(self.average, self.correction, self.hp["ema"])
        return {"loss_R": loss.item()}


def snap_training(snap_train: dict | None = None) -> dict:
    """:data:`SNAP_TRAIN` with the entries of ``snap_train`` replaced (``lr``, ``beta1``,
    ``batch_size``, ``ema``); any other key is an error."""
    extra = dict(snap_train or {})
    unknown = sorted(set(extra) - set(SNAP_TRAIN))
    if unknown:
        raise ValueError(f"snap_train takes {sorted(SNAP_TRAIN)}, got unknown {unknown}")
    return {**SNAP_TRAIN, **extra}


def fit_snap(steps: int = 3000, seed: int = 0, cache=None, resume: bool = True, progress: bool = True,
             snap_train: dict | None = None, prior: str = "nine_discs", **hparams) -> AdvAIInterpolator:
    """R (joint, on ``prior``, a key of :data:`SNAPS`; ``hidden``, ``layers``, ``n_scale`` as in ``hparams`` over
    :data:`~advai.latent.advai_model.DEFAULTS`) fitted to the prior's snap for ``steps``
    steps with :data:`SNAP_TRAIN` (entries replaced by ``snap_train``, e.g. ``{"ema": 0.999}``);
    returns the interpolator (R's moving average)."""
    check_choice("prior", prior, SNAPS)
    train = snap_training(snap_train)
    return fit_correction(lambda cfg, hp: SnapRegression(cfg, hp, prior), prior, 2, "joint", {**hparams, **train},
                          {"kind": "advai-snap"}, draws=2, code=(SnapRegression, fit_snap),
                          desc=f"R fitted to the {prior} snap", train=train, steps=steps, seed=seed, cache=cache,
                          resume=resume, progress=progress)


class _FromSnap:
    """Start R and its moving average from :func:`fit_snap` (same network settings) before step 1."""

    snap_steps: int
    snap_train: dict | None = None
    prior: str = "nine_discs"

    def prepare(self, seed: int, cache, resume: bool, progress: bool) -> None:
        start = fit_snap(self.snap_steps, seed=seed, cache=cache, resume=resume, progress=progress,
                         snap_train=self.snap_train, prior=self.prior, hidden=self.cfg.hidden, layers=self.cfg.layers,
                         n_scale=self.cfg.n_scale)
        self.correction.load_state_dict(start.correction.state_dict())
        self.average.load_state_dict(start.correction.state_dict())


class AdvAIFromSnap(_FromSnap, AdvAITraining):
    """AdvAI's adversarial training (:class:`~advai.latent.advai_model.AdvAITraining`) from the snap fit."""

    def __init__(self, cfg: AdvAIConfig, hp: dict, snap_steps: int, snap_train: dict | None = None,
                 prior: str = "nine_discs"):
        super().__init__(cfg, hp)
        self.snap_steps, self.snap_train, self.prior = snap_steps, snap_train, prior


class OracleFromSnap(_FromSnap, OracleTraining):
    """The capacity oracle (:class:`~advai.latent.advai_model.OracleTraining`) from the snap fit."""

    def __init__(self, cfg: AdvAIConfig, hp: dict, snap_steps: int, objective: str = "mmd",
                 snap_train: dict | None = None, prior: str = "nine_discs"):
        super().__init__(cfg, hp, objective)
        self.snap_steps, self.snap_train, self.prior = snap_steps, snap_train, prior


def fit_from_snap(objective: str = "adversarial", steps: int = 3000, snap_steps: int = 3000, seed: int = 0,
                  cache=None, resume: bool = True, progress: bool = True, snap_train: dict | None = None,
                  prior: str = "nine_discs", **hparams) -> AdvAIInterpolator:
    """AdvAI (``objective="adversarial"``) or the capacity oracle (``"mmd"``, ``"energy"``, ``"ot"``)
    on ``prior`` (a key of :data:`SNAPS`), joint mode, ``hparams`` over :data:`~advai.latent.advai_model.DEFAULTS` as in
    :func:`advai.fit_advai`, but starting from R fitted to the prior's snap for ``snap_steps``
    (:func:`fit_snap` with ``snap_train``)."""
    check_choice("prior", prior, SNAPS)
    train = snap_training(snap_train)
    if objective == "adversarial":
        build, draws = (lambda cfg, hp: AdvAIFromSnap(cfg, hp, snap_steps, snap_train, prior)), 2
    else:
        build, draws = (lambda cfg, hp: OracleFromSnap(cfg, hp, snap_steps, objective, snap_train, prior)), 3
    identity = {"objective": objective, "start": {"snap_steps": int(snap_steps), "train": train}}
    return fit_correction(build, prior, 2, "joint", hparams, identity, draws,
                          code=(AdvAIFromSnap, OracleFromSnap, fit_from_snap), desc=f"{objective} from the snap",
                          steps=steps, seed=seed, cache=cache, resume=resume, progress=progress)
