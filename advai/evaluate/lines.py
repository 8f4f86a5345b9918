r"""The ACAI lines benchmark (Berthelot et al., ICLR 2019, Sec. 4): how well do interpolants look like lines?

The data are 32x32 images of a line from the centre at an angle (:func:`advai.data.render_lines`).
A model interpolates between two line images in ``n`` steps; every decoded image is matched
to the closest of ``n_bank`` true line images (angles evenly spaced on [0, 2 pi)) by cosine
distance :math:`1 - \langle a, b\rangle / (\lVert a\rVert \lVert b\rVert)`, as in ACAI's
``lib/eval.py``.

* **Mean distance**: the mean over all decoded images of the cosine distance to the closest
  true line (0 when every interpolant is a line). Lower is better.
The protocol of notebook 3 (:func:`path_pairs`, :func:`benchmark`, :func:`benchmark_table`):
``n`` seeded random pairs of test-split line images, ``n_steps`` evenly spaced alpha from 0 to
1 (endpoints included), every model with its own interpolator (and LineIntp too where that
differs), interpolation of the pixels themselves as a model-free reference, and the published
rows of ACAI's Table 1 beside the measured ones, labelled as such.

* **Smoothness**: with :math:`\theta_1..\theta_n` the angles of the matched lines along a path
  (unwrapped, so no jump exceeds pi), :math:`\max_k |\theta_{k+1} - \theta_k| / |\theta_n - \theta_1| - 1/(n-1)`:
  0 when the angle advances in equal steps, larger when the path stalls and jumps; a path that
  turns in one jump scores the ceiling :math:`1 - 1/(n-1)` (:func:`smoothness_ceiling`, 0.933
  for 16 steps). Undefined (NaN) when the endpoints have the same angle; as in ACAI's
  ``line_eval``, the mean over paths counts such paths as 0 while dividing by the number of all
  paths, and is NaN when *every* path is undefined (a collapsed model).

Images are on ACAI's scale, [-1, 1] with background -1 (:func:`advai.data.render_lines`): the
cosine distance depends on that offset (the same pixel blends score about 20x lower on
[-1, 1] than on [0, 1]), so only scores on this scale compare with ACAI's Table 1.
"""
from __future__ import annotations

import functools
import math

import numpy as np
import pandas as pd
import torch

from ..checks import check_positive_int
from ..data import render_lines
from .decoding import decode_paths
from .summary import mean_and_interval


@functools.lru_cache(maxsize=4)
def line_bank(n_bank: int = 10_000, size: int = 32):
    """(angles, flattened unit-norm images) of ``n_bank`` true lines, angles evenly spaced on [0, 2 pi)
    (rendered once per process and size)."""
    n_bank = check_positive_int("n_bank", n_bank)
    angles = torch.arange(n_bank, dtype=torch.float64) * (2 * math.pi / n_bank)
    imgs = render_lines(angles.float(), size=size).reshape(n_bank, -1)
    return angles.numpy(), torch.nn.functional.normalize(imgs, dim=1)


def _finite(name: str, x: torch.Tensor) -> torch.Tensor:
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} contain NaN or inf values ({int((~torch.isfinite(x)).sum())} of {x.numel()})")
    return x


def closest_lines(images, n_bank: int = 10_000):
    """Cosine distance to, and angle of, the closest true line for each image ``[n, 1, s, s]`` (in [-1, 1])."""
    images = torch.as_tensor(images, dtype=torch.float32)
    if images.dim() != 4 or images.shape[1] != 1 or images.shape[2] != images.shape[3]:
        raise ValueError(f"images must be [n, 1, size, size], got {tuple(images.shape)}")
    _finite("images", images)
    angles, bank = line_bank(n_bank, images.shape[-1])
    q = torch.nn.functional.normalize(images.reshape(len(images), -1), dim=1)
    best = (q @ bank.T).max(dim=1)
    return (1 - best.values).double().numpy(), angles[best.indices.numpy()]


def smoothness(angles) -> np.ndarray:
    """Smoothness score of each path, ``angles`` ``[n_paths, n_steps]`` (radians); NaN where undefined."""
    a = np.unwrap(np.atleast_2d(np.asarray(angles, dtype=np.float64)), axis=-1)
    if a.shape[1] < 3:
        raise ValueError(f"paths need at least 3 steps, got {a.shape[1]}")
    total = np.abs(a[:, -1] - a[:, 0])
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.abs(np.diff(a, axis=-1)).max(axis=-1) / total - 1 / (a.shape[1] - 1)
    score[total < 1e-4] = np.nan
    return score


def smoothness_ceiling(n_steps: int) -> float:
    """The smoothness of a path of ``n_steps`` images that turns in one jump between its endpoints,
    :math:`1 - 1/(n-1)`: the worst a path that never turns back can score (one that overshoots and
    returns scores more, since its largest step exceeds the net turn)."""
    n_steps = check_positive_int("n_steps", n_steps)
    if n_steps < 3:
        raise ValueError(f"paths need at least 3 steps, got {n_steps}")
    return 1 - 1 / (n_steps - 1)


def lines_scores(paths, n_bank: int = 10_000) -> dict:
    """Mean distance and smoothness of decoded paths ``[n_paths, n_steps, 1, s, s]`` (images in [-1, 1]).

    ``smoothness`` is NaN when every path is undefined; ``undefined_paths`` counts them.
    """
    paths = torch.as_tensor(paths, dtype=torch.float32)
    if paths.dim() != 5:
        raise ValueError(f"paths must be [n_paths, n_steps, 1, size, size], got {tuple(paths.shape)}")
    _finite("paths", paths)
    n_paths, n_steps = paths.shape[:2]
    dist, ang = closest_lines(paths.reshape(n_paths * n_steps, *paths.shape[2:]), n_bank)
    smooth = smoothness(ang.reshape(n_paths, n_steps))
    undefined = np.isnan(smooth)
    mean_smooth = float("nan") if undefined.all() else float(np.nansum(smooth) / n_paths)
    return {"mean_distance": float(dist.mean()), "smoothness": mean_smooth, "undefined_paths": int(undefined.sum())}


#: Berthelot et al., "Understanding and Improving Interpolation in Autoencoders via an
#: Adversarial Regularizer", ICLR 2019 (arXiv:1807.07543v2), Table 1: lines benchmark,
#: mean +- std over 5 runs; mean distance in units of 1e-3. Same images, bank and scale as
#: ours ([-1, 1]); their training length (millions of images) and networks differ.
#: Transcribed by hand (the offline text store did not reach the table): check against the PDF.
PUBLISHED_TABLE1 = {
    "AE": {"mean_distance_e3": (6.88, 0.21), "smoothness": (0.44, 0.04)},
    "AAE": {"mean_distance_e3": (3.26, 0.19), "smoothness": (0.14, 0.02)},
    "ACAI": {"mean_distance_e3": (0.24, 0.01), "smoothness": (0.10, 0.01)},
}


def path_pairs(images: torch.Tensor, n_pairs: int, seed: int = 0):
    """``n_pairs`` seeded random pairs ``(x1, x2)`` of distinct images."""
    n_pairs = check_positive_int("n_pairs", n_pairs)
    if 2 * n_pairs > len(images):
        raise ValueError(f"n_pairs={n_pairs} needs {2 * n_pairs} images, got {len(images)}")
    pick = torch.randperm(len(images), generator=torch.Generator().manual_seed(int(seed)))[: 2 * n_pairs]
    return images[pick[:n_pairs]], images[pick[n_pairs:]]


def benchmark(models: dict, x1: torch.Tensor, x2: torch.Tensor, n_steps: int = 16, seed: int = 0) -> pd.DataFrame:
    """Scores of decoded paths from ``x1[i]`` to ``x2[i]``, one row per (model, interpolator, seed).

    ``models``: ``{(label, seed): trained autoencoder}``. Each model is scored with its own
    interpolator (``model.interpolator``) and, where that is not LineIntp, with LineIntp too;
    the first row interpolates the pixels themselves.
    """
    a = torch.linspace(0, 1, n_steps)[None, :, None, None, None]
    pixel = (1 - a) * x1[:, None] + a * x2[:, None]
    rows = [{"model": "pixel space (no model)", "interpolator": "LineIntp", "seed": seed, **lines_scores(pixel)}]
    for (label, s), m in models.items():
        rows.append({"model": label, "interpolator": m.interpolator, "seed": s,
                     **lines_scores(decode_paths(m, x1, x2, n_steps, "own"))})
        if m.interpolator != "LineIntp":
            rows.append({"model": label, "interpolator": "LineIntp", "seed": s,
                         **lines_scores(decode_paths(m, x1, x2, n_steps, "linear"))})
    return pd.DataFrame(rows)


def benchmark_table(rows: pd.DataFrame, source: str) -> pd.DataFrame:
    """tab-lines: mean, spread and 95% interval over seeds per (model, interpolator), then the published rows."""
    measured = mean_and_interval(rows, ["model", "interpolator"], ["mean_distance", "smoothness", "undefined_paths"])
    measured = measured.drop(columns=["undefined_paths_std", "undefined_paths_ci"])
    measured.insert(2, "source", source)
    source_published = ("PUBLISHED reference: Berthelot et al. 2019, Table 1 (their networks and training; "
                        "transcribed by hand, not yet checked against the paper's text)")
    published = pd.DataFrame([{"model": k, "interpolator": "LineIntp" if k != "ACAI" else "LineIntp (ACAI)",
                               "source": source_published,
                               "mean_distance": v["mean_distance_e3"][0] * 1e-3,
                               "mean_distance_std": v["mean_distance_e3"][1] * 1e-3,
                               "smoothness": v["smoothness"][0], "smoothness_std": v["smoothness"][1],
                               "undefined_paths": np.nan} for k, v in PUBLISHED_TABLE1.items()])
    return pd.concat([measured, published], ignore_index=True)


#: ACAI's reporting (``lib/train.py`` of brain-research/acai): an evaluation every 64 kimg of its
#: 2^14 kimg of training, 256 in all, and the median of the last 20 in its Table 1.
ACAI_EVALUATIONS, ACAI_LAST = 256, 20


def acai_eval_steps(steps: int, evaluations: int = ACAI_EVALUATIONS, last: int = ACAI_LAST) -> list[int]:
    """The training steps of the last ``last`` of ``evaluations`` evenly spaced evaluations of a run
    of ``steps`` steps: ACAI's spacing scaled to another budget (``steps * k / evaluations`` for the
    last ``last`` values of k, so the run's final step is the last). ``steps`` must be a multiple of
    ``evaluations`` (a snapshot every ``steps / evaluations`` steps holds every one of them)."""
    steps, evaluations, last = (check_positive_int(k, v) for k, v in
                                (("steps", steps), ("evaluations", evaluations), ("last", last)))
    if last > evaluations or steps % evaluations:
        raise ValueError(f"acai_eval_steps needs last <= evaluations and steps a multiple of evaluations, "
                         f"got steps={steps}, evaluations={evaluations}, last={last}")
    every = steps // evaluations
    return [every * k for k in range(evaluations - last + 1, evaluations + 1)]


def acai_statistic(values) -> float:
    """ACAI's reported value of a score: the median of its last evaluations (``values``, one per
    step of :func:`acai_eval_steps`), beside which the study also reports the final one."""
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or not len(values):
        raise ValueError(f"acai_statistic needs a non-empty list of scores, got shape {values.shape}")
    return float(np.median(values))
