r"""Representation metrics on frozen codes.

* :func:`linear_probe_accuracy` -- a multinomial logistic regression (scikit-learn, codes
  standardized on the train split) fit on train codes, accuracy on held-out test codes.
* :func:`clustering_accuracy` -- K-means (k = number of classes) on the codes, then the
  best one-to-one map from clusters to labels (Hungarian algorithm on the contingency
  table, :func:`scipy.optimize.linear_sum_assignment`):
  :math:`\mathrm{ACC} = \max_{\pi} \frac1n \sum_i 1[y_i = \pi(c_i)]`.
* :func:`representation_scores` -- both, plus the reconstruction error, for a trained
  autoencoder on a dataset's seeded train/test split.
"""
from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment
from sklearn.cluster import KMeans
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from ..data import pad_to
from .decoding import decode, encode


def _codes(name, x):
    x = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x, dtype=np.float64)
    if x.ndim != 2:
        raise ValueError(f"{name} must be [n, d] codes, got shape {x.shape}")
    if not np.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or inf values")
    return x


def _labels(name, y, n):
    y = np.asarray(y.detach().cpu() if hasattr(y, "detach") else y).astype(np.int64).reshape(-1)
    if len(y) != n:
        raise ValueError(f"{name} has {len(y)} labels for {n} codes")
    return y


def matched_accuracy(clusters, labels) -> float:
    """Accuracy of ``clusters`` after the best one-to-one relabelling onto ``labels`` (Hungarian)."""
    clusters, labels = np.asarray(clusters).reshape(-1), np.asarray(labels).reshape(-1)
    if len(clusters) != len(labels):
        raise ValueError(f"clusters ({len(clusters)}) and labels ({len(labels)}) differ in length")
    _, c = np.unique(clusters, return_inverse=True)
    _, l = np.unique(labels, return_inverse=True)
    table = np.zeros((c.max() + 1, l.max() + 1), dtype=np.int64)
    np.add.at(table, (c, l), 1)
    rows, cols = linear_sum_assignment(table, maximize=True)
    return float(table[rows, cols].sum() / len(labels))


def clustering_accuracy(codes, labels, n_clusters: int | None = None, seed: int = 0, n_init: int = 10) -> float:
    """K-means on ``codes`` with ``n_clusters`` (default: number of classes), Hungarian-matched accuracy."""
    x = _codes("codes", codes)
    y = _labels("labels", labels, len(x))
    k = n_clusters or len(np.unique(y))
    # one thread: OpenMP's busy-waiting made K-means take minutes instead of 0.1 s when another
    # process kept a core busy (measured on the 2-core machine); a few thousand codes need no more
    with threadpool_limits(limits=1):
        pred = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit_predict(x)
    return matched_accuracy(pred, y)


def linear_probe_accuracy(train_codes, train_labels, test_codes, test_labels, max_iter: int = 2000) -> float:
    """Logistic-regression probe on standardized frozen codes: fit on train, accuracy on test."""
    xtr, xte = _codes("train_codes", train_codes), _codes("test_codes", test_codes)
    if xtr.shape[1] != xte.shape[1]:
        raise ValueError(f"train and test codes differ in dimension: {xtr.shape[1]} vs {xte.shape[1]}")
    ytr, yte = _labels("train_labels", train_labels, len(xtr)), _labels("test_labels", test_labels, len(xte))
    probe = make_pipeline(StandardScaler(), LogisticRegression(max_iter=max_iter))
    return float(probe.fit(xtr, ytr).score(xte, yte))


def representation_scores(model, dataset, seed: int = 0) -> dict:
    """Probe accuracy (fit on the train split's codes, scored on the test split's), K-means accuracy
    of the test codes, and the test reconstruction error (mean squared error per pixel, images in [0, 1])."""
    (xtr, ytr), (xte, yte) = dataset.train, dataset.test
    ztr, zte = encode(model, xtr), encode(model, xte)
    rec = (decode(model, zte) - pad_to(xte, model.size)).pow(2).mean().item()
    return {"probe_accuracy": linear_probe_accuracy(ztr, ytr, zte, yte),
            "clustering_accuracy": clustering_accuracy(zte, yte, seed=seed), "reconstruction_mse": rec}
