r"""Adversarial training of the AdvAI correction: :func:`fit_advai`.

Per step, with a batch :math:`z_1, z_2 \sim p`, :math:`u \sim U(0, 1)` (per coordinate in
factorized mode, per sample in joint mode) and the folded target
:math:`t = 0.5 - |u - 0.5| \in [0, 0.5]`, interpolants :math:`f = f(z_1, z_2, u)`:

* critic:     :math:`L_D = E|D_R(z_1)| + E|D_R(f) - t|` (L1 regression of the coefficient;
  0 means "looks like a prior sample");
* correction: :math:`L_R = w_a\,E|D_R(f)|` (make interpolants look like prior samples).

Both are optimized with Adam. An exponential moving average of R's weights (``ema``) is
the interpolator returned. :data:`AUTHORS` holds the authors' settings (TF code,
guanyuelee/AdvAI-Official, ``train_AdvAI.py`` flags); :data:`DEFAULTS` changes three of
them, each measured side by side in notebook 2: ``loss="l2"`` (the L1 critic regresses the
conditional median of alpha, 0 wherever prior samples dominate, and gives R little
signal), Adam ``beta1=0.5`` and ``batch_size=256``. The authors' EMA *overwrites* R's
weights every step; here it is a shadow copy used for the returned interpolator.

Checkpoints (``checkpoint=path``) hold R, D_R, the average, both optimizers, the RNG state
and the loss history; a fit pointed at an existing checkpoint resumes from it (and returns
at once if it is finished), reaching the same final weights as an uninterrupted run on CPU.
"""
from __future__ import annotations

import copy
import os
import time
from pathlib import Path
from typing import Callable

import torch

from .checks import check_choice, check_positive_int
from .correction import AdvAIConfig, AdvAIInterpolator, Correction, Critic, blob_to_interpolator, read_checkpoint
from .loop import checkpointed_loop
from .outputs import atomic_path
from .priors import get_prior

AUTHORS = dict(batch_size=64, lr=1e-4, lr_disc=1e-4, beta1=0.9, ema=0.95, wa=0.05, hidden=100, layers=3, n_scale=10.0,
               loss="l1")
DEFAULTS = dict(AUTHORS, batch_size=256, beta1=0.5, loss="l2")


_LOSSES = {"l1": torch.abs, "l2": torch.square}


def resolve_device(device: str = "auto") -> torch.device:
    """``"auto"``: CUDA when available, else CPU."""
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(device)


def make_sampler(sampler, dim):
    """Turn a prior name or a callable ``n -> [n, dim]`` into a checked sampler; returns (fn, dim, name)."""
    if isinstance(sampler, str):
        prior = get_prior(sampler)
        dim = prior.check_dim(dim)
        return (lambda n: prior.sample(n, dim)), dim, prior.name
    if not callable(sampler):
        raise ValueError(f"sampler must be a prior name or a callable n -> [n, dim] tensor, got {type(sampler).__name__}")
    dim = check_positive_int("dim", dim)

    def checked(n):
        z = sampler(n)
        if not isinstance(z, torch.Tensor) or z.shape != (n, dim):
            shape = tuple(z.shape) if hasattr(z, "shape") else type(z).__name__
            raise ValueError(f"sampler returned {shape}, expected a tensor of shape ({n}, {dim})")
        if not torch.isfinite(z).all():
            raise ValueError("sampler returned NaN or inf values")
        return z.float()

    return checked, dim, getattr(sampler, "__name__", "callable")


def _check_same_config(path, stored: dict, wanted: dict):
    diff = {k: (stored.get(k), v) for k, v in wanted.items() if stored.get(k) != v}
    if diff:
        detail = ", ".join(f"{k}: checkpoint {a!r} vs requested {b!r}" for k, (a, b) in diff.items())
        raise ValueError(f"checkpoint {path} was made with other settings ({detail}); "
                         "pass resume=False to retrain, or use another checkpoint path")


class _Trainer:
    """All training state in one place (so a checkpoint is just its ``state_dict``)."""

    def __init__(self, cfg: AdvAIConfig, hp: dict, device):
        self.cfg, self.hp, self.device = cfg, hp, device
        self.R = Correction(cfg).to(device)
        self.D = Critic(cfg).to(device)
        self.R_avg = copy.deepcopy(self.R).requires_grad_(False)
        self.opt_R = torch.optim.Adam(self.R.parameters(), lr=hp["lr"], betas=(hp["beta1"], 0.999))
        self.opt_D = torch.optim.Adam(self.D.parameters(), lr=hp["lr_disc"], betas=(hp["beta1"], 0.999))
        self.step, self.seconds = 0, 0.0  # steps done and training wall time so far
        self.history = {"step": [], "loss_D": [], "loss_R": []}

    def train_step(self, sample: Callable):
        n, d = self.hp["batch_size"], self.cfg.dim
        z = sample(2 * n).to(self.device)
        z1, z2 = z[:n], z[n:]
        u = torch.rand(n, d if self.cfg.mode == "factorized" else 1).to(self.device)
        target = 0.5 - (u - 0.5).abs()
        f = self.R(z1, z2, u)
        dist = _LOSSES[self.hp["loss"]]
        loss_D = dist(self.D(z1)).mean() + dist(self.D(f.detach()) - target).mean()
        self.opt_D.zero_grad(set_to_none=True)
        loss_D.backward()
        self.opt_D.step()
        loss_R = self.hp["wa"] * dist(self.D(f)).mean()
        self.opt_R.zero_grad(set_to_none=True)
        loss_R.backward()
        self.opt_R.step()
        with torch.no_grad():
            b = self.hp["ema"]
            for pa, p in zip(self.R_avg.parameters(), self.R.parameters()):
                pa.mul_(b).add_(p, alpha=1 - b)
        self.step += 1
        return loss_D.item(), loss_R.item()

    def state(self, config: dict) -> dict:
        return {"kind": "advai-checkpoint", "config": config, "step": self.step, "seconds": self.seconds, "history": self.history,
                "R": self.R.state_dict(), "D": self.D.state_dict(), "ema": self.R_avg.state_dict(),
                "opt_R": self.opt_R.state_dict(), "opt_D": self.opt_D.state_dict(),
                "rng": torch.get_rng_state(),
                "cuda_rng": torch.cuda.get_rng_state_all() if self.device.type == "cuda" else None}

    def load(self, blob: dict):
        self.R.load_state_dict(blob["R"])
        self.D.load_state_dict(blob["D"])
        self.R_avg.load_state_dict(blob["ema"])
        self.opt_R.load_state_dict(blob["opt_R"])
        self.opt_D.load_state_dict(blob["opt_D"])
        self.step, self.seconds, self.history = blob["step"], blob.get("seconds", 0.0), blob["history"]
        torch.set_rng_state(blob["rng"])
        if blob.get("cuda_rng") is not None and self.device.type == "cuda":
            torch.cuda.set_rng_state_all(blob["cuda_rng"])


def fit_advai(sampler, dim: int | None = None, mode: str = "factorized", steps: int = 3000, seed: int = 0,
              device: str = "auto", checkpoint=None, checkpoint_every: int = 500, resume: bool = True,
              progress: bool = True, log_every: int = 10, callback=None, **hparams) -> AdvAIInterpolator:
    """Train AdvAI on ``sampler`` (a prior name or a callable ``n -> [n, dim]``); return the interpolator.

    ``mode``: ``"factorized"`` (per coordinate) or ``"joint"``. ``hparams`` override
    :data:`DEFAULTS` (``batch_size, lr, lr_disc, beta1, ema, wa, hidden, layers, n_scale``); pass
    ``**advai.train_advai.AUTHORS`` for the authors' settings. ``checkpoint``: a file path;
    written every ``checkpoint_every`` steps, at the end, and when training is interrupted
    (any exception, Ctrl-C included); resumed from when it exists and ``resume`` is true
    (``$ADVAI_RECOMPUTE=1`` forces ``resume=False``). ``callback(step, loss_D, loss_R)`` is
    called after every step.
    """
    check_choice("mode", mode, ("factorized", "joint"))
    unknown = set(hparams) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown hyperparameters {sorted(unknown)}; allowed: {sorted(DEFAULTS)}")
    hp = dict(DEFAULTS, **hparams)
    steps = check_positive_int("steps", steps)
    hp["batch_size"] = check_positive_int("batch_size", hp["batch_size"])
    sample, dim, name = make_sampler(sampler, dim)
    dev = resolve_device(device)
    cfg = AdvAIConfig(dim=dim, mode=mode, hidden=hp["hidden"], layers=hp["layers"], n_scale=hp["n_scale"])
    config = {"model": vars(cfg).copy(), "train": hp, "sampler": name, "seed": int(seed), "steps": steps}
    if os.environ.get("ADVAI_RECOMPUTE") == "1":
        resume = False

    with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        torch.manual_seed(seed)
        tr = _Trainer(cfg, hp, dev)  # initial weights from the seed
        if checkpoint is not None and resume and Path(checkpoint).exists():
            blob = read_checkpoint(checkpoint)
            if blob.get("kind") != "advai-checkpoint":
                raise ValueError(f"{checkpoint} is not an advai training checkpoint (kind={blob.get('kind')!r})")
            _check_same_config(checkpoint, {k: v for k, v in blob["config"].items() if k != "steps"},
                               {k: v for k, v in config.items() if k != "steps"})
            if blob["step"] > steps:
                raise ValueError(f"checkpoint {checkpoint} is at step {blob['step']} > steps={steps}")
            tr.load(blob)

        def save():
            if checkpoint is not None:
                with atomic_path(checkpoint) as tmp:
                    torch.save(tr.state(config), tmp)

        def one_step():
            t0 = time.perf_counter()
            loss_D, loss_R = tr.train_step(sample)
            tr.seconds += time.perf_counter() - t0
            postfix = None
            if tr.step % log_every == 0 or tr.step == steps:
                for k, v in (("step", tr.step), ("loss_D", loss_D), ("loss_R", loss_R)):
                    tr.history[k].append(v)
                postfix = {"D": f"{loss_D:.3f}", "R": f"{loss_R / hp['wa']:.3f}"}
            if callback is not None:
                callback(tr.step, loss_D, loss_R)
            return postfix

        checkpointed_loop(tr, steps, one_step, save, checkpoint_every, f"AdvAI {name} d={dim} {mode}", progress)
        return blob_to_interpolator(tr.state(config), device=dev)
