"""Several AdvAI fits at once: one process per core, one torch thread each.

A 2-D AdvAI fit is a stream of small matrix products (batches of 256 through 3x100 networks)
that a second thread barely speeds up: measured on this project's 2-core machine, 1,500 steps
of the nine-disc headline fit take 12.0 s with two threads and 12.9 s with one, so two fits
side by side, one thread each, do in 13 s what takes 24 s one after the other.
:func:`fit_advai_parallel` trains a batch of :func:`advai.fit_advai` calls that way, each into
the cache, and returns the interpolators read back from it.

The numbers of a fit depend on how many threads computed it (floating-point sums in another
order); fits made here always use one thread, so they do not depend on the machine's core
count. The oracle fits (kernel sums that do use both threads) are better left in-process.
"""
from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import torch

from .. import train
from ..latent.advai_fit import AdvAIInterpolator, fit_advai


def _fit_in_worker(fit, kwargs: dict) -> str:
    """One fit in a worker process with one torch thread; returns what the harness did."""
    torch.set_num_threads(1)
    fit(progress=False, **kwargs)
    return train.runs_used()[-1]["status"]


def fit_advai_parallel(jobs: dict, cache, resume: bool = True, workers: int | None = None,
                       progress: bool = True, fit=fit_advai) -> dict[str, AdvAIInterpolator]:
    """``{key: fit(**jobs[key], cache=cache, resume=resume)}``, ``workers`` fits at a time.

    ``fit``: :func:`advai.fit_advai` (default) or another module-level fit function with the same
    ``cache``, ``resume`` and ``progress`` arguments (:func:`advai.study.long_runs.fit_long`).

    ``jobs`` maps a label to the keyword arguments of one ``fit`` call (a prior
    name as ``sampler``: callables do not cross process boundaries); ``cache`` is required, the
    fits reach the caller through it. ``workers``: default the machine's core count, at most
    the number of jobs; a job already in the cache (and ``resume``) is read back, not retrained.
    Each run is recorded (:func:`advai.train.runs_used`) with what its worker did: ``trained``
    or ``read back``. ``progress``: one line per finished fit on stderr (unless ``$ADVAI_PROGRESS``
    is ``off``). From a script, call it under ``if __name__ == "__main__":`` (workers are spawned).
    """
    if cache is None:
        raise ValueError("fit_advai_parallel needs a cache folder: the fits reach the caller through it")
    for key, kw in jobs.items():
        if not isinstance(kw.get("sampler"), str) or {"cache", "resume", "progress"} & set(kw):
            raise ValueError(f"job {key!r}: give a prior name as sampler, and no cache, resume or progress")
    workers = min(len(jobs), int(workers or os.cpu_count() or 1))
    if workers == 1:  # in this process, with the workers' single thread, so the numbers are the same
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            return {key: fit(cache=cache, resume=resume, progress=progress, **kw) for key, kw in jobs.items()}
        finally:
            torch.set_num_threads(threads)
    status = {}
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: safe from a Jupyter kernel
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        running = {pool.submit(_fit_in_worker, fit, dict(kw, cache=cache, resume=resume)): key for key, kw in jobs.items()}
        for done, future in enumerate(as_completed(running), 1):
            key = running[future]
            status[key] = future.result()
            if progress and train.progress_mode() != "off":
                print(f"[advai] fit {done}/{len(jobs)} {status[key]}: {key}", file=sys.stderr, flush=True)
    models = {}
    for key, kw in jobs.items():
        models[key] = fit(cache=cache, resume=True, progress=False, **kw)
        train._RUNS[-1]["status"] = status[key]  # what the worker did; this process only read it back
        if status[key] != "read back":  # trained for this process: resume="once" reads it back from now on
            train.mark_trained_here(Path(cache) / f"{train._RUNS[-1]['run']}.pt")
    return models
