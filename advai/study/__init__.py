"""The study itself: settings per notebook, where results go, figures, and the batch command.

* :mod:`.profiles` -- every notebook's sizes for the ``paper`` and ``quick`` profiles;
* :mod:`.outputs` -- atomic figure/table writing, the manifest, the timings file;
* :mod:`.plotting`, :mod:`.diagram` -- plot helpers and fig4;
* :mod:`.driver` -- the batch command behind ``make figures`` (``python -m advai.study``).

Each notebook starts with one call, :func:`setup`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

import torch

from ..files import cache_dir
from ..train import resolve_device
from . import plotting, profiles
from .outputs import Run


@dataclass
class Study:
    """What a notebook needs: its settings ``P``, its output ``run``, the ``seed``, and how trained
    models are cached (``cached``: keyword arguments for every fit: the cache folder and the
    recompute policy)."""

    P: dict
    run: Run
    seed: int
    cached: dict


def setup(notebook: str, profile: str | None = None, seed: int = 0, figures_dir=None, device: str | None = None) -> Study:
    """Settings, output folder, plotting style and cache policy for one notebook run.

    ``profile``: ``None`` reads ``$ADVAI_PROFILE`` (default ``paper``). Trained models are cached
    in :func:`advai.files.cache_dir` and reused unless ``$ADVAI_RECOMPUTE`` is ``1`` (what
    ``make figures ARGS=--recompute`` sets): then each run is retrained once in the notebook's
    kernel and read back when a later cell asks for it again (``resume="once"``, so a recompute
    does the work of an empty cache, no more); this is the one place that setting is read.
    ``device``: ``None`` keeps ``$ADVAI_DEVICE`` (default ``cpu``); a name (``cpu``, ``cuda``,
    ``cuda:1``) is checked and set there, so every fit the notebook makes trains on it.
    Torch uses at most two threads, as on the study's reference machine.
    """
    if device is not None:
        resolve_device(device)  # a ValueError names a device this machine lacks
        os.environ["ADVAI_DEVICE"] = device
    P = profiles.resolve(notebook, profile)
    run = Run(notebook, P["profile"], seed, params=P, out_dir=figures_dir)
    plotting.style()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    cached = {"cache": cache_dir(), "resume": "once" if os.environ.get("ADVAI_RECOMPUTE") == "1" else True}
    return Study(P, run, int(seed), cached)
