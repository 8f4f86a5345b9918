r"""How realistic are decoded interpolants? (Notebook 4's protocol, adapted from Agustsson et al., ICLR 2019.)

For a generator G with prior p, an interpolator m and a coefficient alpha: draw independent
:math:`z_1, z_2 \sim p` (n each), decode the interpolants :math:`G(m(z_1, z_2, \alpha))`, and compare
them with decoded *prior samples* :math:`G(z)`, :math:`z \sim p` (a third independent draw):

* **Fréchet distance** (:mod:`advai.evaluate.frechet`) between the two sets, in the 64-d features of
  the classifier trained here (:mod:`advai.models.classifier`). If interpolants were distributed like
  prior samples, it would sit at the *floor*: the same distance between independent sets of
  decoded prior samples (averaged over several draws; their spread is the measurement noise).
* **Mean confidence** of the classifier (probability of its predicted digit) on the decoded
  interpolants: images between digits that look like no digit score low.

Every row is averaged over the same number of independent draws (endpoints for interpolants,
prior samples for the floor), and interpolators share their endpoints within a draw, so two of
them can be compared by a paired test (:func:`compare_paired`).

Real images are the other reference: two disjoint halves of the held-out split give the
Fréchet distance of real to real at the same n.
"""
from __future__ import annotations

import numpy as np
import torch
from scipy import stats

from ..checks import check_positive_int
from ..latent.interpolation import interpolate
from ..latent.priors import get_prior
from .decoding import decode
from .frechet import frechet_distance

FLOOR = "prior samples (floor)"


def prior_draws(prior: str, n: int, dim: int, seed: int, k: int = 3):
    """``k`` independent ``[n, dim]`` draws from ``prior`` (seeded)."""
    g = torch.Generator().manual_seed(int(seed))
    return [get_prior(prior).sample(n, dim, g) for _ in range(k)]


def realism_draws(generator, classifier, prior: str, interpolators: dict, alphas, n: int, seed: int = 0,
                  n_draws: int = 5) -> list[dict]:
    """Per-draw measurements, one row per (draw, interpolator, alpha) and per (draw, floor).

    One fixed reference set of ``n`` decoded prior samples; for each of ``n_draws`` draws, a
    fresh set of ``n`` endpoint pairs shared by every interpolator and alpha (so interpolators
    are compared *paired* within a draw) and a fresh set of ``n`` decoded prior samples for the
    floor. Every row of a table built from these is then averaged over the same number of
    independent draws, interpolators and floor alike.
    ``interpolators``: label -> ``(method, model)`` as accepted by :func:`advai.interpolate`.
    """
    n_draws = check_positive_int("n_draws", n_draws)
    (z_ref,) = prior_draws(prior, n, generator.latent, seed, k=1)
    ref = classifier.features(decode(generator, z_ref))
    rows = []
    for k in range(n_draws):
        z1, z2, z_floor = prior_draws(prior, n, generator.latent, seed + 1 + k, k=3)
        img = decode(generator, z_floor)
        rows.append({"prior": prior, "interpolator": FLOOR, "alpha": float("nan"), "draw": k,
                     "frechet": frechet_distance(classifier.features(img), ref),
                     "confidence": float(classifier.confidence(img).mean())})
        for label, (method, model) in interpolators.items():
            for a in alphas:
                img = decode(generator, interpolate(z1, z2, float(a), method=method, prior=prior, model=model))
                rows.append({"prior": prior, "interpolator": label, "alpha": float(a), "draw": k,
                             "frechet": frechet_distance(classifier.features(img), ref),
                             "confidence": float(classifier.confidence(img).mean())})
    return rows


def realism_rows(draws: list[dict]) -> list[dict]:
    """The table of :func:`realism_draws`: per (prior, interpolator, alpha), the Fréchet distance
    and confidence averaged over the draws, the Fréchet distance's standard deviation over them
    (``frechet_spread``) and the number of draws."""
    groups: dict = {}
    for r in draws:
        alpha = None if np.isnan(r["alpha"]) else r["alpha"]  # NaN (the floor) never equals itself
        groups.setdefault((r["prior"], r["interpolator"], alpha), []).append(r)
    out = []
    for (prior, label, alpha), rs in groups.items():
        alpha = float("nan") if alpha is None else alpha
        fd = np.array([r["frechet"] for r in rs])
        out.append({"prior": prior, "interpolator": label, "alpha": alpha, "frechet": float(fd.mean()),
                    "frechet_spread": float(fd.std(ddof=1)) if len(fd) > 1 else float("nan"),
                    "confidence": float(np.mean([r["confidence"] for r in rs])), "draws": len(rs)})
    return out


def compare_paired(draws: list[dict], prior: str, alpha: float, a: str, b: str) -> dict:
    """Paired t-test (:func:`scipy.stats.ttest_rel`, two-sided) of the Fréchet distances of
    interpolators ``a`` and ``b`` at ``alpha`` over the draws of :func:`realism_draws` (the same
    endpoints within a draw). ``b`` may be the floor (:data:`FLOOR`, any alpha): its draw k uses
    prior samples drawn with draw k's seed. Returns the mean difference ``a - b``, the p-value
    and the number of draws."""
    def series(label):
        rs = [r for r in draws if r["prior"] == prior and r["interpolator"] == label
              and (label == FLOOR or r["alpha"] == alpha)]
        if not rs:
            raise ValueError(f"no draws for interpolator {label!r} at alpha={alpha} on prior {prior!r}")
        return np.array([r["frechet"] for r in sorted(rs, key=lambda r: r["draw"])])

    x, y = series(a), series(b)
    if len(x) != len(y) or len(x) < 2:
        raise ValueError(f"a paired test needs the same number (>= 2) of draws, got {len(x)} and {len(y)}")
    return {"prior": prior, "alpha": alpha, "a": a, "b": b, "mean difference": float((x - y).mean()),
            "p": float(stats.ttest_rel(x, y).pvalue), "draws": len(x)}
