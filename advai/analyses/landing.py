r"""Where interpolants of the nine discs land, by how far apart their endpoints' discs are.

The off-support mass says *how many* in-between codes fall into the gaps; this says *which
pairs* put them there and where the others go. A pair :math:`(z_1, z_2)` on discs :math:`i, j`
(grid positions :math:`c_i, c_j \in \{-3, 0, 3\}^2`) has the grid offset
:math:`(|\Delta x|, |\Delta y|) / 3`, sorted; its *kind* names it and says where LineIntp's
midpoint :math:`(z_1 + z_2)/2` falls (it lies within one unit of :math:`(c_i + c_j)/2`):

=============  =========  ==========================================================
offset         kind       LineIntp's midpoint
=============  =========  ==========================================================
(0, 0)         same disc  in the disc (a disc is convex)
(1, 0)         side       mostly in the gap between the two discs
(1, 1)         diagonal   in the gap between four discs
(2, 0)         two apart  on the disc between them
(2, 1)         knight     mostly in a gap
(2, 2)         corners    on the centre disc
=============  =========  ==========================================================

Of :math:`81` ordered disc pairs, 9 are ``same disc``, 24 ``side``, 16 ``diagonal``, 12
``two apart``, 16 ``knight`` and 4 ``corners``. An interpolant :math:`f` *lands* in a gap
(farther than the prior's tolerance from every disc), on :math:`z_1`'s disc, on :math:`z_2`'s
disc, or on a third disc. At :math:`\alpha = 1/2` a symmetric interpolator (AdvAI's R is one)
gives :math:`f(z_1, z_2) = f(z_2, z_1)`, so it cannot simply stay with the first endpoint: a pair
of different discs that lands on an endpoint's disc has been assigned to one of the two by a rule
that ignores their order.
"""
from __future__ import annotations

import pandas as pd
import torch

from .known_solution import disc_index
from ..latent.priors import NINE_DISC_CENTRES, get_prior

#: Sorted grid offset (in disc spacings) -> the kind's name, in order of distance.
PAIR_KINDS = {(0, 0): "same disc", (1, 0): "side", (1, 1): "diagonal", (2, 0): "two apart", (2, 1): "knight",
              (2, 2): "corners"}
LANDINGS = ("gap", "z1's disc", "z2's disc", "third disc")
SPACING = 3.0


def landed_disc(f: torch.Tensor) -> torch.Tensor:
    """Per interpolant ``f`` [n, 2]: the index of the disc it lies on, or -1 in a gap (farther than
    the prior's tolerance from every disc)."""
    prior = get_prior("nine_discs")
    return torch.where(prior.distance_to_support(f) > prior.tolerance, -1, disc_index(f))


def pair_kind(z1: torch.Tensor, z2: torch.Tensor) -> list[str]:
    """The kind (:data:`PAIR_KINDS`) of every pair of nine-disc codes ``z1``, ``z2`` [n, 2]."""
    offset = ((NINE_DISC_CENTRES[disc_index(z1)] - NINE_DISC_CENTRES[disc_index(z2)]).abs() / SPACING).round().long()
    big, small = offset.max(1).values.tolist(), offset.min(1).values.tolist()
    return [PAIR_KINDS[(b, s)] for b, s in zip(big, small)]


def landing(z1: torch.Tensor, z2: torch.Tensor, f: torch.Tensor) -> list[str]:
    """Where every interpolant ``f`` lands (:data:`LANDINGS`): in a gap, on z1's disc, on z2's
    disc (z1's when both are the same disc) or on a third disc."""
    for name, t in (("z1", z1), ("z2", z2), ("f", f)):
        if t.ndim != 2 or t.shape[1] != 2 or len(t) != len(z1):
            raise ValueError(f"{name} must have shape [n, 2] like z1, got {tuple(t.shape)}")
    k = landed_disc(f)
    code = torch.where(k < 0, 0, torch.where(k == disc_index(z1), 1, torch.where(k == disc_index(z2), 2, 3)))
    return [LANDINGS[c] for c in code.tolist()]


def on_main_disc(z1: torch.Tensor, z2: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    """Per interpolant: 1 if it lands on its *block's main disc*, else 0. A block is the set of pairs
    with the same ordered discs (i, j); its main disc is the disc that receives most of the block's
    interpolants (interpolants in a gap count for none). A block sent wholly to one disc scores 1
    everywhere; one spread over two discs half and half scores 1/2."""
    k = landed_disc(f)
    block = disc_index(z1) * 9 + disc_index(z2)
    counts = torch.zeros(81, 10, dtype=torch.long).index_put_((block, k + 1), torch.ones_like(k), accumulate=True)
    main = counts[:, 1:].argmax(1)  # most common disc of each block, gaps left out
    return ((k == main[block]) & (k >= 0)).double()


def landing_table(z1: torch.Tensor, z2: torch.Tensor, f: torch.Tensor) -> pd.DataFrame:
    """One row per pair kind present: its share of the pairs, the share of its interpolants in each
    of :data:`LANDINGS`, the share on their block's main disc (:func:`on_main_disc`), and its
    contribution to the off-support mass (share of pairs x share in a gap; the contributions add
    up to the off-support mass of ``f``)."""
    df = pd.DataFrame({"pair kind": pair_kind(z1, z2), "lands": landing(z1, z2, f),
                       "main": on_main_disc(z1, z2, f).numpy()})
    shares = pd.crosstab(df["pair kind"], df["lands"], normalize="index").reindex(columns=list(LANDINGS), fill_value=0.0)
    kinds = [k for k in PAIR_KINDS.values() if k in shares.index]
    out = shares.loc[kinds].rename_axis(columns=None).reset_index()
    out.insert(1, "share of pairs", df["pair kind"].value_counts(normalize=True).loc[kinds].values)
    out["on its block's main disc"] = df.groupby("pair kind")["main"].mean().loc[kinds].values
    out["off-support contribution"] = out["share of pairs"] * out["gap"]
    return out
