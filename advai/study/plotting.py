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
    plt.rcParams.update({"figure.dpi": 80, "savefig.dpi": 110, "axes.titlesize": 10})


def density(ax, pts, lims, bins: int = 120, cmap: str = "magma"):
    """2-D histogram image of ``pts[:, :2]`` over the square ``lims`` (shared colour scale)."""
    pts = np.asarray(pts)
    h, xe, ye = np.histogram2d(pts[:, 0], pts[:, 1], bins=bins, range=[lims, lims], density=True)
    ax.imshow(h.T, origin="lower", extent=[*lims, *lims], cmap=cmap, aspect="equal",
              vmax=np.quantile(h[h > 0], 0.99) if (h > 0).any() else None, interpolation="nearest")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.grid(False)


def cloud(ax, pts, color="0.7", s: float = 2, alpha: float = 0.4, **kw):
    """A rasterized scatter of ``pts[:, :2]``."""
    pts = np.asarray(pts)
    ax.scatter(pts[:, 0], pts[:, 1], s=s, c=color, alpha=alpha, lw=0, rasterized=True, **kw)


def path(ax, pts, color, **kw):
    """A path through ``pts[:, :2]`` with its endpoints marked."""
    pts = np.asarray(pts)
    ax.plot(pts[:, 0], pts[:, 1], color=color, lw=1.6, **kw)
    ax.plot(pts[[0, -1], 0], pts[[0, -1], 1], "o", color="k", ms=3)


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
