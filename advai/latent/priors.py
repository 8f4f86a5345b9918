"""Latent priors p(z), looked up by name.

=============  ======  ===============================================================
name           dims    definition
=============  ======  ===============================================================
``uniform``    any d   z ~ U[-1, 1]^d (factorized)
``gaussian``   any d   z ~ N(0, I_d) (factorized)
``ring``       2       radius r ~ U[0.6, 1], angle t ~ U[0, 2 pi): z = r (cos t, sin t)
``nine_discs`` 2       uniform on a 3x3 grid of unit discs centred at {-3, 0, 3}^2
``surface``    3       (x, y) uniform on the unit disc, z = sin(-x y)
=============  ======  ===============================================================

Every sampler takes an optional ``torch.Generator`` so draws are reproducible.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

from ..checks import check_choice, check_positive_int


def _uniform(n, d, g):
    return torch.rand(n, d, generator=g) * 2 - 1


def _gaussian(n, d, g):
    return torch.randn(n, d, generator=g)


def _ring(n, d, g):
    r = 0.6 + 0.4 * torch.rand(n, generator=g)
    t = 2 * math.pi * torch.rand(n, generator=g)
    return torch.stack([r * torch.cos(t), r * torch.sin(t)], dim=1)


def _unit_disc(n, g):
    """Uniform on the unit disc: radius sqrt(U) makes the area density flat."""
    r = torch.sqrt(torch.rand(n, generator=g))
    t = 2 * math.pi * torch.rand(n, generator=g)
    return torch.stack([r * torch.cos(t), r * torch.sin(t)], dim=1)


def _nine_discs(n, d, g):
    centres = torch.tensor([[x, y] for x in (-3.0, 0.0, 3.0) for y in (-3.0, 0.0, 3.0)])
    which = torch.randint(0, 9, (n,), generator=g)
    return centres[which] + _unit_disc(n, g)


def _surface(n, d, g):
    xy = _unit_disc(n, g)
    return torch.cat([xy, torch.sin(-xy[:, :1] * xy[:, 1:])], dim=1)


@dataclass(frozen=True)
class Prior:
    """A named latent prior.

    ``dim`` is ``None`` for priors defined in any dimension, else the only allowed one.
    ``factorized`` says whether p(z) is a product of identical 1-D marginals.
    """

    name: str
    dim: int | None
    factorized: bool
    _draw: Callable

    def check_dim(self, d) -> int:
        d = check_positive_int("dim", d if d is not None else self.dim)
        if self.dim is not None and d != self.dim:
            raise ValueError(f"prior {self.name!r} is defined only for dim={self.dim}, got dim={d}")
        return d

    def sample(self, n: int, dim: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` codes, shape ``[n, dim]`` (float32, CPU)."""
        n = check_positive_int("n", n)
        return self._draw(n, self.check_dim(dim), generator)


PRIORS: dict[str, Prior] = {
    p.name: p
    for p in (
        Prior("uniform", None, True, _uniform),
        Prior("gaussian", None, True, _gaussian),
        Prior("ring", 2, False, _ring),
        Prior("nine_discs", 2, False, _nine_discs),
        Prior("surface", 3, False, _surface),
    )
}


def get_prior(name: str) -> Prior:
    """Look a prior up by name; a ``Prior`` passes through unchanged."""
    if isinstance(name, Prior):
        return name
    check_choice("prior", name, tuple(PRIORS))
    return PRIORS[name]


def sample_prior(name: str, n: int, dim: int | None = None, seed: int | None = None,
                 generator: torch.Generator | None = None) -> torch.Tensor:
    """Convenience: ``n`` draws of the named prior, seeded by ``seed`` or ``generator``."""
    if generator is None and seed is not None:
        generator = torch.Generator().manual_seed(int(seed))
    return get_prior(name).sample(n, dim, generator)
