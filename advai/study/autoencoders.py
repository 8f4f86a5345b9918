"""Notebook 3's runs in one place, so that notebook 4 finds the same cached models.

:func:`fit_autoencoder` trains (or reads back) one autoencoder with notebook 3's profile
settings; :func:`snapshot_every` is the step between the snapshots its learning curves read.
"""
from __future__ import annotations

import math
from functools import reduce

from ..models import fit_model


def snapshot_every(P: dict) -> int:
    """The largest step count that divides every learning-curve budget of profile ``P``."""
    return reduce(math.gcd, (int(b) for b in P["budgets"]))


def fit_autoencoder(name: str, dataset, seed: int, P: dict, cached: dict):
    """Model ``name`` on ``dataset``'s training split with notebook 3's settings ``P`` (steps,
    latent size, R's warm-up for the AdvAI-AEs, snapshots every :func:`snapshot_every` steps)."""
    extra = {"warmup_steps": P["warmup_steps"]} if name.startswith("advai_ae") else {}
    return fit_model(name, dataset, latent=P["latent"], steps=P["steps"], seed=seed,
                     snapshot_every=snapshot_every(P), **cached, **extra)
