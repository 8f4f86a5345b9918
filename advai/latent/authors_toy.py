r"""AdvAI on the 2-D toy priors exactly as the authors' code trains it (``train_AdvAI.py``).

The study's :class:`~advai.latent.advai_model.AdvAITraining` with ``**AUTHORS`` and
``mode="factorized"`` takes the authors' *settings*; this module reproduces their *training loop*
(guanyuelee/AdvAI-Official, ``train_AdvAI.py`` and ``lib/layers.py``, read for this module), which
differs from ours in five more ways. One step, with a batch :math:`x` of ``batch_size`` = 64
prior samples:

* **pairs from the batch reversed**: :math:`z_2 = x` in reverse order (``x[::-1]``), so each
  unordered pair appears twice, with two independent coefficients (ours: 2 x 64 independent draws);
* **the coefficient folded before interpolating**: :math:`t = 0.5 - |u - 0.5|` per coordinate,
  :math:`u \sim U(0, 1)`, and :math:`f = f(z_1, z_2, t)` with :math:`t \in [0, 0.5]` (ours
  interpolates at :math:`u`; by R's symmetry the two give the same distribution of interpolants);
* **inputs scaled twice**: the training loop multiplies the prior samples by ``n_scale`` before
  feeding them, and the graph multiplies them by ``n_scale`` again before R and divides R's
  output by ``n_scale`` once. In the prior's units R sees :math:`100\,z` and its correction is
  divided by 100, while the critic sees :math:`10\,z`:

  .. math:: f = (1-t) z_1 + t z_2 + t(1-t)\,\mathrm{dec}\big(\mathrm{enc}(100 z_1, 1-t) + \mathrm{enc}(100 z_2, t)\big) / 100,
            \qquad D_R(10 f);

  their plotting code feeds *unscaled* samples to the same graph, so the figures they draw
  evaluate R at :math:`10\,z` with its correction divided by 10 (:func:`as_drawn`);
* **TensorFlow's initialisation**: Glorot-uniform weights and zero biases (``tf.layers.dense``);
* **the moving average starts at the first step's weights**: their ``EMA.update`` uses decay 0
  the first time, then :math:`\bar\theta \leftarrow 0.95\,\bar\theta + 0.05\,\theta` in float64 and
  writes :math:`\bar\theta` back into R after every step (ours starts it at the initial weights).

The rest is the study's authors' setting (:data:`~advai.latent.advai_model.AUTHORS`): L1 losses
:math:`L_D = E|D_R(10 z)| + E|D_R(10 f) - t|`, :math:`L_R = w_a E|D_R(10 f)|` with
:math:`w_a = 0.05`, both gradients at the same parameters (simultaneous update), Adam
(lr 1e-4, :math:`\beta = (0.9, 0.999)`) with TensorFlow's :math:`\hat\epsilon` placement
(:math:`\theta \mathrel{-}= \eta\sqrt{1-\beta_2^k}/(1-\beta_1^k)\; m / (\sqrt v + 10^{-8})`,
obtained from PyTorch's Adam by setting its epsilon to :math:`10^{-8}/\sqrt{1-\beta_2^k}` at step
:math:`k`; the loop's fixed choices are :data:`LOOP`), 3x100 LeakyReLU(0.2) networks, every coordinate its own
1-D problem. Their ``total_kepochs = 2**14`` k-samples at batch 64 is :data:`PAPER_STEPS` = 262,144
steps (their stop hook lets one more step run).

What stays different: random numbers come from PyTorch, not NumPy and TensorFlow (other draws
of the same distributions), and float32 sums run in another order.
"""
from __future__ import annotations

from dataclasses import asdict, replace

import torch

from ..checks import check_positive_int
from ..train import Draws, Trainable, fit
from .advai_model import AUTHORS, LOSSES, AdvAIConfig, Correction, Critic
from .advai_fit import AdvAIInterpolator, make_sampler

#: The authors' training length: ``total_kepochs = 1 << 14`` k-samples at batch 64 (``train_AdvAI.py``).
PAPER_STEPS = (1 << 14) * 1024 // AUTHORS["batch_size"]
#: Adam's epsilon in TensorFlow's placement (added to sqrt(v) before the bias correction).
TF_EPSILON = 1e-8
#: Choices of :data:`~advai.latent.advai_model.AUTHORS` that this loop *is* (not settings of it).
LOOP = dict(ema_mode="overwrite", update="simultaneous", critic_steps=1, gp=0.0)


def check_settings(hp: dict) -> dict:
    """``hp`` over :data:`~advai.latent.advai_model.AUTHORS`, checked: no unknown key, the loop's own
    choices (:data:`LOOP`) unchanged, positive sizes and learning rates, ``ema`` in [0, 1],
    ``wa`` >= 0, ``n_scale`` > 0, ``loss`` l1 or l2; ``ValueError`` naming the setting otherwise."""
    unknown = sorted(set(hp) - set(AUTHORS))
    if unknown:
        raise ValueError(f"fit_authors_toy takes the hyperparameters {sorted(AUTHORS)}, got unknown {unknown}")
    hp = {**AUTHORS, **hp}
    for key, value in LOOP.items():
        if hp[key] != value:
            raise ValueError(f"{key}={hp[key]!r} is not a setting of the authors' loop, which is {key}={value!r}")
    for key in ("batch_size", "hidden", "layers"):
        hp[key] = check_positive_int(key, hp[key])
    for key, ok, what in (("lr", hp["lr"] > 0, "positive"), ("lr_disc", hp["lr_disc"] > 0, "positive"),
                          ("beta1", 0 <= hp["beta1"] < 1, "in [0, 1)"), ("ema", 0 <= hp["ema"] <= 1, "in [0, 1]"),
                          ("wa", hp["wa"] >= 0, "non-negative"), ("n_scale", hp["n_scale"] > 0, "positive"),
                          ("loss", hp["loss"] in LOSSES, f"one of {sorted(LOSSES)}")):
        if not ok:
            raise ValueError(f"{key} must be {what}, got {hp[key]!r}")
    return hp


def glorot_init(module: torch.nn.Module) -> None:
    r"""TensorFlow's dense-layer initialisation in place: Glorot-uniform weights
    (:math:`U(\pm\sqrt{6/(n_{in} + n_{out})})`), zero biases."""
    for layer in module.modules():
        if isinstance(layer, torch.nn.Linear):
            torch.nn.init.xavier_uniform_(layer.weight)
            torch.nn.init.zeros_(layer.bias)


class AuthorsToyTraining(Trainable):
    """R and D_R trained by the authors' toy loop (module docstring); R holds the moving average."""

    def __init__(self, dim: int, hp: dict):
        super().__init__()
        self.hp = hp
        s = float(hp["n_scale"])
        self.cfg = AdvAIConfig(dim=dim, mode="factorized", hidden=hp["hidden"], layers=hp["layers"], n_scale=s * s)
        self.correction = Correction(self.cfg)  # sees s^2 z, its output divided by s^2: as trained
        self.critic = Critic(replace(self.cfg, n_scale=s))  # sees s z
        glorot_init(self)
        self.register_buffer("average_started", torch.tensor(False))
        self.average = [p.detach().double().clone() for p in self.correction.parameters()]

    def parameter_groups(self):
        return {"correction": list(self.correction.parameters()), "critic": list(self.critic.parameters())}

    def configure_optimizers(self, train):
        betas = (train["beta1"], 0.999)
        return {"critic": torch.optim.Adam(self.critic.parameters(), lr=train["lr_disc"], betas=betas, foreach=True),
                "correction": torch.optim.Adam(self.correction.parameters(), lr=train["lr"], betas=betas, foreach=True)}

    def train_step(self, batch, optimizers):
        (x,) = batch
        dist, hp = LOSSES[self.hp["loss"]], self.hp
        u = torch.rand(x.shape).to(x.device)
        t = 0.5 - (u - 0.5).abs()
        f = self.correction(x, x.flip(0), t)
        scores = self.critic(torch.cat([x, f]))
        loss_D = dist(scores[:len(x)]).mean() + dist(scores[len(x):] - t).mean()
        loss_R = hp["wa"] * dist(scores[len(x):]).mean()
        params_D, params_R = self.parameter_groups()["critic"], self.parameter_groups()["correction"]
        grads_D = torch.autograd.grad(loss_D, params_D, retain_graph=True)
        grads_R = torch.autograd.grad(loss_R, params_R)
        for name, params, grads in (("critic", params_D, grads_D), ("correction", params_R, grads_R)):
            for p, g in zip(params, grads):
                p.grad = g
            tf_epsilon(optimizers[name])
            optimizers[name].step()
        self.update_average()
        return {"loss_D": loss_D.item(), "loss_R": loss_R.item()}

    def update_average(self) -> None:
        """The authors' ``EMA.update``: decay 0 the first time, then ``ema``; in float64; written back into R."""
        params = [p.detach() for p in self.correction.parameters()]
        decay = self.hp["ema"] if bool(self.average_started) else 0.0
        with torch.no_grad():
            torch._foreach_mul_(self.average, decay)
            torch._foreach_add_(self.average, [p.double() for p in params], alpha=1 - decay)
            torch._foreach_copy_(params, self.average)
        self.average_started.fill_(True)

    def state_dict(self, *args, **kwargs):
        state = super().state_dict(*args, **kwargs)
        state.update({f"average.{i}": a for i, a in enumerate(self.average)})
        return state

    def load_state_dict(self, state, strict: bool = True):
        state = dict(state)
        average = [state.pop(f"average.{i}") for i in range(len(self.average))]
        result = super().load_state_dict(state, strict)
        self.average = [a.clone() for a in average]
        return result

    def _apply(self, fn, recurse=True):
        super()._apply(fn, recurse)
        self.average = [fn(a) if a.is_floating_point() else a for a in self.average]
        return self

    def snapshot(self):
        """R's weights (equal to the moving average after every step)."""
        return self.correction.state_dict()


def tf_epsilon(optimizer: torch.optim.Adam) -> None:
    r"""Set PyTorch Adam's epsilon for its next step k so that its update equals TensorFlow's:
    :math:`\epsilon_k = \hat\epsilon / \sqrt{1 - \beta_2^k}` (PyTorch adds epsilon after dividing
    :math:`\sqrt v` by :math:`\sqrt{1-\beta_2^k}`, TensorFlow before)."""
    for group in optimizer.param_groups:
        state = optimizer.state.get(group["params"][0], {})
        k = int(state["step"]) + 1 if "step" in state else 1
        group["eps"] = TF_EPSILON / (1 - group["betas"][1] ** k) ** 0.5


def fit_authors_toy(sampler, dim: int | None = None, steps: int = PAPER_STEPS, seed: int = 0, cache=None,
                    checkpoint=None, checkpoint_every: int = 4096, resume: bool | str = True, progress: bool = True,
                    snapshot_every: int | None = None, device: str | None = None, name: str | None = None,
                    callback=None, **hparams) -> AdvAIInterpolator:
    """Train AdvAI on ``sampler`` (a prior name or a callable ``n -> [n, dim]``) with the authors'
    toy loop (module docstring) for ``steps`` steps (default their 262,144); ``hparams`` override
    :data:`~advai.latent.advai_model.AUTHORS` (:func:`check_settings`). Checkpointed, resumable and cached
    like :func:`advai.fit_advai` (``callback(step, log)`` after every step). Returns the interpolator *as trained* (R on :math:`n_{scale}^2 z`);
    :func:`as_drawn` gives the one the authors' plots evaluate."""
    hp = check_settings(hparams)
    sample, dim, name = make_sampler(sampler, dim, name)
    build = lambda: AuthorsToyTraining(dim, hp)  # noqa: E731
    cfg = build().cfg
    identity = {"kind": "advai-authors-toy", "sampler": name, "dim": dim, "model": asdict(cfg)}
    trained = fit(build, Draws(sample, hp["batch_size"]), identity, hp, code=(AuthorsToyTraining, fit_authors_toy),
                  steps=steps, seed=seed, device=device, checkpoint=checkpoint, cache=cache,
                  checkpoint_every=checkpoint_every, resume=resume, progress=progress, snapshot_every=snapshot_every,
                  callback=callback, desc=f"AdvAI {name} d={dim}, the authors' loop")
    meta = dict(trained.fit_config, fit_seconds=trained.fit_seconds, evaluated="as trained")
    return AdvAIInterpolator(cfg, trained.correction, history=trained.history, meta=meta,
                             snapshots=trained.snapshots).to("cpu")


def as_drawn(it: AdvAIInterpolator) -> AdvAIInterpolator:
    r"""The same weights evaluated as the authors' plotting code does: R on :math:`n_{scale}\,z` (not
    :math:`n_{scale}^2 z`), its correction divided by :math:`n_{scale}` (their ``output`` op fed unscaled samples)."""
    if it.meta.get("evaluated") != "as trained" or "n_scale" not in it.meta.get("train", {}):
        raise ValueError("as_drawn takes an interpolator returned by fit_authors_toy")
    cfg = replace(it.cfg, n_scale=float(it.meta["train"]["n_scale"]))
    drawn = AdvAIInterpolator(cfg, it.correction, history=it.history, meta=dict(it.meta, evaluated="as drawn"),
                              snapshots=it.snapshots)
    drawn.correction.cfg = cfg  # the copied network reads its scale from its own configuration
    return drawn.to(it.device)
