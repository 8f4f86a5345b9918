"""render_lines draws ACAI's lines to the pixel: ACAI's ``draw_line`` (brain-research/acai, lib/data.py)
re-derived here as a plain scanline over one angle, and hand-computed pixels for both major axes and both ends."""
import math

import numpy as np
import pytest
import torch

from advai.data import render_lines


def scanline(angle: float, size: int = 32, w: float = 2.0) -> np.ndarray:
    """ACAI's algorithm, one angle at a time: walk the ray's major axis upwards, one band of the
    minor axis per major index (its start taken half a cell before the index), partial weights at
    the ray's two ends and at the band's two edges; 2 * weight - 1, clipped."""
    centre, length = size / 2, size / 2 - 1
    ends = {"col": centre + length * math.cos(-angle), "row": centre + length * math.sin(-angle)}
    major = "row" if abs(ends["row"] - centre) >= abs(ends["col"] - centre) else "col"
    minor = "col" if major == "row" else "row"
    (p0, q0), (p1, q1) = sorted([(centre, centre), (ends[major], ends[minor])])
    q0, q1 = q0 - w / 2, q1 - w / 2
    slope = (q1 - q0) / (p1 - p0)
    weight = np.zeros((size, size))  # [major, minor]
    for k in range(math.floor(p0), math.ceil(p1)):
        along = math.ceil(p0) - p0 if k < math.ceil(p0) else p1 - math.floor(p1) if k > math.floor(p1) else 1.0
        start = q0 + (k - p0 - 0.5) * slope
        stop = start + w
        first, last = math.ceil(start), math.floor(stop)
        weight[k, first:last] += along
        weight[k, math.floor(start)] += along * (first - start)
        weight[k, last] += along * (stop - last)
    image = weight if major == "row" else weight.T
    return np.clip(2 * image - 1, -1, 1)


def test_equal_to_acais_scanline_on_1000_random_angles():
    angles = torch.rand(1000, generator=torch.Generator().manual_seed(0)) * (2 * math.pi)
    ours = render_lines(angles)[:, 0].double().numpy()
    theirs = np.stack([scanline(float(a)) for a in angles])
    assert np.abs(ours - theirs).max() < 1e-6


def test_axis_angles_by_hand():
    img = render_lines(torch.tensor([0.0, math.pi]))[:, 0]
    # angle 0 (columns major, walked from the centre): rows 15-16 over columns 16..30, nothing else
    expected = -torch.ones(32, 32)
    expected[15:17, 16:31] = 1
    assert torch.equal(img[0], expected)
    # angle pi (columns major, walked from the far end at column 1): columns 1..15
    expected = -torch.ones(32, 32)
    expected[15:17, 1:16] = 1
    assert torch.allclose(img[1], expected, atol=1e-5)


def test_a_steep_ray_by_hand_with_partial_ends_and_edges():
    # tan(angle) = 3: rows major. The ray ends at col 16 + 15 cos, row 16 - 15 sin: walked from that
    # end (row p0 = 16 - 15 sin ~ 1.7696) to the centre (p1 = 16); minor start q0 = 16 + 15 cos - 1.
    angle = float(torch.tensor(math.atan(3.0)))  # the float32 angle render_lines sees
    c, s = math.cos(angle), math.sin(angle)
    p0, q0 = 16 - 15 * s, 16 + 15 * c - 1
    slope = (15 - q0) / (16 - p0)  # = -1/3
    img = render_lines(torch.tensor([angle]))[0, 0].double()
    k = 1  # the first row, before ceil(p0) = 2: weight ceil(p0) - p0
    start = q0 + (k - p0 - 0.5) * slope
    along = 2 - p0
    assert img[k, math.floor(start)].item() == pytest.approx(2 * along * (math.ceil(start) - start) - 1, abs=1e-6)
    assert img[k, math.ceil(start)].item() == pytest.approx(2 * along - 1, abs=1e-6)
    k = 10  # a full row: its band [start, start + 2) over three pixels, partial at both edges
    start = q0 + (k - p0 - 0.5) * slope
    row = img[k]
    assert row[math.floor(start)].item() == pytest.approx(2 * (math.ceil(start) - start) - 1, abs=1e-6)
    assert row[math.ceil(start)].item() == pytest.approx(1.0)
    assert row[math.floor(start + 2)].item() == pytest.approx(2 * (start + 2 - math.floor(start + 2)) - 1, abs=1e-6)
    assert int((row > -1).sum()) == 3
    assert bool((img[16:] == -1).all()) and bool((img[0] == -1).all())  # the band ends at the centre's row: p1 = 16
    # the mirror image (angle -atan 3) is walked from the centre (p0 = 16) to row p1 = 16 + 15 sin ~ 30.23.
    # ACAI's far-end weight (p1 - floor p1, for indices past floor p1) never applies: the scan stops at
    # ceil(p1) - 1 = 30, so the last row is drawn at full weight, the first (16) too (p0 is whole)
    down = render_lines(torch.tensor([-angle]))[0, 0].double()
    for k in (16, 30):
        start = 15 + (k - 16 - 0.5) * (-slope)
        assert down[k, math.ceil(start)].item() == pytest.approx(1.0)
        assert down[k, math.floor(start)].item() == pytest.approx(2 * (math.ceil(start) - start) - 1, abs=1e-6)
    assert bool((down[31] == -1).all()) and bool((down[:16] == -1).all())


def test_bad_sizes_and_widths_are_refused():
    with pytest.raises(ValueError, match="size"):
        render_lines([0.0], size=4)
    with pytest.raises(ValueError, match="width"):
        render_lines([0.0], width=0)
