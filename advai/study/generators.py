"""Notebook 4's generators and their AdvAI fits, trained as two batches through the study's executor.

:func:`fit_generators` returns, for each prior of the profile, the GAN trained on MNIST-5k with
that latent prior (:func:`fit_gan_job`, two torch threads a fit like notebook 3's convolutional
models) and AdvAI fitted to the prior in the GAN's latent dimension (:func:`advai.fit_advai`,
factorized, one thread a fit). Both batches go through :func:`advai.study.parallel.run_fits`, so
they can run side by side or on a Dask cluster; under the pinned numerics the weights are those of
fits made in turn.
"""
from __future__ import annotations

from ..models import fit_model
from .autoencoders import load_once
from .parallel import run_fits

#: The AdvAI fits' batch: 16 codes of d = 32 per step, 512 coordinates (the work of notebook 2's 2-D fits).
ADVAI_BATCH = 16


def fit_gan_job(prior: str, latent: int, steps: int, lr: float, seed: int, cache=None, resume=True, progress=True):
    """The GAN with latent prior ``prior`` on MNIST-5k (split seed 0, loaded once per worker
    process), ``steps`` steps at learning rate ``lr`` for both players: a job a worker can run."""
    return fit_model(f"gan_{prior}", load_once("mnist5k", split_seed=0), latent=latent, steps=steps, seed=seed, train={"lr": lr, "lr_adv": lr},
                     cache=cache, resume=resume, progress=progress)


def fit_generators(P: dict, seed: int, cached: dict) -> tuple[dict, dict]:
    """``(gans, fits)``: ``{prior: GAN}`` and ``{prior: AdvAI fit}`` for every prior of notebook 4's
    profile ``P`` (``priors``, ``latent``, ``gan_steps``, ``gan_lr``, ``advai_steps``)."""
    gans = run_fits({p: dict(prior=p, latent=P["latent"], steps=P["gan_steps"], lr=P["gan_lr"], seed=seed)
                     for p in P["priors"]}, fit=fit_gan_job, threads=2, **cached)
    fits = run_fits({p: dict(sampler=p, dim=P["latent"], mode="factorized", steps=P["advai_steps"], seed=seed,
                             batch_size=ADVAI_BATCH) for p in P["priors"]}, **cached)
    return gans, fits
