r"""The figures of notebooks 1 and 2 that show where interpolants land against the prior.

* :func:`norm_figure` -- notebook 1's fig-norms: norms of Gaussian midpoints against the analytic
  densities :func:`advai.latent.analytic.gaussian_norm_pdf` (:math:`\lVert z\rVert` of
  :math:`\mathcal{N}(0, s^2 I_d)` with :math:`s^2 = \alpha^2 + (1-\alpha)^2`), with its table;
* :func:`mismatch_by_dimension` and :func:`dimension_figure` -- notebook 1's fig-mismatch-dim:
  energy distance at :math:`\alpha = 0.5` and its ratio to the noise floor against d;
* :func:`distribution_grid` -- notebook 2's fig5: 2-D densities of interpolants, one row per prior;
* :func:`paths_figure` -- notebook 2's fig-advai-paths: interpolation paths, with the share of path
  points off the support.

Each draws from the generator or seed it is given in the order the notebooks always did, so a
figure and its numbers are the same as when the code stood in the notebook.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from matplotlib.lines import Line2D

from ..evaluate import mismatch
from ..latent import analytic
from ..latent.interpolation import interpolate
from ..latent.priors import get_prior
from . import plotting


def norm_figure(n: int, dims, methods, gen: torch.Generator):
    """fig-norms: for each d in ``dims``, the norms of ``n`` Gaussian prior samples and of the
    midpoints of ``n`` pairs by each of ``methods``, as histograms with the analytic densities of
    the prior and of LineIntp's midpoints. Returns ``(figure, table)``; the table has the measured
    mean and median norm of each and the analytic mean (:func:`advai.latent.analytic.gaussian_norm_mean`)."""
    gauss = get_prior("gaussian")
    fig, axes = plotting.grid(1, len(dims), size=3.0)
    rows = []
    for ax, d in zip(axes[0], dims):
        z1, z2, ref = (gauss.sample(n, d, gen) for _ in range(3))
        norms = {"prior": ref.norm(dim=1),
                 **{m: interpolate(z1, z2, 0.5, method=m, prior="gaussian").norm(dim=1) for m in methods}}
        top = float(np.quantile(torch.cat(list(norms.values())).numpy(), 0.99))
        for key, r in norms.items():
            style = dict(histtype="stepfilled", alpha=0.35, lw=0) if key == "prior" else dict(histtype="step", lw=1.3)
            ax.hist(r.numpy(), bins=80, range=(0, top), density=True, color=plotting.PALETTE[key],
                    label=plotting.LABELS[key], **style)
        r = np.linspace(0, top, 400)
        for al, key in [(0.0, "prior"), (0.5, "linear")]:
            ax.plot(r, analytic.gaussian_norm_pdf(r, d, al), "--", color="k" if key == "prior" else plotting.PALETTE[key],
                    lw=1, label=f"analytic {plotting.LABELS[key]}")
        ax.set(title=f"Gaussian, d={d}: norms at $\\alpha$=0.5", xlabel=r"norm $\|z\|$", ylabel="density", xlim=(0, top))
        rows += [{"d": d, "which": plotting.LABELS[k], "measured mean norm": float(v.mean()),
                  "measured median norm": float(v.median()),
                  "analytic mean norm": float(analytic.gaussian_norm_mean(d, 0.5 if k == "linear" else 0.0))
                  if k in ("prior", "linear") else np.nan} for k, v in norms.items()]
    handles, labels = axes[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=len(labels))
    return fig, pd.DataFrame(rows)


def mismatch_by_dimension(priors, dims, methods, n: int, seed: int, draws: int) -> pd.DataFrame:
    """Energy distance between midpoints (alpha = 0.5) and the prior, averaged over ``draws`` draws
    (seeds ``seed..seed+draws-1``), and its ratio to the noise floor
    (:func:`advai.evaluate.mismatch.noise_floor`), per prior, dimension and method."""
    rows = []
    for name in priors:
        for d in dims:
            floor = mismatch.noise_floor(name, n, d, seed=seed, draws=draws)
            for m in methods:
                e = np.mean([mismatch.at_alpha(name, m, 0.5, n, d, seed=s) for s in range(seed, seed + draws)])
                rows.append({"prior": name, "d": d, "method": m, "energy": e, "floor": floor, "ratio": e / floor})
    return pd.DataFrame(rows)


def dimension_figure(by_dim: pd.DataFrame, methods, n: int):
    """fig-mismatch-dim from :func:`mismatch_by_dimension`: energy distance (top) and its ratio to
    the noise floor (bottom) against d, one column per prior, log axes."""
    priors = list(dict.fromkeys(by_dim.prior))
    fig, axes = plotting.grid(2, len(priors), size=3.0)
    for col, name in enumerate(priors):
        sub = by_dim[by_dim.prior == name]
        for m in methods:
            s = sub[sub.method == m]
            axes[0, col].plot(s.d, s.energy, "o-", ms=3, color=plotting.PALETTE[m], label=plotting.LABELS[m])
            axes[1, col].plot(s.d, s.ratio, "o-", ms=3, color=plotting.PALETTE[m])
        floor = sub.groupby("d").floor.first()
        axes[0, col].plot(floor.index, floor.values, "k:", lw=1, label="noise floor")
        axes[1, col].axhline(1, color="k", ls=":", lw=1)
        axes[0, col].set(xscale="log", yscale="log", title=f"{name}, $\\alpha$=0.5, n={n}",
                         xlabel="dimension d", ylabel="energy distance")
        axes[1, col].set(xscale="log", yscale="log", xlabel="dimension d", ylabel="ratio to noise floor")
    axes[0, 0].legend()
    return fig


def distribution_grid(models: dict, priors, methods, n: int, alpha_of, seed: int, title: str,
                      names: dict | None = None):
    """fig5: one row per prior of ``priors``, one column per entry of ``methods`` (``"prior"`` for
    prior samples, or an interpolation method; ``"advai"`` and ``"flow"`` use ``models[prior]``),
    each panel the 2-D density of ``n`` points; the interpolants at ``alpha_of(n, generator)``.
    OT-matched is shown only where it has a closed form (factorized priors). ``names``: row labels
    by prior key (default the keys)."""
    gen = torch.Generator().manual_seed(seed)
    fig, axes = plotting.grid(len(priors), len(methods), size=2.0)
    for row, key in zip(axes, priors):
        prior = get_prior(key)
        z1, z2, ref = (prior.sample(n, 2, gen) for _ in range(3))
        a = alpha_of(n, gen)
        sets = [ref if col == "prior" else None if col == "ot" and not prior.factorized else
                interpolate(z1, z2, a, method=col, prior=key, model=models[key]) for col in methods]
        plotting.density_row(fig, row, sets, plotting.PRIOR_LIMITS[key], label="density", missing="no closed form")
        row[0].set_ylabel((names or {}).get(key, key))
    for ax, col in zip(axes[0], methods):
        ax.set_title(plotting.LABELS[col])
    fig.suptitle(title)
    return fig


def paths_figure(models: dict, priors, n_paths: int, seed: int, steps: int = 41, shown: int = 6):
    """fig-advai-paths: per prior, ``shown`` LineIntp and AdvAI paths (``steps`` points from
    alpha 0 to 1) over prior samples, path points off the support marked. Returns ``(figure,
    share)``, ``share[prior][method]`` the fraction of the points of ``n_paths`` paths that lie
    off the support (farther than the prior's tolerance)."""
    fig, axes = plotting.grid(1, len(priors), size=2.9)
    alpha_path = torch.linspace(0, 1, steps)[:, None]
    gen = torch.Generator().manual_seed(seed)
    path_share = {}
    for ax, key in zip(axes[0], priors):
        prior = get_prior(key)
        plotting.cloud(ax, prior.sample(3000, 2, gen))
        e1, e2 = prior.sample(n_paths, 2, gen), prior.sample(n_paths, 2, gen)
        share = {}
        for method in ("linear", "advai"):
            paths = interpolate(e1[:, None], e2[:, None], alpha_path[None], method=method, model=models[key])
            off = (prior.distance_to_support(paths.reshape(-1, 2)) > prior.tolerance).reshape(paths.shape[:2])
            share[method] = float(off.double().mean())
            for i in range(shown):
                plotting.path(ax, paths[i], plotting.PALETTE[method], off=off[i])
        path_share[key] = share
        ax.set(xlim=plotting.PRIOR_LIMITS[key], ylim=plotting.PRIOR_LIMITS[key], aspect="equal", xticks=[], yticks=[],
               title=f"{key}\noff support: LineIntp {share['linear']:.0%}, AdvAI {share['advai']:.0%}")
        ax.title.set_fontsize(8.5)
    legend = [Line2D([], [], color=plotting.PALETTE["linear"], lw=1.6, label="LineIntp path"),
              Line2D([], [], color=plotting.PALETTE["advai"], lw=1.6, label="AdvAI path"),
              Line2D([], [], color="k", marker="o", ls="", ms=3, label="endpoints"),
              Line2D([], [], color="0.3", marker="x", ls="", ms=4, label="path point off the support"),
              Line2D([], [], color="0.7", marker="o", ls="", ms=3, label="prior samples")]
    fig.legend(handles=legend, loc="outside lower center", ncols=5)
    return fig, path_share
