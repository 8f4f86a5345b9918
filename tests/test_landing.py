"""advai.analyses.landing: pair kinds of the nine discs and where interpolants land."""
import itertools

import pytest
import torch

from advai.analyses import landing
from advai.evaluate import mismatch
from advai.latent.priors import NINE_DISC_CENTRES, get_prior


def test_the_81_disc_pairs_fall_into_the_six_kinds_in_the_documented_numbers():
    pairs = list(itertools.product(range(9), repeat=2))
    z1 = NINE_DISC_CENTRES[[i for i, _ in pairs]]
    z2 = NINE_DISC_CENTRES[[j for _, j in pairs]]
    kinds = landing.pair_kind(z1, z2)
    counts = {k: kinds.count(k) for k in landing.PAIR_KINDS.values()}
    assert counts == {"same disc": 9, "side": 24, "diagonal": 16, "two apart": 12, "knight": 16, "corners": 4}
    assert landing.pair_kind(z2, z1) == kinds  # a kind does not depend on the order


def test_landing_tells_endpoints_third_discs_and_gaps():
    z1 = torch.tensor([[-3.0, 0.0], [-3.0, -3.0], [0.2, 0.1], [-3.0, 0.0], [-3.0, 0.0]])
    z2 = torch.tensor([[3.0, 0.0], [3.0, 3.0], [-0.3, 0.4], [0.0, 0.0], [0.0, 0.0]])
    f = torch.tensor([[0.0, 0.5], [0.1, -0.2], [-0.3, 0.4], [0.5, 0.2], [-1.5, 0.0]])
    assert landing.landing(z1, z2, f) == ["third disc", "third disc", "z1's disc", "z2's disc", "gap"]
    assert landing.landing(z1, z2, z1) == ["z1's disc"] * 5
    with pytest.raises(ValueError, match="shape"):
        landing.landing(z1, z2, f[:3])


def test_landing_table_adds_up_and_linear_midpoints_of_far_pairs_stay_on_a_disc():
    p = get_prior("nine_discs")
    g = torch.Generator().manual_seed(0)
    z1, z2 = p.sample(4000, 2, g), p.sample(4000, 2, g)
    mid = 0.5 * (z1 + z2)
    t = landing.landing_table(z1, z2, mid).set_index("pair kind")
    assert list(t.index) == list(landing.PAIR_KINDS.values())
    assert t["share of pairs"].sum() == pytest.approx(1.0)
    assert t[list(landing.LANDINGS)].sum(axis=1).values == pytest.approx(1.0)  # every midpoint lands somewhere
    assert t["off-support contribution"].sum() == pytest.approx(mismatch.off_support_mass("nine_discs", mid))
    # a disc is convex, and the midpoint of discs two apart (or opposite corners) is on the disc between them
    assert (t.loc[["same disc", "two apart", "corners"], "gap"] == 0).all()
    assert t.loc["same disc", "z1's disc"] == 1.0 and (t.loc[["two apart", "corners"], "third disc"] == 1.0).all()
    assert t.loc["diagonal", "gap"] == 1.0  # within 1 of (1.5, 1.5): at least 2.12 - 1 > 1 from every centre
    # the endpoint itself never leaves its disc, and lands on z1's disc by definition
    assert landing.landing_table(z1, z2, z1)["z1's disc"].eq(1.0).all()


def test_main_disc_share_tells_an_assignment_from_a_split():
    p = get_prior("nine_discs")
    g = torch.Generator().manual_seed(1)
    z1, z2 = p.sample(6000, 2, g), p.sample(6000, 2, g)
    assert landing.on_main_disc(z1, z2, z1).eq(1).all()  # every block sent to z1's disc: an assignment
    coin = torch.rand(6000, 1, generator=g) < 0.5
    split = landing.landing_table(z1, z2, torch.where(coin, z1, z2)).set_index("pair kind")
    assert split.loc["same disc", "on its block's main disc"] == 1.0
    # blocks of two discs split half and half: about half on the main disc (a bit more: the main
    # disc is the larger half of each block)
    assert 0.5 <= split.loc["side", "on its block's main disc"] < 0.56
    mid = landing.landing_table(z1, z2, 0.5 * (z1 + z2)).set_index("pair kind")
    assert mid.loc["diagonal", "on its block's main disc"] == 0.0  # all in the gap
    assert (mid.loc[["two apart", "corners"], "on its block's main disc"] == 1.0).all()
