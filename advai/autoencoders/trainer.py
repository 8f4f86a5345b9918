r"""One training loop for every autoencoder: seeded, checkpointed, resumable, cached.

Each step draws a batch of training images (uniformly, with replacement, from the seeded
generator), asks the model for ``(loss_ae, loss_adv, log)`` (see
:class:`advai.autoencoders.base.AutoencoderModel`) and takes one Adam step on each set of
weights. Settings shared by all four models are in :data:`TRAIN`; each model's loss weights
are in its module (``WEIGHTS``, with sources).

:func:`fit_autoencoder` trains (or resumes) one model; :func:`cached_autoencoder` is what the
notebooks call: a finished model is read back from the cache folder unless
``$ADVAI_RECOMPUTE=1``, an interrupted one resumes from its last checkpoint.
"""
from __future__ import annotations

import os
import time
from pathlib import Path

import torch

from ..checks import check_choice, check_positive_int
from ..correction import read_checkpoint
from ..data import pad_to
from ..loop import checkpointed_loop
from ..outputs import atomic_path, cache_dir
from ..train_advai import resolve_device
from .aae import AAE
from .acai import ACAI
from .ae import AE
from .advai_ae import AdvAIAE

MODELS = {"ae": AE, "acai": ACAI, "aae": AAE, "advai_ae": AdvAIAE}
LABELS = {"ae": "AE", "acai": "ACAI", "aae": "AAE", "advai_ae": "AdvAI-AE",
          "gan_gaussian": "GAN (Gaussian)", "gan_uniform": "GAN (uniform)"}


def _registry() -> dict:
    """The autoencoders plus notebook 4's generators (imported late: advai.generator builds on this package)."""
    from ..generator import GaussianGAN, UniformGAN

    return {**MODELS, "gan_gaussian": GaussianGAN, "gan_uniform": UniformGAN}

#: Shared optimisation settings. Adam with lr 1e-4 and batch 64 are ACAI's and the AdvAI authors'
#: settings; we use lr 5e-4 and beta1 0.5 because our CPU budget allows ~1/1000 of their
#: training images (a measured choice, see notebook 3).
TRAIN = {"batch_size": 64, "lr": 5e-4, "lr_adv": 5e-4, "beta1": 0.5}


def build_model(name: str, latent: int = 32, channels: int = 1, size: int = 32, **weights):
    """A fresh model ``name``: one of :data:`MODELS` or a generator of :mod:`advai.generator`."""
    models = _registry()
    check_choice("model", name, tuple(models))
    return models[name](latent=check_positive_int("latent", latent), channels=channels, size=size, **weights)


def data_fingerprint(images: torch.Tensor) -> dict:
    """Shape and a pixel checksum, stored in checkpoints so a model is never resumed on other data."""
    return {"shape": list(images.shape), "sum": round(float(images.double().sum()), 3)}


def _check_images(images):
    if not isinstance(images, torch.Tensor) or images.dim() != 4:
        raise ValueError(f"images must be a tensor [n, channels, size, size], got "
                         f"{getattr(images, 'shape', type(images).__name__)}")
    if images.shape[-1] != images.shape[-2] or images.shape[-1] % 8:
        raise ValueError(f"images must be square with a side divisible by 8 (pad with advai.data.pad_to), "
                         f"got {tuple(images.shape[-2:])}")
    if not torch.isfinite(images).all():
        raise ValueError("images contain NaN or inf")


class _State:
    """Model, optimizers, counters and history: everything a checkpoint holds."""

    def __init__(self, model, hp):
        self.model = model
        self.opt_ae = torch.optim.Adam(model.autoencoder_parameters(), lr=hp["lr"], betas=(hp["beta1"], 0.999))
        adv = model.adversary_parameters()
        self.opt_adv = torch.optim.Adam(adv, lr=hp["lr_adv"], betas=(hp["beta1"], 0.999)) if adv else None
        self.step, self.seconds, self.history = 0, 0.0, {"step": []}

    def blob(self, config):
        return {"kind": "autoencoder-checkpoint", "config": config, "step": self.step, "seconds": self.seconds,
                "history": self.history, "model": self.model.state_dict(), "opt_ae": self.opt_ae.state_dict(),
                "opt_adv": self.opt_adv.state_dict() if self.opt_adv else None, "rng": torch.get_rng_state()}

    def load(self, blob):
        self.model.load_state_dict(blob["model"])
        self.opt_ae.load_state_dict(blob["opt_ae"])
        if self.opt_adv:
            self.opt_adv.load_state_dict(blob["opt_adv"])
        self.step, self.seconds, self.history = blob["step"], blob["seconds"], blob["history"]
        torch.set_rng_state(blob["rng"])


def _train_step(st: _State, x: torch.Tensor) -> dict:
    loss_ae, loss_adv, log = st.model.losses(x)
    ae_params = st.model.autoencoder_parameters()
    grads = torch.autograd.grad(loss_ae, ae_params, retain_graph=loss_adv is not None)
    if loss_adv is not None:
        adv_params = st.model.adversary_parameters()
        for p, g in zip(adv_params, torch.autograd.grad(loss_adv, adv_params)):
            p.grad = g
        st.opt_adv.step()
    for p, g in zip(ae_params, grads):
        p.grad = g
    st.opt_ae.step()
    return log


def fit_autoencoder(name: str, images: torch.Tensor, latent: int = 32, steps: int = 2000, seed: int = 0,
                    device: str = "auto", checkpoint=None, checkpoint_every: int = 500, resume: bool = True,
                    progress: bool = True, log_every: int = 25, callback=None, warmup_cache=None,
                    train: dict | None = None, **weights):
    """Train model ``name`` on ``images`` (``[n, c, s, s]`` in [0, 1]) for ``steps`` steps; return it.

    ``checkpoint``: a file written every ``checkpoint_every`` steps, at the end and when
    training is interrupted (any exception, Ctrl-C included); resumed from when it exists
    and ``resume`` is true (also to continue a finished run to more ``steps``) (``$ADVAI_RECOMPUTE=1`` forces a fresh start). A checkpoint made
    with other settings or other data is refused with an error naming the file.
    ``train`` overrides :data:`TRAIN`; ``weights`` override the model's loss weights.
    ``callback(step, log)`` runs after every step. The returned model (in eval mode) carries
    ``history`` (logged losses) and ``fit_seconds`` (training wall time).
    """
    _check_images(images)
    steps = check_positive_int("steps", steps)
    hp = dict(TRAIN, **(train or {}))
    unknown = set(hp) - set(TRAIN)
    if unknown:
        raise ValueError(f"unknown training settings {sorted(unknown)}; allowed: {sorted(TRAIN)}")
    hp["batch_size"] = check_positive_int("batch_size", hp["batch_size"])
    if os.environ.get("ADVAI_RECOMPUTE") == "1":
        resume = False
    dev = resolve_device(device)
    n, c, s = images.shape[0], images.shape[1], images.shape[-1]

    with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        torch.manual_seed(seed)
        model = build_model(name, latent, c, s, **weights)
        config = {**model.config(), "train": hp, "data": data_fingerprint(images), "seed": int(seed), "steps": steps}
        st = None
        if checkpoint is not None and resume and Path(checkpoint).exists():
            blob = read_checkpoint(checkpoint)
            if blob.get("kind") != "autoencoder-checkpoint":
                raise ValueError(f"{checkpoint} is not an autoencoder checkpoint (kind={blob.get('kind')!r})")
            stored = blob.get("config", {})
            diff = sorted(k for k in set(config) | set(stored) if k != "steps" and stored.get(k) != config.get(k))
            if diff:
                raise ValueError(f"checkpoint {checkpoint} was made with other settings or data (differs in {diff}); "
                                 "pass resume=False (or set ADVAI_RECOMPUTE=1) to retrain, or use another path")
            if blob["step"] > steps:
                raise ValueError(f"checkpoint {checkpoint} is at step {blob['step']} > steps={steps}")
            st = _State(model, hp)
            try:
                st.load(blob)
            except (KeyError, RuntimeError, ValueError) as exc:
                raise ValueError(f"checkpoint {checkpoint} is corrupt or does not match the model: {exc}") from exc
        if st is None:
            model.prepare(seed, progress=progress, cache=warmup_cache)  # once, before the first step
            st = _State(model, hp)
        model.to(dev)
        for opt in (st.opt_ae, st.opt_adv):  # optimizer state follows the weights to the device
            for state in (opt.state.values() if opt else ()):
                for k, v in state.items():
                    if torch.is_tensor(v) and k != "step":
                        state[k] = v.to(dev)
        data = images.to(dev)

        def save():
            if checkpoint is not None:
                with atomic_path(Path(checkpoint)) as tmp:
                    torch.save(st.blob(config), tmp)

        def one_step():
            t0 = time.perf_counter()
            idx = torch.randint(n, (hp["batch_size"],))
            log = _train_step(st, data[idx.to(dev)])
            st.seconds += time.perf_counter() - t0
            st.step += 1
            postfix = None
            if st.step % log_every == 0 or st.step == steps:
                st.history["step"].append(st.step)
                for k, v in log.items():
                    st.history.setdefault(k, []).append(v)
                postfix = {k: f"{v:.4f}" for k, v in log.items()}
            if callback is not None:
                callback(st.step, log)
            return postfix

        model.train()
        checkpointed_loop(st, steps, one_step, save, checkpoint_every, f"{LABELS[name]} d={latent}", progress)
        model.eval().requires_grad_(False)
        model.history, model.fit_seconds, model.fit_config = st.history, st.seconds, config
        return model


def cached_autoencoder(name: str, dataset, latent: int = 32, steps: int = 2000, seed: int = 0, device: str = "auto",
                       progress: bool = True, cache=None, **kw):
    """Train ``name`` on ``dataset``'s training split, or read the finished model back from the cache.

    Checkpoints live in ``<cache>/autoencoders/`` (``cache``: default :func:`advai.outputs.cache_dir`)
    named by dataset, model, loss weights that differ from the model's defaults, latent size,
    steps and seed; AdvAI-AE's warm-up fit is cached beside them and shared across datasets.
    A cached file made with other settings is refused with an error naming it, never reused.
    """
    folder = cache_dir(cache) / "autoencoders"
    folder.mkdir(parents=True, exist_ok=True)
    images = pad_to(dataset.train[0], 32)
    models = _registry()
    check_choice("model", name, tuple(models))
    defaults = {k: v[0] for k, v in models[name].WEIGHTS.items()}
    tag = "".join(f"-{k}{v:g}" for k, v in sorted(kw.items()) if k in defaults and v != defaults[k])
    stem = f"{dataset.name}-split{dataset.split_seed}-{name}{tag}-d{latent}-steps{steps}-seed{seed}"
    warm = folder / f"advai-warmup-gaussian-d{latent}-steps{kw.get('warmup_steps', AdvAIAE.WEIGHTS['warmup_steps'][0])}-seed{seed}.pt"
    return fit_autoencoder(name, images, latent=latent, steps=steps, seed=seed, device=device,
                           checkpoint=folder / f"{stem}.pt", progress=progress, warmup_cache=warm, **kw)
