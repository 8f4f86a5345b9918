"""The ACAI lines metrics: true lines score 0, even angle steps are smooth, jumps and collapse are caught."""
import math

import numpy as np
import pytest
import torch

from advai.data import render_lines
from advai.evaluate.lines import closest_lines, lines_scores, smoothness, smoothness_ceiling


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
    assert dist[0] > 0.01  # on [-1, 1] the shared background keeps cosine distances small; a true line is < 1e-5


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
    assert c["undefined_paths"] == 1 and np.isnan(c["smoothness"])  # ACAI: NaN when every path is undefined
    both = lines_scores(torch.cat([good[:, :7], collapsed[:, :7]]), n_bank=4000)
    assert both["undefined_paths"] == 1 and both["smoothness"] == pytest.approx(s["smoothness"] / 2, abs=0.03)


def test_pixel_blends_score_on_acais_scale():
    a, b = render_lines(torch.tensor([0.3, 2.0]))
    t = torch.linspace(0, 1, 16)[:, None, None, None]
    dist = closest_lines((1 - t) * a + t * b)[0]
    assert dist[0] < 1e-3 and dist[-1] < 1e-3 and dist.max() > 0.01 and dist.argmax() in (7, 8)  # worst mid-path


def test_smoothness_ceiling_is_a_one_step_jump():
    assert smoothness_ceiling(16) == pytest.approx(1 - 1 / 15)
    jump = np.r_[np.full(8, 0.5), np.full(8, 2.5)]
    assert smoothness(jump)[0] == pytest.approx(smoothness_ceiling(16))
    with pytest.raises(ValueError, match="at least 3"):
        smoothness_ceiling(2)


def test_nan_or_inf_images_are_refused_by_name():
    p = render_lines(torch.linspace(0, 1, 5))[None].clone()
    p[0, 2, 0, 3, 3] = float("nan")
    with pytest.raises(ValueError, match="paths contain NaN or inf"):
        lines_scores(p)
    p[0, 2, 0, 3, 3] = float("inf")
    with pytest.raises(ValueError, match="images contain NaN or inf"):
        closest_lines(p[0])


def test_bad_shapes_raise():
    with pytest.raises(ValueError, match="paths must be"):
        lines_scores(torch.zeros(4, 1, 32, 32))
    with pytest.raises(ValueError, match="images must be"):
        closest_lines(torch.zeros(4, 3, 32, 32))
    with pytest.raises(ValueError, match="at least 3 steps"):
        smoothness(np.zeros((2, 2)))
