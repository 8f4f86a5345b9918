"""The nearest-neighbour classifier two-sample test: chance under one law, power against known
differences (including the rim-piling that the energy distance barely sees), determinism, errors."""
import numpy as np
import pytest
import torch

import advai
from advai.evaluate import mismatch
from advai.evaluate.classifier_test import default_k, knn_two_sample_test


def gaussians(n, scale=1.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(n, 2, generator=g), scale * torch.randn(n, 2, generator=g)


def test_k_is_the_largest_odd_integer_up_to_the_square_root():
    assert [default_k(n) for n in (1, 2, 4, 8, 9, 10, 1000, 4000)] == [1, 1, 1, 1, 3, 3, 31, 63]


def test_one_law_gives_chance_accuracy_and_a_valid_level():
    tests = [knn_two_sample_test(*gaussians(400, seed=s), seed=s) for s in range(60)]
    accuracy, p = np.array(tests).T
    assert abs(accuracy.mean() - 0.5) < 0.01  # chance level
    assert 0.85 <= (p > 0.05).mean() <= 1.0  # rejects about 5% of the time, as a level-5% test should
    assert ((0 < p) & (p <= 1)).all()


def test_it_tells_apart_a_narrower_gaussian_and_fully_separated_samples():
    acc, p = knn_two_sample_test(*gaussians(1000, scale=0.7), seed=0)
    assert acc > 0.55 and p < 1e-4
    x = torch.rand(200, 3)
    acc, p = knn_two_sample_test(x, x + 5.0, seed=1)
    assert acc == 1.0 and p == pytest.approx(0.5 ** 200)


def test_it_sees_mass_piled_on_the_edges_of_a_square():
    # AdvAI's failure on the uniform prior in miniature: a fifth of the points pushed out onto the
    # nearest edge of the square; same support, nearly the same spread
    x, y = advai.sample_prior("uniform", 2000, 2, seed=3), advai.sample_prior("uniform", 2000, 2, seed=4)
    moved = y[:400]
    far = moved.abs().argmax(1)
    moved[torch.arange(400), far] = moved[torch.arange(400), far].sign()
    acc, p = knn_two_sample_test(x, y, seed=0)
    assert acc > 0.54 and p < 1e-4
    assert knn_two_sample_test(x, advai.sample_prior("uniform", 2000, 2, seed=5), seed=0)[1] > 0.05


def test_deterministic_for_a_seed():
    x, y = gaussians(300, scale=0.8, seed=4)
    assert knn_two_sample_test(x, y, seed=7) == knn_two_sample_test(x, y, seed=7)
    assert knn_two_sample_test(x.numpy(), y.numpy(), seed=7) == knn_two_sample_test(x, y, seed=7)


@pytest.mark.parametrize("x, y, kw, match", [
    (torch.zeros(10, 2), torch.zeros(9, 2), {}, "one size"),
    (torch.zeros(3, 2), torch.zeros(3, 2), {}, "one size"),
    (torch.zeros(10, 2), torch.zeros(10, 3), {}, "one d"),
    (torch.zeros(10), torch.zeros(10), {}, r"\[n, d\]"),
    (torch.full((10, 2), float("nan")), torch.zeros(10, 2), {}, "NaN"),
    (torch.zeros(10, 2), torch.zeros(10, 2), {"k": 11}, "k must be"),
    (torch.zeros(10, 2), torch.zeros(10, 2), {"k": 0}, "k must be"),
])
def test_bad_input_raises(x, y, kw, match):
    with pytest.raises(ValueError, match=match):
        knn_two_sample_test(x, y, **kw)


def test_summarize_reports_the_classifier_test_only_when_asked():
    r = mismatch.summarize("ring", "linear", n=400, seeds=range(2), n_permutations=0, with_mmd=False, classifier=True)
    assert r["c2st_accuracy"] > 0.6 and r["c2st_pass_rate"] == 0.0  # LineIntp fills the ring's hole
    plain = mismatch.summarize("ring", "linear", n=400, seeds=range(2), n_permutations=0, with_mmd=False)
    assert "c2st_accuracy" not in plain
    assert plain["energy_u"] == r["energy_u"]  # the test draws nothing from the interpolants' generator
