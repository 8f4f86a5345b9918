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

Real images are the other reference: two disjoint halves of the held-out split give the
Fréchet distance of real to real at the same n.
"""
from __future__ import annotations

import numpy as np
import torch

from ..latent.interpolation import interpolate
from ..latent.priors import get_prior
from .decoding import decode
from .frechet import frechet_distance


def prior_draws(prior: str, n: int, dim: int, seed: int, k: int = 3):
    """``k`` independent ``[n, dim]`` draws from ``prior`` (seeded)."""
    g = torch.Generator().manual_seed(int(seed))
    return [get_prior(prior).sample(n, dim, g) for _ in range(k)]


def realism_rows(generator, classifier, prior: str, interpolators: dict, alphas, n: int, seed: int = 0,
                 n_floor: int = 5) -> list[dict]:
    """One row per (interpolator, alpha) plus a ``prior samples`` floor row, for one generator.

    ``interpolators``: label -> ``(method, model)`` as accepted by :func:`advai.interpolate`.
    The floor is the mean over ``n_floor`` independent sets of decoded prior samples, with
    their standard deviation in ``frechet_spread`` (the measurement's own noise at this n).
    """
    z1, z2, z_ref = prior_draws(prior, n, generator.latent, seed)
    ref = classifier.features(decode(generator, z_ref))
    fds, confs = [], []
    for k in range(n_floor):
        (z_floor,) = prior_draws(prior, n, generator.latent, seed + 1 + k, k=1)
        floor_img = decode(generator, z_floor)
        fds.append(frechet_distance(classifier.features(floor_img), ref))
        confs.append(float(classifier.confidence(floor_img).mean()))
    rows = [{"prior": prior, "interpolator": "prior samples (floor)", "alpha": float("nan"),
             "frechet": float(np.mean(fds)), "frechet_spread": float(np.std(fds, ddof=1)) if n_floor > 1 else float("nan"),
             "confidence": float(np.mean(confs))}]
    for label, (method, model) in interpolators.items():
        for a in alphas:
            img = decode(generator, interpolate(z1, z2, float(a), method=method, prior=prior, model=model))
            rows.append({"prior": prior, "interpolator": label, "alpha": float(a),
                         "frechet": frechet_distance(classifier.features(img), ref),
                         "confidence": float(classifier.confidence(img).mean())})
    return rows
