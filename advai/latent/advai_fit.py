r"""Fitting AdvAI and the trained interpolator: :func:`fit_advai`, :func:`load_advai`, and
:func:`fit_correction`, the one fit path every variant of R goes through.

:func:`fit_advai` trains the model of :mod:`advai.latent.advai_model` through the study's harness
(:func:`advai.train.fit`: seeded, checkpointed, resumable, cached) and returns an
:class:`AdvAIInterpolator` holding R's moving average; ``it.save(path)`` writes it and
:func:`load_advai` reads it back (or a finished fit's checkpoint) without executing code.
"""
from __future__ import annotations

import copy
from dataclasses import asdict
from functools import partial
from typing import Callable

import torch

from ..checks import (as_tensor, broadcast_codes, check_alpha, check_choice, check_finite, check_positive_int,
                      check_settings, with_defaults)
from .. import memory
from ..files import read_torch_file, write_torch_file
from ..train import CHECKPOINT_FORMAT, Draws, Trainable, check_history, check_tensors, fit
from .advai_model import DEFAULTS, MODES, OBJECTIVES, RULES, AdvAIConfig, AdvAITraining, Correction, OracleTraining
from .priors import get_prior

INTERPOLATOR_FORMAT = "advai-interpolator"


def make_sampler(sampler, dim, name: str | None = None):
    """Turn a prior name or a callable ``n -> [n, dim]`` (tensor or array) into a checked sampler.

    Returns ``(fn, dim, name)``; ``name`` (for progress bars and cache names) is ``name`` if
    given, else the prior's name or the callable's ``__name__`` (``"sampler"`` for a lambda).
    """
    if isinstance(sampler, str):
        prior = get_prior(sampler)
        dim = prior.check_dim(dim)
        return (lambda n: prior.sample(n, dim)), dim, name or prior.name
    if not callable(sampler):
        raise ValueError(f"sampler must be a prior name or a callable n -> [n, dim] tensor, got {type(sampler).__name__}")
    dim = check_positive_int("dim", dim)

    def checked(n):
        z = sampler(n)
        try:
            z = torch.as_tensor(z, dtype=torch.float32)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise ValueError(f"sampler returned a {type(z).__name__}, not an array of shape ({n}, {dim})") from exc
        if z.shape != (n, dim):
            raise ValueError(f"sampler returned shape {tuple(z.shape)}, expected ({n}, {dim})")
        if not torch.isfinite(z).all():
            raise ValueError("sampler returned NaN or inf values")
        return z

    own = getattr(sampler, "__name__", "sampler")
    return checked, dim, name or ("sampler" if own == "<lambda>" else own)


class AdvAIInterpolator(torch.nn.Module):
    """A trained AdvAI interpolator (holds R's averaged weights); call it like ``f(z1, z2, alpha)``.

    Use through ``advai.interpolate(z1, z2, alpha, method="advai", model=it)`` or directly.
    ``history`` is the training loss history; ``meta`` records the fit's settings.
    """

    def __init__(self, cfg: AdvAIConfig, correction: Correction | None = None, history=None, meta=None,
                 snapshots=None):
        super().__init__()
        self.cfg = cfg
        self.correction = copy.deepcopy(correction) if correction is not None else Correction(cfg)
        self.correction.requires_grad_(False).eval()
        self.history = history or {}
        self.meta = meta or {}
        self.snapshots = list(snapshots or [])

    def at_step(self, step: int) -> "AdvAIInterpolator":
        """The interpolator as it was after ``step`` training steps (one of :attr:`snapshots`, a list
        of ``(step, weights)`` kept when the fit had ``snapshot_every``)."""
        states = dict(self.snapshots)
        if step not in states:
            raise ValueError(f"no snapshot at step {step}; snapshots: {sorted(states) or 'none (fit without snapshot_every)'}")
        it = AdvAIInterpolator(self.cfg, history=self.history, meta=self.meta)
        it.correction.load_state_dict(states[step])
        return it.to(self.device)

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
        write_torch_file(path, {"format": INTERPOLATOR_FORMAT, "config": asdict(self.cfg),
                                "state": {k: v.cpu() for k, v in self.correction.state_dict().items()},
                                "history": self.history, "meta": self.meta})


def fit_correction(training: Callable[[], Trainable], sampler, dim: int | None, mode: str, hparams: dict,
                   identity: dict, draws: int, code: tuple, desc: str, train: dict | None = None,
                   name: str | None = None, **run) -> AdvAIInterpolator:
    """The one way an AdvAI-type correction R is fitted: every variant (AdvAI, the capacity oracle,
    R on Fourier features, R fitted to or started from a known solution) is a training class that
    holds ``correction`` and its moving average ``average``, built by ``training(cfg, hp)``.

    ``hparams`` override :data:`~advai.latent.advai_model.DEFAULTS` and are checked against
    :data:`~advai.latent.advai_model.RULES` before anything runs (``ValueError`` naming the
    setting); ``identity`` adds to the run's identity (kind ``advai`` unless it says otherwise);
    each step draws ``draws * batch_size`` prior samples; ``train`` (default: the settings) is the
    optimizer part of the run's configuration; ``code`` joins the run's code version; ``run`` goes
    to :func:`advai.train.fit` (steps, seed, device, checkpoint, cache, resume, progress, ...).
    Returns the interpolator: R's moving average, with its history, configuration and snapshots.
    """
    check_choice("mode", mode, MODES)
    hp = with_defaults("hyperparameters", DEFAULTS, hparams)
    check_settings("AdvAI setting", hp, RULES)
    sample, dim, name = make_sampler(sampler, dim, name)
    cfg = AdvAIConfig(dim=dim, mode=mode, hidden=hp["hidden"], layers=hp["layers"], n_scale=hp["n_scale"])
    identity = {"kind": "advai", "sampler": name, "dim": dim, "mode": mode, "model": asdict(cfg), **identity}
    trained = fit(lambda: training(cfg, hp), Draws(sample, hp["batch_size"], draws), identity,
                  hp if train is None else train, code=code, desc=desc.format(name=name, dim=dim, mode=mode), **run)
    meta = dict(trained.fit_config, fit_seconds=trained.fit_seconds)
    dev = next(trained.average.parameters()).device
    return AdvAIInterpolator(cfg, trained.average, history=trained.history, meta=meta,
                             snapshots=trained.snapshots).to(dev)


def fit_advai(sampler, dim: int | None = None, mode: str = "factorized", steps: int = 3000, seed: int = 0,
              device: str | None = None, checkpoint=None, checkpoint_every: int = 500, resume: bool = True,
              progress: bool = True, log_every: int = 10, callback=None, cache=None, name: str | None = None,
              objective: str = "adversarial", snapshot_every: int | None = None, **hparams) -> AdvAIInterpolator:
    """Train AdvAI on ``sampler`` (a prior name or a callable ``n -> [n, dim]``); return the interpolator.

    ``mode``: ``"factorized"`` (per coordinate) or ``"joint"``. ``hparams`` override
    :data:`~advai.latent.advai_model.DEFAULTS` (``batch_size, lr, lr_disc, beta1, ema, wa, hidden,
    layers, n_scale, loss``, ...; each checked against :data:`~advai.latent.advai_model.RULES`);
    pass ``**AUTHORS`` for the authors' settings. ``checkpoint``: a
    file path, or ``cache``: a folder where the run is named by its configuration; written
    every ``checkpoint_every`` steps, at the end and when training is interrupted (Ctrl-C
    included: a signal inside a step takes effect when the step is done), resumed from when it
    exists and ``resume`` is true (``False``:
    retrained; ``"once"``: retrained unless this process trained it already, :func:`advai.train.fit`).
    ``callback(step, log)`` is called after every step (``log``: ``loss_D``, ``loss_R``).
    ``name`` labels the run (progress bar, cache name); default: the prior's name or the
    sampler's ``__name__`` -- give callable samplers distinct names to keep their cached runs apart.
    ``objective="energy"``, ``"mmd"`` or ``"ot"`` trains the capacity oracle instead of AdvAI (R
    alone, minimising the bias-corrected energy distance, a multi-scale MMD or the exact
    transport cost to the prior:
    :class:`~advai.latent.advai_model.OracleTraining`;
    ``lr_disc`` and ``wa`` unused, ``log`` has ``loss_R`` only). ``snapshot_every=k`` keeps R's
    moving average every k steps (:attr:`AdvAIInterpolator.snapshots`, :meth:`~AdvAIInterpolator.at_step`).
    """
    check_choice("objective", objective, OBJECTIVES)
    training, identity, draws = AdvAITraining, {}, 2  # endpoints z1, z2
    if objective != "adversarial":  # + the prior samples the oracle compares with
        training, identity, draws = partial(OracleTraining, objective=objective), {"objective": objective}, 3
    return fit_correction(training, sampler, dim, mode, hparams, identity, draws,
                          code=(AdvAITraining if objective == "adversarial" else OracleTraining, make_sampler),
                          desc="AdvAI {name} d={dim} {mode}" + ("" if objective == "adversarial" else f" ({objective} oracle)"),
                          name=name, steps=steps, seed=seed, device=device, checkpoint=checkpoint, cache=cache,
                          checkpoint_every=checkpoint_every, resume=resume, progress=progress, log_every=log_every,
                          callback=callback, snapshot_every=snapshot_every)


def load_advai(path, device: str = "cpu") -> AdvAIInterpolator:
    """Load an interpolator written by :meth:`AdvAIInterpolator.save` (or a finished fit's checkpoint).

    The file is read without running code and checked against the digest written with it
    (:func:`advai.files.read_torch_file`); R's weights must be finite tensors that fit the stored
    configuration. Anything else is a ``ValueError`` naming the file (and the field)."""
    blob = read_torch_file(path, "interpolator file")
    try:
        if blob.get("format") == CHECKPOINT_FORMAT and blob["config"].get("kind") == "advai":
            cfg = AdvAIConfig(**blob["config"]["model"])
            state = {k.removeprefix("average."): v for k, v in blob["model"].items() if k.startswith("average.")}
            history, meta = blob["history"], dict(blob["config"], fit_seconds=blob["seconds"])
        elif blob.get("format") == INTERPOLATOR_FORMAT:
            cfg, state, history, meta = AdvAIConfig(**blob["config"]), blob["state"], blob["history"], blob["meta"]
        else:
            cfg = None  # refused below, outside the handler that words a refused architecture
    except (KeyError, TypeError, AttributeError) as exc:
        raise ValueError(f"interpolator file {path} is incomplete: missing or malformed {exc}") from exc
    except ValueError as exc:
        raise ValueError(f"interpolator file {path}: stored architecture refused: {exc}") from exc
    if cfg is None:
        raise ValueError(f"{path} is not an advai interpolator file (format={blob.get('format')!r})")
    what = f"interpolator file {path}: its architecture {asdict(cfg)}"
    memory.require(memory.model_bytes(lambda: Correction(cfg), what), what, advice="the file is not trusted")
    check_tensors(path, "state", state, "interpolator file")
    check_history(path, history, "interpolator file")
    if not isinstance(meta, dict):
        raise ValueError(f"interpolator file {path}: field 'meta' must be a dict, found {type(meta).__name__}")
    it = AdvAIInterpolator(cfg, history=history, meta=meta)
    try:
        it.correction.load_state_dict(state)
    except RuntimeError as exc:
        raise ValueError(f"{path}: weights do not match the stored configuration: {exc}") from exc
    return it.to(device)
