"""The study's one executor for batches of independent fits: a local process pool, or a Dask cluster.

An AdvAI fit is a stream of small matrix products that a second thread barely speeds up (measured
on this project's 2-core machine: 1,500 steps of the nine-disc headline fit take 12.0 s with two
threads and 12.9 s with one), so those fits run side by side, one process and one torch thread
each; notebook 3's convolutional autoencoders do gain from a second thread (two one-thread
workers trained its MNIST half no faster than one two-thread process did), so they run with two.
:func:`run_fits` trains a batch of calls of one module-level fit function (:func:`advai.fit_advai`,
:func:`advai.study.autoencoders.fit_autoencoder_job`, :func:`advai.study.long_runs.fit_long`) that way, each into the run
cache, and returns the models read back from it.

Where they run: ``scheduler=None`` (and ``$ADVAI_SCHEDULER`` unset) is a local pool of spawned
processes, one per core; a scheduler address (``tcp://host:8786``) or a ``distributed`` cluster
or client object sends them to Dask's distributed scheduler, whose workers can be a Slurm or PBS
allocation (dask-jobqueue). Workers must see the same cache folder (a shared file system).

The numbers do not depend on where a fit ran: under the pinned floating-point environment
(:mod:`advai.numerics`) a fit's weights are the same at any thread count, and each run's
identity holds that environment and the device, so a worker that computed under another one
writes a run this process does not find (and retrains) instead of one it reads back silently.
"""
from __future__ import annotations

import multiprocessing
import os
import pickle
import re
import sys
from concurrent.futures import ProcessPoolExecutor, as_completed

import torch

from .. import train
from ..checks import check_positive_int
from ..latent.advai_fit import fit_advai


def _fit_in_worker(fit, kwargs: dict, threads: int = 1) -> str:
    """One fit in a worker with ``threads`` torch threads; returns what the harness did (trained, read back...)."""
    torch.set_num_threads(threads)
    fit(progress=False, **kwargs)
    return train.runs_used()[-1]["status"]


def _check_jobs(jobs: dict, cache) -> None:
    if cache is None:
        raise ValueError("run_fits needs a cache folder: the fits reach the caller through it")
    for key, kw in jobs.items():
        if {"cache", "resume", "progress"} & set(kw):
            raise ValueError(f"job {key!r}: give no cache, resume or progress (run_fits sets them)")
        try:
            pickle.dumps(kw)
        except (pickle.PicklingError, AttributeError, TypeError) as exc:
            raise ValueError(f"job {key!r} cannot be sent to a worker process ({exc}); give a prior or "
                             "data set by name, not a function or object made here") from exc


def _local(fit, jobs: dict, common: dict, workers: int, threads: int):
    ctx = multiprocessing.get_context("spawn")  # a fresh interpreter: safe from a Jupyter kernel
    with ProcessPoolExecutor(workers, mp_context=ctx) as pool:
        running = {pool.submit(_fit_in_worker, fit, dict(kw, **common), threads): key for key, kw in jobs.items()}
        for future in as_completed(running):
            yield running[future], future.result()


#: Dask's scheduler addresses: a protocol, a host name, IPv4 or bracketed IPv6 address, and a port.
SCHEDULER_ADDRESS = re.compile(r"(tcp|tls|ws|wss|ucx)://([A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?|\[[0-9A-Fa-f:.]+\]):(\d{1,5})")


def check_scheduler_address(address: str) -> str:
    """Return ``address`` when it is a Dask scheduler address (``tcp://host:8786``; protocols tcp,
    tls, ws, wss, ucx; a port in 1-65535), else raise ``ValueError`` naming it and the form."""
    match = SCHEDULER_ADDRESS.fullmatch(address) if isinstance(address, str) else None
    if match is None or not 1 <= int(match.group(4)) <= 65535:
        raise ValueError(f"scheduler={address!r} is not a Dask scheduler address; expected "
                         "PROTOCOL://HOST:PORT, e.g. tcp://127.0.0.1:8786 (protocols tcp, tls, ws, wss, ucx; "
                         "port 1-65535)")
    return address


def _dask(fit, jobs: dict, common: dict, scheduler, threads: int):
    try:
        from distributed import Client, as_completed as dask_completed
    except ImportError as exc:
        raise ValueError("a Dask scheduler needs the cluster extra: pip install 'advai[cluster]'") from exc
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        running = {client.submit(_fit_in_worker, fit, dict(kw, **common), threads, pure=False): key for key, kw in jobs.items()}
        for future in dask_completed(running):
            yield running[future], future.result()
    finally:
        if client is not scheduler:
            client.close()


def _env_workers() -> int | None:
    """``$ADVAI_WORKERS`` as a positive whole number, or None when unset."""
    value = os.environ.get("ADVAI_WORKERS", "").strip()
    if not value:
        return None
    return check_positive_int("ADVAI_WORKERS", int(value) if value.isdigit() else value)


def run_fits(jobs: dict, cache, fit=fit_advai, resume: bool = True, workers: int | None = None,
             threads: int = 1, scheduler=None, progress: bool = True) -> dict:
    """``{key: fit(**jobs[key], cache=cache, resume=resume)}``, trained side by side, read back here.

    ``fit``: a module-level fit function with ``cache``, ``resume`` and ``progress`` arguments;
    ``jobs`` maps a label to the keyword arguments of one call, which must be picklable (a prior
    or data set by name); ``cache`` is required, the fits reach the caller through it.
    ``threads``: torch threads a fit (1 suits the small AdvAI networks; notebook 3's convolutional
    autoencoders gain from 2). ``scheduler``: ``None`` reads ``$ADVAI_SCHEDULER``; unset, a local
    pool of ``workers`` processes (default the machine's core count divided by ``threads``, at
    most the number of jobs; one worker runs the fits in this process, in turn); else a Dask
    scheduler address, cluster or client. ``$ADVAI_WORKERS`` replaces the default number of local
    workers (the tests set it to 1: pytest-xdist already runs one test file per core, and a
    notebook under test that spawned a pool of its own would oversubscribe them). Pinned numerics
    make the weights the same whichever
    way, and at any thread count.
    A job already in the cache (and ``resume``) is read back, not retrained. Each run is recorded
    (:func:`advai.train.runs_used`) with what its worker did: ``trained`` or ``read back``.
    ``progress``: one line per finished fit on stderr (unless ``$ADVAI_PROGRESS`` is ``off``).
    From a script, call it under ``if __name__ == "__main__":`` (local workers are spawned).
    """
    _check_jobs(jobs, cache)
    scheduler = scheduler if scheduler is not None else os.environ.get("ADVAI_SCHEDULER") or None
    if isinstance(scheduler, str):
        check_scheduler_address(scheduler)
    workers = min(len(jobs), workers or _env_workers() or max(1, (os.cpu_count() or 1) // threads))
    if scheduler is None and workers <= 1:
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        try:
            return {key: fit(cache=cache, resume=resume, progress=progress, **kw) for key, kw in jobs.items()}
        finally:
            torch.set_num_threads(before)
    common = {"cache": cache, "resume": resume}
    done = (_local(fit, jobs, common, workers, threads) if scheduler is None
            else _dask(fit, jobs, common, scheduler, threads))
    status = {}
    for key, status[key] in done:
        if progress and train.progress_mode() != "off":
            print(f"[advai] fit {len(status)}/{len(jobs)} {status[key]}: {key}", file=sys.stderr, flush=True)
    models = {}
    for key, kw in jobs.items():
        models[key] = fit(cache=cache, resume=True, progress=False, **kw)
        train.adopt_last_run(status[key])
    return models

