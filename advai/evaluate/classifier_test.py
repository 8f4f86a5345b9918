r"""A classifier two-sample test: can a nearest-neighbour vote tell two samples apart?

The energy distance and its permutation test weigh the whole spread of the points at once, so
they barely see mass piled up in thin places (on a rim, a frame, a gap) if the overall spread is
right. A *classifier two-sample test* (C2ST; Lopez-Paz & Oquab, "Revisiting Classifier
Two-Sample Tests", ICLR 2017) asks a local question instead. Label the n points of X with 1 and
the n points of Y with 0, split the 2n labelled points at random into halves, train a classifier
on one half and count its correct answers :math:`c` on the other :math:`n_{te}` points. If X and
Y come from one law, no classifier beats a coin, and :math:`c \sim \mathrm{Binomial}(n_{te}, 1/2)`;
the one-sided p-value is :math:`P(C \ge c)` under that law, and the held-out accuracy
:math:`c / n_{te}` is the effect size in plain units (0.5: indistinguishable, 1: fully apart).

The classifier here is a k-nearest-neighbour vote with :math:`k` the largest odd integer
:math:`\le \sqrt{n_{tr}}` (odd, so a vote never ties): it sees structure at the scale of the
distance to the k-th neighbour, which shrinks as n grows, so the accuracy of a real difference
rises with n: quote it at a stated n, like a pass rate. Nearest neighbours lose their power in
high dimension (every point is about equally far from every other): check power with a known
mismatch at the same n and dimension before reading a pass as a match.
"""
from __future__ import annotations

import math

import numpy as np
import torch
from scipy.stats import binomtest
from sklearn.neighbors import KNeighborsClassifier

from ..checks import as_tensor, check_finite


def default_k(n_train: int) -> int:
    """The largest odd integer at most :math:`\\sqrt{n_{tr}}` (at least 1)."""
    k = max(1, math.isqrt(int(n_train)))
    return k if k % 2 else k - 1


def knn_two_sample_test(x, y, k: int | None = None, seed: int = 0) -> tuple[float, float]:
    """(held-out accuracy, one-sided binomial p-value) of a k-NN classifier telling ``x`` from ``y``.

    ``x``, ``y``: [n, d] samples of equal size n >= 4 (equal sizes make 0.5 the chance level).
    The pooled 2n points are shuffled by ``seed`` and split in halves (train, test); ``k``
    defaults to :func:`default_k` of the training half. Deterministic for a given ``seed``.
    """
    x, y = (as_tensor(name, t).detach().cpu().double() for name, t in (("x", x), ("y", y)))
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must be [n, d] with one d, got shapes {x.shape} and {y.shape}")
    if len(x) != len(y) or len(x) < 4:
        raise ValueError(f"x and y need one size n >= 4 (chance is then 0.5), got {len(x)} and {len(y)}")
    check_finite("x", x)
    check_finite("y", y)
    points = torch.cat([x, y]).numpy()
    labels = np.concatenate([np.ones(len(x)), np.zeros(len(y))])
    order = np.random.default_rng(int(seed)).permutation(len(points))
    train, test = order[: len(points) // 2], order[len(points) // 2:]
    k = default_k(len(train)) if k is None else int(k)
    if not 1 <= k <= len(train):
        raise ValueError(f"k must be in 1..{len(train)} (the training half), got {k}")
    vote = KNeighborsClassifier(n_neighbors=k).fit(points[train], labels[train])
    correct = int((vote.predict(points[test]) == labels[test]).sum())
    return correct / len(test), float(binomtest(correct, len(test), 0.5, alternative="greater").pvalue)
