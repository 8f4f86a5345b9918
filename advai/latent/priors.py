"""Latent priors p(z), looked up by name.

=============  ======  ===============================================================
name           dims    definition
=============  ======  ===============================================================
``uniform``    any d   z ~ U[-1, 1]^d (factorized)
``gaussian``   any d   z ~ N(0, I_d) (factorized)
``ring``       2       radius r ~ U[0.6, 1], angle t ~ U[0, 2 pi): z = r (cos t, sin t)
``nine_discs`` 2       uniform on a 3x3 grid of unit discs centred at {-3, 0, 3}^2
``surface``    3       (x, y) uniform on the unit disc, z = sin(-x y)
``two_discs``  2       uniform on two unit discs centred at (-2.5, 0) and (2.5, 0)
``two_rings``  2       uniform (by area) on the annuli 0.3 <= r <= 0.5 and 0.8 <= r <= 1
=============  ======  ===============================================================

``two_discs`` and ``two_rings`` are the held-out priors of notebook 2: separated modes with an
empty gap (two discs), and nested holes (two rings), trained with the nine discs' settings.

Every sampler takes an optional ``torch.Generator`` so draws are reproducible, and every
prior knows the distance from a point to its support (:meth:`Prior.distance_to_support`), so
the share of codes that land where the prior has no mass can be measured.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import torch

from .. import memory
from ..checks import as_tensor, check_choice, check_positive_int

#: Bytes a draw of n codes in d dimensions keeps at its peak, ``DRAW_BYTES[0] * d + DRAW_BYTES[1]``
#: a row: the float32 result and one temporary as large (``rand * 2 - 1``), and for the 2-D priors
#: a mode index (int64), a radius and an angle and their cosine and sine (float32).
DRAW_BYTES = (8, 32)


NINE_DISC_CENTRES = torch.tensor([[x, y] for x in (-3.0, 0.0, 3.0) for y in (-3.0, 0.0, 3.0)])
TWO_DISC_CENTRES = torch.tensor([[-2.5, 0.0], [2.5, 0.0]])
TWO_RINGS = ((0.3, 0.5), (0.8, 1.0))  # (inner, outer) radius of each annulus


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
    which = torch.randint(0, 9, (n,), generator=g)
    return NINE_DISC_CENTRES[which] + _unit_disc(n, g)


def _two_discs(n, d, g):
    which = torch.randint(0, 2, (n,), generator=g)
    return TWO_DISC_CENTRES[which] + _unit_disc(n, g)


def _two_rings(n, d, g):
    """Uniform by area on the union of annuli: pick an annulus with probability proportional to
    its area (outer^2 - inner^2), then r = sqrt(U(inner^2, outer^2)) and a uniform angle."""
    lo2, hi2 = (torch.tensor([a * a for a, _ in TWO_RINGS]), torch.tensor([b * b for _, b in TWO_RINGS]))
    which = torch.multinomial(hi2 - lo2, n, replacement=True, generator=g)
    r = torch.sqrt(lo2[which] + (hi2 - lo2)[which] * torch.rand(n, generator=g))
    t = 2 * math.pi * torch.rand(n, generator=g)
    return torch.stack([r * torch.cos(t), r * torch.sin(t)], dim=1)


def _surface(n, d, g):
    xy = _unit_disc(n, g)
    return torch.cat([xy, torch.sin(-xy[:, :1] * xy[:, 1:])], dim=1)



def _outside_cube(z):
    """Euclidean distance to [-1, 1]^d: the norm of the per-coordinate excess max(|z_i| - 1, 0)."""
    return (z.abs() - 1).clamp(min=0).norm(dim=1)


def _everywhere(z):
    """A prior with full support: every point is on it."""
    return torch.zeros(len(z), dtype=z.dtype)


def _outside_ring(z):
    """Distance to the annulus 0.6 <= r <= 1: max(0.6 - r, r - 1, 0)."""
    r = z.norm(dim=1)
    return torch.maximum((0.6 - r).clamp(min=0), (r - 1).clamp(min=0))


def _outside_discs(z, centres):
    """Distance to the nearest unit disc: max(min_c ||z - c|| - 1, 0)."""
    return (torch.cdist(z, centres.to(z.dtype)).min(dim=1).values - 1).clamp(min=0)


def _outside_two_rings(z):
    """Distance to the nearer annulus: min over annuli of max(inner - r, r - outer, 0)."""
    r = z.norm(dim=1)
    return torch.stack([torch.maximum((a - r).clamp(min=0), (r - b).clamp(min=0)) for a, b in TWO_RINGS]).min(0).values


def _outside_surface(z):
    """sqrt(radial excess^2 + vertical gap^2): how far (x, y) lies outside the unit disc, and
    how far z lies above or below sin(-x y). The vertical gap bounds the Euclidean distance to
    the surface from above, and from below after division by sqrt(2) (the surface's slope
    |grad sin(-xy)| <= ||(x, y)|| <= 1 on the disc)."""
    radial = (z[:, :2].norm(dim=1) - 1).clamp(min=0)
    vertical = z[:, 2] - torch.sin(-z[:, 0] * z[:, 1])
    return torch.sqrt(radial**2 + vertical**2)


@dataclass(frozen=True)
class Prior:
    """A named latent prior.

    ``dim`` is ``None`` for priors defined in any dimension, else the only allowed one.
    ``factorized`` says whether p(z) is a product of identical 1-D marginals.
    ``_distance`` maps points [n, dim] to their distance from the support (0 on it);
    ``tolerance`` is the distance beyond which a point counts as off the support (0 for a prior
    with a full-dimensional support; 0.05 for the 2-D surface in 3-D, on which no continuous
    map lands exactly).
    """

    name: str
    dim: int | None
    factorized: bool
    _draw: Callable
    _distance: Callable
    tolerance: float = 0.0

    def check_dim(self, d) -> int:
        d = check_positive_int("dim", d if d is not None else self.dim)
        if self.dim is not None and d != self.dim:
            raise ValueError(f"prior {self.name!r} is defined only for dim={self.dim}, got dim={d}")
        return d

    def sample(self, n: int, dim: int | None = None, generator: torch.Generator | None = None) -> torch.Tensor:
        """Draw ``n`` codes, shape ``[n, dim]`` (float32, CPU). Before drawing, the memory the draw
        takes (:data:`DRAW_BYTES` a row) is checked (:func:`advai.memory.require`): ``n`` or ``dim``
        too large for this machine is a ``ValueError`` naming both, not an allocation failure."""
        n, dim = check_positive_int("n", n), self.check_dim(dim)
        memory.require(n * (DRAW_BYTES[0] * dim + DRAW_BYTES[1]), f"prior {self.name!r}: n={n} draws of dim={dim}",
                       advice="draw fewer codes at a time")
        return self._draw(n, dim, generator)

    def distance_to_support(self, z) -> torch.Tensor:
        """Distance of each row of ``z`` [n, dim] from the prior's support, shape [n] (0 on it).

        See the ``_outside_*`` helpers for each prior's formula; the Gaussian's support is all
        of R^d, so every distance is 0.
        """
        z = as_tensor("z", z)
        if z.dim() != 2:
            raise ValueError(f"z must be [n, dim], got shape {tuple(z.shape)}")
        self.check_dim(z.shape[1])
        return self._distance(z)


PRIORS: dict[str, Prior] = {
    p.name: p
    for p in (
        Prior("uniform", None, True, _uniform, _outside_cube),
        Prior("gaussian", None, True, _gaussian, _everywhere),
        Prior("ring", 2, False, _ring, _outside_ring),
        Prior("nine_discs", 2, False, _nine_discs, lambda z: _outside_discs(z, NINE_DISC_CENTRES)),
        Prior("surface", 3, False, _surface, _outside_surface, tolerance=0.05),
        Prior("two_discs", 2, False, _two_discs, lambda z: _outside_discs(z, TWO_DISC_CENTRES)),
        Prior("two_rings", 2, False, _two_rings, _outside_two_rings),
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
