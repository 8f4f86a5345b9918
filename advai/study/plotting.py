"""Plot helpers shared by the notebooks (matplotlib/seaborn; modest DPI, rasterized clouds, image strips)."""
from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import seaborn as sns

PALETTE = {"prior": "0.55", "linear": "#d1495b", "spherical": "#edae49", "ot": "#00798c", "advai": "#30638e"}
LABELS = {"prior": "Original", "linear": "LineIntp", "spherical": "SpheIntp", "ot": "OT-matched",
          "advai": "AdvAI"}


def style():
    """The study's plotting style."""
    sns.set_theme(style="whitegrid", context="notebook", font_scale=0.9)
    plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 150, "axes.titlesize": 10})


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


def density_row(fig, axes, point_sets, lims, bins: int = 120, cmap: str = "magma", label: str = "density"):
    """One row of :func:`density` panels on a truly shared colour scale, with one colour bar.

    ``point_sets`` holds one point array per axis (``None`` leaves that axis alone); the scale
    tops out at the 99th percentile of the occupied bins of *all* panels pooled, so a panel that
    piles its points up looks brighter than one that spreads them. Returns that ``vmax``."""
    hists = [histogram(p, lims, bins) for p in point_sets if p is not None]
    occupied = np.concatenate([h[h > 0] for h in hists]) if hists else np.ones(1)
    vmax = float(np.quantile(occupied, 0.99))
    im = None
    for ax, pts in zip(axes, point_sets):
        if pts is not None:
            im = density(ax, pts, lims, bins, cmap, vmax)
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


def image_rows(ax, images, labels=None, fontsize: float = 7):
    """Rows of images on one axis, dark on white: ``images`` ``[rows, cols, 1, h, w]`` in [0, 1];
    ``labels`` (one per row) are written to the left of the rows."""
    r, c, _, h, w = images.shape
    ax.imshow(images[:, :, 0].permute(0, 2, 1, 3).reshape(r * h, c * w), cmap="gray_r", vmin=0, vmax=1)
    ax.set_xticks([])
    labels = list(labels) if labels is not None else [""] * r
    ax.set_yticks([h * i + h // 2 for i in range(r)], labels, fontsize=fontsize)
    ax.grid(False)
