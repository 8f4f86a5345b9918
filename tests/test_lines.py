"""The ACAI lines metrics: true lines score 0, even angle steps are smooth, jumps and collapse are caught."""
import math

import numpy as np
import pytest
import torch

from advai.data import render_lines
from advai.evaluate.lines import closest_lines, lines_scores, smoothness


def test_true_lines_have_zero_distance_and_their_own_angle():
    on_bank = torch.tensor([3, 555, 1275, 1910]) * (2 * math.pi / 2000)
    dist, found = closest_lines(render_lines(on_bank), n_bank=2000)
    assert np.all(dist < 1e-5)
    assert np.allclose(found, on_bank.double().numpy(), atol=1e-6)
    angles = torch.tensor([0.3, 1.7, 4.0, 6.0])  # between bank angles: the nearest one is found
    dist, found = closest_lines(render_lines(angles), n_bank=2000)
    assert np.all(dist < 1e-3)
    err = np.angle(np.exp(1j * (found - angles.numpy())))  # wrapped difference
    assert np.all(np.abs(err) <= 2 * math.pi / 2000)


def test_a_blend_of_two_lines_is_not_a_line():
    a, b = render_lines(torch.tensor([0.0, 2.0]))
    dist, _ = closest_lines(((a + b) / 2)[None])
    assert dist[0] > 0.1


def test_smoothness_zero_for_even_steps_positive_for_jumps_nan_for_no_turn():
    even = np.linspace(0.5, 2.5, 16)
    jump = np.r_[np.full(8, 0.5), np.full(8, 2.5)]
    s = smoothness(np.stack([even, jump, np.full(16, 1.0)]))
    assert abs(s[0]) < 1e-12
    assert s[1] == pytest.approx(1 - 1 / 15)
    assert np.isnan(s[2])


def test_smoothness_unwraps_across_zero():
    path = np.mod(np.linspace(-0.5, 0.5, 11), 2 * math.pi)  # crosses 2pi -> 0
    assert abs(smoothness(path)[0]) < 1e-9


def test_scores_of_true_line_paths_and_of_collapsed_paths():
    ang = torch.arange(100, 800, 100) * (2 * math.pi / 4000)  # on the bank, evenly spaced
    good = render_lines(ang)[None]  # one path that turns evenly through true lines
    s = lines_scores(good, n_bank=4000)
    assert s["mean_distance"] < 1e-5 and s["smoothness"] < 0.05 and s["undefined_paths"] == 0
    collapsed = render_lines(torch.full((8,), 0.7))[None]
    c = lines_scores(collapsed, n_bank=4000)
    assert c["undefined_paths"] == 1 and c["smoothness"] == 0.0  # ACAI's convention: counted as 0


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="paths must be"):
        lines_scores(torch.zeros(4, 1, 32, 32))
    with pytest.raises(ValueError, match="images must be"):
        closest_lines(torch.zeros(4, 3, 32, 32))
    with pytest.raises(ValueError, match="at least 3 steps"):
        smoothness(np.zeros((2, 2)))
