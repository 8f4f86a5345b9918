r"""How evenly interpolants spread over a prior's modes: the *balance* measure.

The share of LineIntp's mismatch left (an energy distance) cannot tell "midpoints in the gaps"
from "midpoints on too few discs", and the off-support mass sees only the first. Balance sees the
second: every code is given to one *cell* of the prior (:data:`CELLS`), and the landing
distribution :math:`q` over the cells is compared with the prior's own weights :math:`\pi` by
the total variation

.. math:: \mathrm{TV}(q, \pi) = \tfrac12 \sum_k |q_k - \pi_k| \in [0, 1 - \min_k \pi_k],

0 when the codes land on every mode as often as prior samples do, :math:`8/9` when every code
lands on one of the nine discs. Cells (a code off the support goes to the cell it is nearest):

=============  ==============================================================  ====================
prior          cells                                                           weights
=============  ==============================================================  ====================
``nine_discs`` the disc with the nearest centre                                1/9 each
``two_discs``  the disc with the nearest centre                                1/2 each
``ring``       16 equal angle sectors                                          1/16 each
``two_rings``  inner or outer annulus (split at radius 0.65) x 16 sectors      area share / 16
=============  ==============================================================  ====================

On the ring, any interpolator that commutes with rotations lands evenly over the sectors (LineIntp
does, balance 0), so there balance can only flag a fit that broke the ring's symmetry, piling its
codes up at some angles; on two rings it also sees the share of each annulus.

**An estimate that does not grow with n.** The plug-in :math:`\mathrm{TV}(\hat q, \pi)` is biased
upwards by sampling noise (about 0.018 for a perfectly balanced sample of 4,000 codes over nine
cells, shrinking like :math:`1/\sqrt n`). :func:`balance` splits the codes into two random
halves A and B, takes the sign of every cell's excess from one half and its size from the other,

.. math:: \widehat{\mathrm{TV}} = \tfrac14 \sum_k \Big[\mathrm{sign}(\hat q^A_k - \pi_k)(\hat q^B_k - \pi_k)
          + \mathrm{sign}(\hat q^B_k - \pi_k)(\hat q^A_k - \pi_k)\Big],

whose expectation is exactly 0 for a balanced landing (the half that gives the size is independent
of the half that gives the sign) and exactly the TV when every cell's excess has a clear sign
(all codes on one disc: :math:`8/9` at any n). In between it is conservative: a cell whose excess
is within the sampling noise of a half contributes less than its share, at most of the order of
:math:`\sqrt{\pi_k / n}` (0.003 for nine discs at n = 20,000).
"""
from __future__ import annotations

import math

import numpy as np
import torch

from ..checks import as_tensor, check_choice, check_finite
from ..latent.priors import NINE_DISC_CENTRES, TWO_DISC_CENTRES, TWO_RINGS

#: Angle sectors of a ring: 22.5 degrees each, fine enough that mass piled up at a few angles (four
#: clumps a quarter turn apart, say) cannot hide by straddling the boundaries of wider sectors.
SECTORS = 16
#: Radius that separates the two annuli of ``two_rings`` (halfway across the gap 0.5 .. 0.8).
TWO_RINGS_SPLIT = 0.65


def _nearest(z: torch.Tensor, centres: torch.Tensor) -> torch.Tensor:
    return torch.cdist(z, centres.to(z)).argmin(1)


def _sector(z: torch.Tensor) -> torch.Tensor:
    angle = torch.atan2(z[:, 1], z[:, 0]) % (2 * math.pi)
    return (angle * SECTORS / (2 * math.pi)).long().clamp(max=SECTORS - 1)


def _two_rings_cell(z: torch.Tensor) -> torch.Tensor:
    outer = (z.norm(dim=1) >= TWO_RINGS_SPLIT).long()
    return outer * SECTORS + _sector(z)


def _two_rings_weights() -> np.ndarray:
    areas = np.array([hi * hi - lo * lo for lo, hi in TWO_RINGS])
    return np.repeat(areas / areas.sum() / SECTORS, SECTORS)


#: prior -> (cell of each code, the prior's weight of every cell).
CELLS = {
    "nine_discs": (lambda z: _nearest(z, NINE_DISC_CENTRES), np.full(9, 1 / 9)),
    "two_discs": (lambda z: _nearest(z, TWO_DISC_CENTRES), np.full(2, 1 / 2)),
    "ring": (_sector, np.full(SECTORS, 1 / SECTORS)),
    "two_rings": (_two_rings_cell, _two_rings_weights()),
}


def landing(prior: str, z) -> np.ndarray:
    """Share of the codes ``z`` ([n, 2]) in each cell of ``prior`` (:data:`CELLS`), in the cells' order."""
    check_choice("prior", prior, tuple(CELLS))
    z = as_tensor("z", z, dtype=torch.float64)
    check_finite("z", z)
    if z.ndim != 2 or z.shape[1] != 2 or len(z) == 0:
        raise ValueError(f"z must be a non-empty [n, 2] array of codes, got shape {tuple(z.shape)}")
    cell, weights = CELLS[prior]
    return np.bincount(cell(z).numpy(), minlength=len(weights)) / len(z)


def total_variation(q, pi) -> float:
    """:math:`\\tfrac12 \\sum_k |q_k - \\pi_k|` (the plug-in value when ``q`` is a sample's landing)."""
    return 0.5 * float(np.abs(np.asarray(q, float) - np.asarray(pi, float)).sum())


def balance(prior: str, z, seed: int = 0) -> float:
    """The split-half estimate of :math:`\\mathrm{TV}(q, \\pi)` (module docstring) from codes ``z``
    ([n, 2], n >= 2), the halves drawn with ``seed``: 0 in expectation when the codes land on the
    prior's cells in the prior's proportions, whatever n."""
    check_choice("prior", prior, tuple(CELLS))
    z = as_tensor("z", z, dtype=torch.float64)
    if len(z) < 2:
        raise ValueError(f"balance needs at least 2 codes, got {len(z)}")
    pi = CELLS[prior][1]
    order = torch.randperm(len(z), generator=torch.Generator().manual_seed(int(seed)))
    qa, qb = landing(prior, z[order[: len(z) // 2]]), landing(prior, z[order[len(z) // 2:]])
    return 0.25 * float((np.sign(qa - pi) * (qb - pi)).sum() + (np.sign(qb - pi) * (qa - pi)).sum())
