"""Notebook 3's runs in one place, so that notebook 4 finds the same cached models.

:func:`fit_autoencoder` trains (or reads back) one autoencoder with notebook 3's profile
settings; :func:`fit_autoencoders` trains a batch of them side by side through the study's
executor (:func:`advai.study.parallel.run_fits`); :func:`snapshot_every` is the step between the
snapshots its learning curves read.
"""
from __future__ import annotations

import math
from functools import lru_cache, reduce

from .. import data
from ..models import fit_model
from .parallel import run_fits


def snapshot_every(P: dict) -> int:
    """The largest step count that divides every learning-curve budget of profile ``P``."""
    return reduce(math.gcd, (int(b) for b in P["budgets"]))


def fit_autoencoder(name: str, dataset, seed: int, P: dict, cached: dict):
    """Model ``name`` on ``dataset``'s training split with notebook 3's settings ``P`` (steps,
    latent size, R's warm-up for the AdvAI-AEs, snapshots every :func:`snapshot_every` steps)."""
    extra = {"warmup_steps": P["warmup_steps"]} if name.startswith("advai_ae") else {}
    return fit_model(name, dataset, latent=P["latent"], steps=P["steps"], seed=seed,
                     snapshot_every=snapshot_every(P), **cached, **extra)


def data_options(P: dict) -> dict:
    """How notebook 3 loads each of its data sets by name (:func:`advai.data.load`'s options)."""
    return {"mnist5k": {"split_seed": 0}, "lines": {"split_seed": 0, "n_lines": P["n_lines"]}}


@lru_cache(maxsize=4)
def load_once(dataset: str, **options):
    """:func:`advai.data.load` of ``dataset`` with ``options``, once per process (a worker that runs
    several jobs on the same data set loads it once)."""
    return data.load(dataset, **options)


def fit_autoencoder_job(name: str, dataset: str, seed: int, P: dict, cache=None, resume=True, progress=True):
    """:func:`fit_autoencoder` of model ``name`` on the data set loaded by name (once per worker
    process), as a job that a worker process can run."""
    ds = load_once(dataset, **data_options(P)[dataset])
    return fit_autoencoder(name, ds, seed, P, {"cache": cache, "resume": resume, "progress": progress})


def fit_autoencoders(jobs, P: dict, cached: dict) -> dict:
    """``{(data set name, model, seed): model}`` for ``jobs``, a list of ``(dataset, model, seed)``:
    trained side by side, ``P["fit_threads"]`` torch threads each (:func:`advai.study.parallel.run_fits`:
    the same weights as in turn, since the numerics are pinned), as :func:`run_fits` returns them.
    Each job loads its data set by name (:func:`data_options`), so it must be the one ``jobs`` names."""
    keys = {f"{ds.name} {name} seed {s}": (ds.name, name, s) for ds, name, s in jobs}
    fitted = run_fits({label: dict(name=name, dataset=d, seed=s, P=P) for label, (d, name, s) in keys.items()},
                      fit=fit_autoencoder_job, threads=P["fit_threads"], **cached)
    return {keys[label]: model for label, model in fitted.items()}
