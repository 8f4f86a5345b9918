"""Tables, tests, sentences and figures of the long profile (``scripts/advai_long.py``).

Everything here works on the per-fit table the script writes (``tab-advai-long-runs``: one row
per algorithm, prior, fit seed and budget, the measures of :func:`advai.study.long_runs.score`)
and its trace along training (``tab-advai-long-steps``), so notebook 2 and the README read the
same numbers from the committed tables without retraining.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from ..evaluate.summary import mean_and_interval, with_bh_adjusted
from ..files import project_root
from .long_runs import GOALS, NOTEBOOK2_SAMPLES

MEASURES = list(GOALS)
BUDGETS = ("notebook 2", "paper")
LINEAR = "LineIntp"


def committed(name: str, writer: str = "scripts/advai_long.py (the long profile)", folder=None) -> pd.DataFrame:
    """A script's table as committed in ``folder`` (default: the study's ``figures/``), read from
    ``<name>.csv``; a clear error naming ``writer``, the command that writes it, when it is missing."""
    path = (project_root() / "figures" if folder is None else Path(folder)) / f"{name}.csv"
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run {writer} to write it")
    return pd.read_csv(path)


def seeds_meeting_goals(rows: pd.DataFrame) -> list[int]:
    """The fit seeds of ``rows`` whose share left, off-support mass and balance all meet :data:`GOALS`."""
    ok = np.logical_and.reduce([rows[m] <= g for m, g in GOALS.items()])
    return sorted(int(s) for s in rows.loc[ok, "fit seed"])


def summary_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per algorithm, prior and budget: each measure's mean over fit seeds with its 95 % interval,
    the number of fits, which goals the mean meets (:data:`GOALS`) and which seeds meet all three."""
    table = mean_and_interval(runs, ["algorithm", "prior", "budget"], MEASURES)
    table = table.drop(columns=[c for c in table.columns if c.endswith("_std")]).rename(columns={"n": "fits"})
    met, seeds = [], []
    for _, r in table.iterrows():
        sub = runs[(runs.algorithm == r.algorithm) & (runs.prior == r.prior) & (runs.budget == r.budget)]
        hits = [m for m, g in GOALS.items() if r[m] <= g]
        met.append("all" if len(hits) == len(GOALS) else ", ".join(hits) or "none")
        s = seeds_meeting_goals(sub)
        seeds.append(", ".join(map(str, s)) or "none")
    table.insert(3, "samples", runs.groupby(["algorithm", "prior", "budget"], sort=False)["samples"].max().values)
    table["goals met by the mean"] = met
    table["seeds meeting all goals"] = seeds
    return table


def tests_table(runs: pd.DataFrame) -> pd.DataFrame:
    """The tests behind the verdict, p-values BH-adjusted over the whole table:

    * *budget*: for each algorithm and prior, the paper's budget minus notebook 2's, paired over
      fit seeds (the same fit at two points of its training; two-sided paired t-test);
    * *algorithm*: at the paper's budget, the authors' loop (as trained) minus the headline, and minus
      the port (the authors' settings in the study's loop), over independent fits (Welch's t-test)."""
    out = []
    trained = runs[runs.algorithm != LINEAR]
    for (alg, prior), sub in trained.groupby(["algorithm", "prior"], sort=False):
        wide = {m: sub.pivot(index="fit seed", columns="budget", values=m) for m in MEASURES}
        for m in MEASURES:
            d = (wide[m]["paper"] - wide[m]["notebook 2"]).dropna()
            p = stats.ttest_1samp(d, 0.0).pvalue if len(d) > 1 and d.std() > 0 else np.nan
            out.append({"test": "paper budget - notebook 2's (paired t)", "prior": prior, "a": alg,
                        "b": f"{alg} at notebook 2's budget", "measure": m, "mean a": sub.loc[sub.budget == "paper", m].mean(),
                        "mean b": sub.loc[sub.budget == "notebook 2", m].mean(), "difference": d.mean(), "p": p, "fits": len(d)})
    paper = trained[trained.budget == "paper"]
    algs = list(dict.fromkeys(paper.algorithm))
    authors = [a for a in algs if a.startswith("authors") and "as trained" in a]
    others = [a for a in algs if a.startswith("headline")] + [a for a in algs if "our factorized loop" in a]
    for prior in dict.fromkeys(paper.prior):
        for a, b in ((x, y) for x in authors for y in others):
            for m in MEASURES:
                xa, xb = (paper.loc[(paper.algorithm == g) & (paper.prior == prior), m] for g in (a, b))
                if xa.empty or xb.empty:
                    continue
                varies = min(len(xa), len(xb)) > 1 and max(xa.std(), xb.std()) > 0
                p = stats.ttest_ind(xa, xb, equal_var=False).pvalue if varies else np.nan
                out.append({"test": "authors' loop - other algorithm (Welch t)", "prior": prior, "a": a, "b": b, "measure": m,
                            "mean a": xa.mean(), "mean b": xb.mean(), "difference": xa.mean() - xb.mean(), "p": p,
                            "fits": min(len(xa), len(xb))})
    return with_bh_adjusted(pd.DataFrame(out))


def _seeds(listed: str) -> str:
    return listed if listed == "none" else ("fit seeds " if "," in listed else "fit seed ") + listed


def _pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def verdict(summary: pd.DataFrame, tests: pd.DataFrame, level: float = 0.05) -> list[str]:
    """One sentence per algorithm and prior at the paper's budget: its three measures (mean over
    fit seeds), the goals the mean meets, the seeds that meet all three, and what the budget changed
    (the paired tests at ``level``, BH-adjusted; "no difference shown" otherwise, "not tested" for one fit)."""
    lines = []
    lin = summary[summary.algorithm == LINEAR].set_index("prior")
    before = summary[summary.budget == "notebook 2"].set_index(["algorithm", "prior"])
    for _, r in summary[(summary.budget == "paper")].iterrows():
        moved = tests[(tests.test.str.startswith("paper budget")) & (tests.a == r.algorithm) & (tests.prior == r.prior)]
        change = []
        for _, t in moved.iterrows():
            word = "fell" if t.difference < 0 else "rose"
            shown = t["p (BH-adjusted)"] < level
            f = _pct if t.measure != "balance" else (lambda v: f"{v:.3f}")
            if t.fits <= 1:
                why = " (one fit: not tested)"
            else:
                why = f" ({word}, adj. p {t['p (BH-adjusted)']:.2g})" if shown else " (no difference shown)"
            change.append(f"{t.measure} {f(before.loc[(r.algorithm, r.prior), t.measure])} -> {f(r[t.measure])}{why}")
        ref = (f"; LineIntp: off support {_pct(lin.loc[r.prior, 'off support'])}, balance "
               f"{lin.loc[r.prior, 'balance']:.3f}") if r.prior in lin.index else ""
        lines.append(f"{r.algorithm}, {r.prior} ({int(r.fits)} fit{'s' * (r.fits != 1)}, {r.samples / 1e6:.3g} M samples each): share left "
                     f"{_pct(r['share left'])}, off support {_pct(r['off support'])}, balance {r['balance']:.3f}"
                     f"{ref}. Goals met by the mean: {r['goals met by the mean']}; fits meeting all three: "
                     f"{_seeds(r['seeds meeting all goals'])}. From notebook 2's budget: " + "; ".join(change) + ".")
    return lines


# --- figures -----------------------------------------------------------------------------------

def plot_traces(steps: pd.DataFrame, algorithm_labels, priors, title: str):
    """Share left, off-support mass and balance (columns) against prior samples seen (log axis),
    one row per prior, one colour per fit seed; a second label of ``algorithm_labels`` is drawn
    dotted. Notebook 2's budget is the dashed vertical line, the goals the dashed horizontal ones."""
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D

    from . import plotting
    fig, axes = plotting.grid(len(priors), len(MEASURES), size=2.5)
    seeds = sorted(steps["fit seed"].unique())
    colours = dict(zip(seeds, plt.get_cmap("tab10").colors))
    styles = dict(zip(algorithm_labels, ("-", ":")))
    for row, prior in zip(axes, priors):
        for ax, m in zip(row, MEASURES):
            for (alg, seed), d in steps[(steps.prior == prior) & steps.algorithm.isin(algorithm_labels)
                                        & (steps.samples > 0)].groupby(["algorithm", "fit seed"], sort=False):
                ax.plot(d.samples, d[m], color=colours[seed], ls=styles[alg], lw=1.1)
            ax.axvline(NOTEBOOK2_SAMPLES, color="0.3", ls="--", lw=0.9)
            ax.axhline(GOALS[m], color="0.5", ls="--", lw=0.9)
            ax.set_xscale("log")
            if m == "share left":
                ax.set_yscale("symlog", linthresh=0.01)
            ax.set(xlabel="prior samples seen", ylabel=f"{prior}: {m}" if m == MEASURES[0] else m)
    for ax, m in zip(axes[0], MEASURES):
        ax.set_title({"share left": "share of LineIntp's mismatch left", "off support": "off-support mass",
                      "balance": "balance (TV over modes)"}[m], fontsize=9)
    handles = [Line2D([], [], color=colours[s], label=f"fit seed {s}") for s in seeds]
    handles += [Line2D([], [], color="k", ls=styles[a], label=a) for a in algorithm_labels]
    handles += [Line2D([], [], color="0.3", ls="--", label="notebook 2's budget (0.77 M) / goal")]
    fig.legend(handles=handles, loc="outside lower center", ncols=min(len(handles), 4))
    fig.suptitle(title, fontsize=10)
    return fig


def density_grid(columns: dict, priors, n: int, seed: int = 0, title: str = ""):
    """fig5's layout for the gapped priors: one row per prior, one column per entry of ``columns``
    (label -> ``f(prior, z1, z2)`` returning codes, or ``None`` from ``f`` where that fit was not
    run; the entry ``None`` itself stands for the prior's own samples), every
    panel from the same ``n`` endpoint pairs at alpha = 0.5, one colour scale per row."""
    import torch

    from ..latent.priors import get_prior
    from . import plotting
    fig, axes = plotting.grid(len(priors), len(columns), size=1.9)
    for row, prior in zip(axes, priors):
        g = torch.Generator().manual_seed(int(seed))
        p = get_prior(prior)
        z1, z2, ref = p.sample(n, 2, g), p.sample(n, 2, g), p.sample(n, 2, g)
        sets = [ref if f is None else f(prior, z1, z2) for f in columns.values()]
        plotting.density_row(fig, row, sets, plotting.PRIOR_LIMITS[prior], label="density", missing="not run")
        row[0].set_ylabel(prior)
    for ax, label in zip(axes[0], columns):
        ax.set_title(label, fontsize=8.5)
    if title:
        fig.suptitle(title, fontsize=10)
    return fig
