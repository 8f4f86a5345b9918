"""Notebook 3's runs in one place, so that notebook 4 finds the same cached models.

:func:`fit_autoencoder` trains (or reads back) one autoencoder with notebook 3's profile
settings; :func:`fit_autoencoders` trains a batch of them side by side through the study's
executor (:func:`advai.study.parallel.run_fits`); :func:`snapshot_every` is the step between the
snapshots its learning curves read; :func:`lines_along_budgets` and :func:`paired_at_each_budget`
score such curves on the lines (``scripts/lines_long.py``, ``scripts/image_budget.py``).
"""
from __future__ import annotations

import math
from functools import lru_cache, reduce

import pandas as pd

from .. import data
from ..evaluate import lines as lines_benchmark
from ..evaluate.decoding import decode_paths
from ..evaluate.summary import paired_tests
from ..models import LABELS, TRAIN, at_step, fit_model
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


def lines_along_budgets(fitted: dict, models, n_seeds: int, budgets, x1, x2, n_path_steps: int) -> pd.DataFrame:
    """The lines benchmark's scores (:func:`advai.evaluate.lines.lines_scores`) of every model and
    seed of ``fitted`` (``{("lines", model, seed): model}``, as :func:`fit_autoencoders` returns it)
    at every training budget in ``budgets`` (steps; snapshots of the same run, the last budget the
    finished model), on the paths from ``x1`` to ``x2``: one row per model, seed and budget."""
    rows = []
    for name in models:
        for s in range(n_seeds):
            m = fitted[("lines", name, s)].to("cpu")
            for budget in budgets:
                past = m if budget == budgets[-1] else at_step(m, budget)
                scores = lines_benchmark.lines_scores(decode_paths(past, x1, x2, n_path_steps, "own"))
                rows.append({"model": LABELS[name], "seed": s, "steps": budget,
                             "training images": budget * TRAIN["batch_size"], **scores})
    return pd.DataFrame(rows)


def paired_at_each_budget(rows: pd.DataFrame, pairs, budgets) -> pd.DataFrame:
    """:func:`advai.evaluate.summary.paired_tests` of ``pairs`` of models on mean distance and
    smoothness, over seeds, at every budget (steps) of ``rows`` (from :func:`lines_along_budgets`),
    BH-adjusted within each budget."""
    return pd.concat([paired_tests(rows[rows.steps == b], pairs, ["mean_distance", "smoothness"])
                      .assign(**{"training images": b * TRAIN["batch_size"]}) for b in budgets])
