"""Training any of the study's image models through the one harness: :func:`fit_model`,
:func:`build_model`, :func:`at_step`, and the registry :data:`MODELS`."""
from __future__ import annotations

import copy

import torch

from ..checks import as_tensor, check_choice, check_positive_int, check_settings, with_defaults
from ..data import LINES_RANGE, FreshLines, pad_to
from ..train import Minibatches, data_fingerprint, fit
from .aae import AAE
from .acai import ACAI
from .advai_ae import AdvAIAE, AdvAIAEFactorized
from .ae import AE
from .autoencoder import ARCHS, TRAIN, TRAIN_RULES, WEIGHT_RULES
from .gan import GaussianGAN, UniformGAN

AUTOENCODERS = {"ae": AE, "acai": ACAI, "aae": AAE, "advai_ae": AdvAIAE, "advai_ae_factorized": AdvAIAEFactorized}
MODELS = {**AUTOENCODERS, "gan_gaussian": GaussianGAN, "gan_uniform": UniformGAN}
LABELS = {"ae": "AE", "acai": "ACAI", "aae": "AAE", "advai_ae": "AdvAI-AE",
          "advai_ae_factorized": "AdvAI-AE (factorized R)", "gan_gaussian": "GAN (Gaussian)", "gan_uniform": "GAN (uniform)"}


def build_model(name: str, latent: int = 32, channels: int = 1, size: int = 32, depth: int = 16,
                value_range: tuple = (0.0, 1.0), arch: str = "study", **weights):
    """A fresh model ``name`` (one of :data:`MODELS`); ``weights`` override its loss weights;
    ``value_range``: the pixel range of the data an autoencoder is trained on; ``arch``: an
    autoencoder's networks, the study's or ACAI's (:data:`~advai.models.autoencoder.ARCHS`)."""
    check_choice("model", name, tuple(MODELS))
    latent = check_positive_int("latent", latent)
    check_choice("arch", arch, ARCHS if name in AUTOENCODERS else ("study",))
    extra = {"value_range": tuple(value_range)} if name in AUTOENCODERS else {}
    if arch != "study":
        extra["arch"] = arch
    return MODELS[name](latent=latent, channels=channels, size=size, depth=depth, **extra, **weights)


def _as_images(images, value_range=(0.0, 1.0)) -> torch.Tensor:
    """``images`` (a tensor or NumPy array ``[n, c, s, s]``, values in ``value_range``) as a float32 tensor, checked."""
    images = as_tensor("images", images, dtype=torch.float32)
    if images.dim() != 4:
        raise ValueError(f"images must be a tensor or array [n, channels, size, size], got shape {tuple(images.shape)}")
    if images.shape[-1] != images.shape[-2] or images.shape[-1] % 8:
        raise ValueError(f"images must be square with a side divisible by 8 (pad with advai.data.pad_to), "
                         f"got {tuple(images.shape[-2:])}")
    if not images.isfinite().all():
        raise ValueError("images contain NaN or inf")
    lo, hi = value_range
    if images.min() < lo - 1e-6 or images.max() > hi + 1e-6:
        raise ValueError(f"images lie in [{float(images.min()):.3g}, {float(images.max()):.3g}], outside value_range "
                         f"{tuple(value_range)}; pass value_range= (a Dataset says it in info['value_range'])")
    return images


def fit_model(name: str, data, latent: int = 32, steps: int = 2000, seed: int = 0, device: str | None = None,
              checkpoint=None, cache=None, checkpoint_every: int = 500, resume: bool = True, progress: bool = True,
              log_every: int = 25, callback=None, train: dict | None = None, value_range=None,
              snapshot_every: int | None = None, arch: str = "study", **weights):
    """Train model ``name`` for ``steps`` steps; return it (eval mode, with ``history`` and ``fit_seconds``).

    ``data``: a :class:`advai.data.Dataset` (its training split, padded to 32x32; its
    ``info["value_range"]``), images ``[n, c, s, s]`` in ``value_range`` (default [0, 1]; a
    tensor or a NumPy array), or :class:`advai.data.FreshLines` (a fresh random line for every image
    of every batch, as ACAI trains on its lines; no epochs). ``snapshot_every=k`` keeps the encoder
    and decoder every k steps (``model.snapshots``, see :func:`at_step`). ``train`` overrides
    :data:`TRAIN`; ``weights`` override the model's loss weights; ``arch="acai"`` builds an
    autoencoder from ACAI's networks instead of the study's (:data:`~advai.models.autoencoder.ARCHS`).
    With ``cache`` (a folder) a finished run is read back instead of
    retrained and an interrupted one resumes; ``checkpoint`` names the file instead;
    ``resume=False`` retrains, ``resume="once"`` retrains unless this process trained the run already.
    See :func:`advai.train.fit` for checkpoints and errors.
    """
    check_choice("model", name, tuple(MODELS))
    check_choice("arch", arch, ARCHS if name in AUTOENCODERS else ("study",))
    identity = {"kind": "model", "model": name}
    hp = with_defaults("training settings", TRAIN, train or {})
    check_settings("training setting", hp, TRAIN_RULES)
    if isinstance(data, FreshLines):
        value_range, c, s = LINES_RANGE, 1, data.size
        batches, fingerprint = data.resized(hp["batch_size"]), {"fresh lines": data.size}
        identity.update(dataset="lines, fresh every batch")
    else:
        if hasattr(data, "train") and hasattr(data, "split_seed"):
            identity.update(dataset=data.name, split=data.split_seed)
            value_range = value_range or data.info.get("value_range", (0.0, 1.0))
            data = pad_to(data.train[0], 32)
        value_range = tuple(float(v) for v in (value_range or (0.0, 1.0)))
        data = _as_images(data, value_range)
        c, s = data.shape[1], data.shape[-1]
        batches, fingerprint = Minibatches(data, batch_size=hp["batch_size"]), data_fingerprint(data)
    latent = check_positive_int("latent", latent)
    w = with_defaults(f"weights for model {name!r}", {k: v[0] for k, v in MODELS[name].WEIGHTS.items()}, weights)
    check_settings(f"{name} weight", w, WEIGHT_RULES)
    identity.update(latent=latent, channels=c, size=s, depth=16, weights=w, data=fingerprint)
    extra = {}
    if name in AUTOENCODERS:
        identity["value_range"], extra["value_range"] = list(value_range), value_range
    if arch != "study":  # left out for the study's own networks: their runs keep their names
        identity["arch"], extra["arch"] = arch, arch
    return fit(lambda: build_model(name, latent, c, s, **extra, **weights), batches,
               identity, hp, code=(MODELS[name],), steps=steps, seed=seed, device=device, checkpoint=checkpoint,
               cache=cache, checkpoint_every=checkpoint_every, resume=resume, progress=progress, log_every=log_every,
               callback=callback, desc=f"{LABELS[name]} d={latent}", snapshot_every=snapshot_every)


def at_step(model, step: int):
    """A copy of a trained autoencoder with the encoder and decoder of its snapshot at ``step``
    (from ``fit_model(..., snapshot_every=k)``): a point on its learning curve, for evaluation."""
    steps = [s for s, _ in getattr(model, "snapshots", [])]
    if step not in steps:
        raise ValueError(f"no snapshot at step {step}; this model has snapshots at {steps or 'no steps'}")
    past = copy.deepcopy(model)
    past.load_state_dict(dict(model.snapshots[steps.index(step)][1]), strict=False)
    past.snapshots = []
    return past
