"""advai.evaluate.balance: cells of each prior, the landing distribution and the split-half TV."""
import math

import numpy as np
import pytest
import torch

from advai.evaluate import balance as B
from advai.latent.priors import NINE_DISC_CENTRES, get_prior


@pytest.mark.parametrize("prior", sorted(B.CELLS))
def test_prior_samples_land_in_the_prior_weights_and_score_zero_in_expectation(prior):
    pi = B.CELLS[prior][1]
    assert pi.sum() == pytest.approx(1.0)
    z = get_prior(prior).sample(200_000, 2, torch.Generator().manual_seed(1))
    assert B.landing(prior, z) == pytest.approx(pi, abs=0.004)
    g = torch.Generator().manual_seed(2)
    n = 2000
    draws = np.array([B.balance(prior, get_prior(prior).sample(n, 2, g), seed=s) for s in range(200)])
    plug_in = np.mean([B.total_variation(B.landing(prior, get_prior(prior).sample(n, 2, g)), pi) for _ in range(50)])
    assert abs(draws.mean()) < 3 * draws.std() / math.sqrt(len(draws))  # unbiased at a balanced landing
    assert plug_in > 5 * draws.std() / math.sqrt(len(draws))  # where the plug-in TV is not


def test_every_code_on_one_disc_scores_eight_ninths_at_any_n():
    for n in (2, 10, 1001):
        z = NINE_DISC_CENTRES[4] + 0.5 * torch.rand(n, 2)
        assert B.balance("nine_discs", z) == pytest.approx(8 / 9)
        assert B.total_variation(B.landing("nine_discs", z), B.CELLS["nine_discs"][1]) == pytest.approx(8 / 9)
    z = torch.tensor([[2.0, 0.0]]).repeat(50, 1)
    assert B.balance("two_discs", z) == pytest.approx(0.5)


def test_a_known_landing_is_recovered():
    """Codes on disc k with probability q_k: the estimate approaches TV(q, 1/9) and the plug-in from above."""
    q = np.array([0.3, 0.2, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.0])
    g = torch.Generator().manual_seed(3)
    which = torch.multinomial(torch.tensor(q), 40_000, replacement=True, generator=g)
    z = NINE_DISC_CENTRES[which] + 0.3 * torch.randn(40_000, 2, generator=g).clamp(-2, 2)
    truth = B.total_variation(q, np.full(9, 1 / 9))
    assert B.balance("nine_discs", z) == pytest.approx(truth, abs=0.01)
    assert B.balance("nine_discs", z) <= B.total_variation(B.landing("nine_discs", z), np.full(9, 1 / 9)) + 1e-12


def test_cells_of_known_points():
    ring = torch.tensor([[0.8, 0.1], [0.1, 0.8], [-0.8, -0.1], [0.1, -0.8]])  # 7, 83, 187 and 277 degrees
    assert B.CELLS["ring"][0](ring).tolist() == [0, 3, 8, 12]
    rings = torch.tensor([[0.4, 0.01], [0.9, 0.01], [0.0, -0.4], [0.0, -0.9]])
    assert B.CELLS["two_rings"][0](rings).tolist() == [0, 16, 12, 28]
    w = B.CELLS["two_rings"][1]
    assert w[:16].sum() == pytest.approx(0.16 / 0.52) and w[16:].sum() == pytest.approx(0.36 / 0.52)
    assert B.CELLS["nine_discs"][0](NINE_DISC_CENTRES + 1.4).tolist() == list(range(9))  # off support: nearest disc


def test_four_clumps_a_quarter_turn_apart_are_seen_wherever_they_sit():
    g = torch.Generator().manual_seed(4)
    for offset in (0.0, math.pi / 8, math.pi / 4):  # on sector boundaries or inside sectors
        angle = offset + (math.pi / 2) * torch.randint(0, 4, (8000,), generator=g) + 0.15 * torch.randn(8000, generator=g)
        z = 0.8 * torch.stack([angle.cos(), angle.sin()], 1)
        assert B.balance("ring", z) > 0.3


def test_bad_input_is_refused_by_name():
    with pytest.raises(ValueError, match="prior"):
        B.balance("gaussian", torch.zeros(4, 2))
    with pytest.raises(ValueError, match="shape"):
        B.landing("ring", torch.zeros(4, 3))
    with pytest.raises(ValueError, match="NaN"):
        B.landing("ring", torch.full((4, 2), float("nan")))
    with pytest.raises(ValueError, match="at least 2"):
        B.balance("ring", torch.zeros(1, 2))
