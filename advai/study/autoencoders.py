"""Notebook 3's runs in one place, so that notebook 4 finds the same cached models.

:func:`fit_autoencoder` trains (or reads back) one autoencoder with notebook 3's profile
settings; :func:`fit_autoencoders` trains a batch of them side by side through the study's
executor (:func:`advai.study.parallel.run_fits`); :func:`snapshot_every` is the step between the
snapshots its learning curves read; :func:`lines_along_budgets` and :func:`paired_at_each_budget`
score such curves on the lines (``scripts/lines_long.py``, ``scripts/image_budget.py``), and
:func:`acai_reported_rows` the statistic ACAI reports (over :func:`acai_window`); :func:`lines_strips`
draws fig6's rows on the lines.
"""
from __future__ import annotations

import math
from functools import lru_cache, reduce

import pandas as pd

from .. import data
from ..evaluate import lines as lines_benchmark
from ..evaluate.decoding import decode_paths, midpoint_spread
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


def lines_along_budgets(fitted: dict, models, n_seeds: int, budgets, x1, x2, n_path_steps: int,
                        method: str = "own") -> pd.DataFrame:
    """The lines benchmark's scores (:func:`advai.evaluate.lines.lines_scores`) of every model and
    seed of ``fitted`` (``{("lines", model, seed): model}``, as :func:`fit_autoencoders` returns it)
    at every training budget in ``budgets`` (steps; snapshots of the same run, the last budget the
    finished model), on the paths from ``x1`` to ``x2``: one row per model, seed and budget.
    ``method``: each model's own interpolator (``"own"``), or LineIntp through it (``"linear"``:
    the rows' model is then ``"<model> (LineIntp paths)"``). Beside the lines scores, each row has
    the paths' ``midpoint spread`` (:func:`advai.evaluate.decoding.midpoint_spread`)."""
    rows = []
    for name in models:
        label = LABELS[name] if method == "own" else f"{LABELS[name]} (LineIntp paths)"
        for s in range(n_seeds):
            m = fitted[("lines", name, s)].to("cpu")
            for budget in budgets:
                past = m if budget == budgets[-1] else at_step(m, budget)
                scores = lines_benchmark.lines_scores(decode_paths(past, x1, x2, n_path_steps, method))
                rows.append({"model": label, "seed": s, "steps": budget,
                             "training images": budget * TRAIN["batch_size"], **scores,
                             "midpoint spread": midpoint_spread(past, x1, x2, method)})
    return pd.DataFrame(rows)


def acai_window(steps: int, every: int) -> list[int]:
    """The snapshots that stand for ACAI's reported window in a run of ``steps`` steps with a
    snapshot every ``every`` steps. ACAI evaluates 256 times, evenly, and reports the median of the
    last 20 (:func:`advai.evaluate.lines.acai_eval_steps`); with ``n = steps / every`` snapshots the
    same share of the run is the last ``max(1, round(20 n / 256))`` of them (5 of 64 at 2^20 images
    and a snapshot every 256 steps: the last 7.8 % of training, as ACAI's)."""
    if steps % every:
        raise ValueError(f"acai_window needs steps a multiple of every, got steps={steps}, every={every}")
    n = steps // every
    last = max(1, round(lines_benchmark.ACAI_LAST * n / lines_benchmark.ACAI_EVALUATIONS))
    return lines_benchmark.acai_eval_steps(steps, evaluations=n, last=last)


def acai_reported_rows(fitted: dict, models, n_seeds: int, window, x1, x2, n_path_steps: int) -> pd.DataFrame:
    """Per model and seed of ``fitted``: the lines scores of its finished run (``final``) and ACAI's
    reported statistic, the median over the snapshots at the steps of ``window`` (:func:`acai_window`;
    its last step is the finished run) of each score (:func:`advai.evaluate.lines.acai_statistic`)."""
    rows = lines_along_budgets(fitted, models, n_seeds, list(window), x1, x2, n_path_steps)
    last = rows[rows.steps == window[-1]].set_index(["model", "seed"])
    median = rows.groupby(["model", "seed"], sort=False)[["mean_distance", "smoothness"]].agg(
        lambda v: lines_benchmark.acai_statistic(v) if v.notna().all() else float("nan"))
    out = pd.DataFrame({"mean distance (final)": last.mean_distance,
                        "mean distance (median of window)": median.mean_distance,
                        "smoothness (final)": last.smoothness,
                        "smoothness (median of window)": median.smoothness})
    return out.reset_index()


def lines_strips(model, x1, x2, n_frames: int):
    """fig6's rows on the lines for one AdvAI-AE: for each pair ``(x1[i], x2[i])``, its LineIntp
    path and its AdvAI path (:func:`advai.evaluate.decoding.decode_paths`, ``n_frames`` frames),
    and each frame's cosine distance to the closest true line
    (:func:`advai.evaluate.lines.closest_lines`). Returns ``(paths, labels, distances)``."""
    paths, labels, distances = [], [], []
    for i in range(len(x1)):
        for method, label in (("linear", "LineIntp"), ("own", "AdvAI")):
            path = decode_paths(model, x1[i:i + 1], x2[i:i + 1], n_frames, method)[0]
            paths.append(path), labels.append(label)
            distances.append(lines_benchmark.closest_lines(path)[0])
    return paths, labels, distances


def paired_at_each_budget(rows: pd.DataFrame, pairs, budgets,
                          measures=("mean_distance", "smoothness")) -> pd.DataFrame:
    """:func:`advai.evaluate.summary.paired_tests` of ``pairs`` of models on ``measures`` (default
    mean distance and smoothness), over seeds, at every budget (steps) of ``rows`` (from
    :func:`lines_along_budgets`), BH-adjusted within each budget."""
    return pd.concat([paired_tests(rows[rows.steps == b], pairs, list(measures))
                      .assign(**{"training images": b * TRAIN["batch_size"]}) for b in budgets])
