"""Plot helpers shared by the notebooks, and the study's figure style.

The style is set in one place, :func:`style` (fonts of at least :data:`MIN_FONT_PT` points,
PNGs at :data:`SAVE_DPI` dpi), and checked in one place, :func:`check_figure`, which
:meth:`advai.study.outputs.Run.savefig` calls on every figure before writing it: no text below
the minimum size, and every axis that shows numbers carries an axis label.
"""
from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

PALETTE = {"prior": "0.55", "linear": "#d1495b", "spherical": "#edae49", "ot": "#00798c", "advai": "#30638e",
           "flow": "#6a4c93"}
LABELS = {"prior": "Original", "linear": "LineIntp", "spherical": "SpheIntp", "ot": "OT-matched",
          "advai": "AdvAI", "flow": "flow-matched"}


#: Axis limits of each 2-D prior in the density and path figures.
PRIOR_LIMITS = {"uniform": (-1.15, 1.15), "gaussian": (-3.2, 3.2), "ring": (-1.15, 1.15), "nine_discs": (-4.3, 4.3),
                "two_discs": (-3.8, 3.8), "two_rings": (-1.15, 1.15)}

MIN_FONT_PT = 8.0  # no text in a saved figure is smaller (points at 100% zoom)
SAVE_DPI = 150  # PNGs are written at this resolution or more (PDFs are vector)


def style():
    """The study's plotting style: seaborn's white grid, text between 8.5 and 10.5 pt, figures
    shown in the notebooks at 100 dpi and saved at :data:`SAVE_DPI`."""
    sns.set_theme(style="whitegrid", context="notebook")
    plt.rcParams.update({"figure.dpi": 100, "savefig.dpi": SAVE_DPI, "font.size": 9.5,
                         "axes.titlesize": 10.5, "axes.labelsize": 9.5, "xtick.labelsize": 8.5,
                         "ytick.labelsize": 8.5, "legend.fontsize": 8.5, "legend.title_fontsize": 9,
                         "figure.titlesize": 11})


_NUMBER = re.compile(r"[\u2212+-]?[\d.,]+(e[\u2212+-]?\d+)?%?|\$.*\$")  # 0.5, −1, 10%, $10^{-2}$


def _shows_numbers(axis) -> bool:
    """Whether the axis shows numeric tick labels (a quantity that needs naming); categorical
    labels, such as the row names of an image strip, name themselves."""
    return any(t.get_visible() and _NUMBER.fullmatch(t.get_text().strip()) for t in axis.get_ticklabels())


def check_figure(fig, min_pt: float = MIN_FONT_PT) -> None:
    """Raise ``ValueError`` listing what breaks the study's figure style in ``fig``: visible text
    smaller than ``min_pt`` points, or an axis (x, y, z, colour bar) that shows numeric tick labels
    without an axis label naming the quantity. Image panels hide their ticks, and row names of
    image strips are categorical: both are exempt."""
    fig.canvas.draw()  # tick labels exist only once drawn
    problems = []
    for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text")):
        if t.get_visible() and t.get_text().strip() and t.get_fontsize() < min_pt:
            problems.append(f"text {t.get_text()[:30]!r} at {t.get_fontsize():.1f} pt")
    for ax in fig.axes:
        if not ax.axison:
            continue
        axes = [("x", ax.xaxis), ("y", ax.yaxis)] + ([("z", ax.zaxis)] if hasattr(ax, "zaxis") else [])
        for name, axis in axes:
            if _shows_numbers(axis) and not axis.get_label_text() and not getattr(fig, "_sup" + name + "label", None):
                problems.append(f"{name} axis of {ax.get_title()[:30] or 'an axes'!r} has tick labels but no label")
    if problems:
        raise ValueError("figure style (advai.study.plotting.check_figure): " + "; ".join(sorted(set(problems))))


def histogram(pts, lims, bins: int = 120) -> np.ndarray:
    """Density histogram of ``pts[:, :2]`` over the square ``lims`` (integrates to the share
    of points inside it), ``[bins, bins]`` indexed ``[x, y]``."""
    pts = np.asarray(pts)
    return np.histogram2d(pts[:, 0], pts[:, 1], bins=bins, range=[lims, lims], density=False)[0] \
        / (len(pts) * ((lims[1] - lims[0]) / bins) ** 2)


def density(ax, pts, lims, bins: int = 120, cmap: str = "magma", vmax: float | None = None):
    """2-D histogram image of ``pts[:, :2]`` over the square ``lims``; colours run from 0 to
    ``vmax`` (default: this panel's 99th percentile of occupied bins; pass one value to share a
    scale between panels, as :func:`density_row` does). Returns the image, for a colour bar."""
    h = histogram(pts, lims, bins)
    if vmax is None:
        vmax = float(np.quantile(h[h > 0], 0.99)) if (h > 0).any() else 1.0
    im = ax.imshow(h.T, origin="lower", extent=[*lims, *lims], cmap=cmap, aspect="equal", vmin=0, vmax=vmax,
                   interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)
    return im


def density_row(fig, axes, point_sets, lims, bins: int = 120, cmap: str = "magma", label: str = "density",
                missing: str | None = None):
    """One row of :func:`density` panels on a truly shared colour scale, with one colour bar.

    ``point_sets`` holds one point array per axis (``None`` leaves that axis empty, saying
    ``missing`` in its middle when given); the scale
    tops out at the 99th percentile of the occupied bins of *all* panels pooled, so a panel that
    piles its points up looks brighter than one that spreads them. Returns that ``vmax``."""
    hists = [histogram(p, lims, bins) for p in point_sets if p is not None]
    occupied = np.concatenate([h[h > 0] for h in hists]) if hists else np.ones(1)
    vmax = float(np.quantile(occupied, 0.99))
    im = None
    for ax, pts in zip(axes, point_sets):
        if pts is not None:
            im = density(ax, pts, lims, bins, cmap, vmax)
        elif missing:
            ax.text(0.5, 0.5, missing, ha="center", va="center", transform=ax.transAxes, fontsize=8)
            ax.set(xticks=[], yticks=[])
    if im is not None:
        fig.colorbar(im, ax=list(axes), shrink=0.85, pad=0.01, label=label)
    return vmax


def cloud(ax, pts, color="0.7", s: float = 2, alpha: float = 0.4, **kw):
    """A rasterized scatter of ``pts[:, :2]``."""
    pts = np.asarray(pts)
    ax.scatter(pts[:, 0], pts[:, 1], s=s, c=color, alpha=alpha, lw=0, rasterized=True, **kw)


def path(ax, pts, color, off=None, **kw):
    """A path through ``pts[:, :2]`` with its endpoints marked; ``off`` (a boolean mask per
    point) marks the points off the prior's support with crosses."""
    pts = np.asarray(pts)
    ax.plot(pts[:, 0], pts[:, 1], color=color, lw=1.6, **kw)
    ax.plot(pts[[0, -1], 0], pts[[0, -1], 1], "o", color="k", ms=3)
    if off is not None and np.asarray(off).any():
        bad = pts[np.asarray(off)]
        ax.plot(bad[:, 0], bad[:, 1], "x", color=color, ms=3.5, mew=1.0)


def grid(nrows: int, ncols: int, size: float = 2.2, **kw):
    """A figure with an ``nrows x ncols`` axes array (always 2-D)."""
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows), squeeze=False, layout="constrained", **kw)
    return fig, axes


def image_rows(ax, images, labels=None, fontsize: float = 9, value_range=(0.0, 1.0)):
    """Rows of images on one axis, dark on white: ``images`` ``[rows, cols, 1, h, w]`` in
    ``value_range`` ([0, 1] digits, [-1, 1] lines); ``labels`` (one per row) are written to the
    left of the rows."""
    r, c, _, h, w = images.shape
    lo, hi = value_range
    grid = images[:, :, 0].permute(0, 2, 1, 3).reshape(r * h, c * w)
    ax.imshow(grid.detach().cpu().numpy(), cmap="gray_r", vmin=lo, vmax=hi)
    ax.set_xticks([])
    labels = list(labels) if labels is not None else [""] * r
    ax.set_yticks([h * i + h // 2 for i in range(r)], labels, fontsize=fontsize)
    ax.grid(False)
