"""The flow-matched interpolator on every prior of the study, beside AdvAI: is the adversary needed?

    .venv/bin/python scripts/flow_priors.py [--priors uniform,ring] [--fit-seeds 5] [--steps 5000]
                                            [--no-bridges] [--figures DIR]

Fits :func:`advai.fit_flow` (the library's defaults; the 64-d Gaussian's lighter settings in
``advai.study.profiles.FLOW_FITS``) to every prior of notebook 2
(``advai.study.profiles.ADVAI_FITS``: uniform, Gaussian, ring, nine discs, 3-D surface, 64-d
Gaussian, and the held-out two discs and two rings) with fit seeds 0..k-1, and scores each fit
exactly as ``scripts/fit_seed_spread.py`` scores AdvAI's (:func:`advai.study.fit_seeds.score`:
the share of LineIntp's mismatch left over 20 draws of 4,000 pairs, the off-support mass at
alpha 0.5 and averaged over alpha, the energy and classifier tests' pass rates), on the *same
evaluation draws* (they depend on the fit seed only), so flow and AdvAI fit seed k are compared
on the same pairs: a paired test over fit seeds. It adds what only the flow has: the off-support
mass of the flow's own samples (midpoints should inherit it), the endpoint error
max |f(z1, z2, 0) - z1|, |f(z1, z2, 1) - z2| before :func:`advai.interpolate` pins them, and the
fit's wall time; and, on the four 2-D priors of the paper-budget study, the measures of
``scripts/advai_long.py`` (:func:`advai.study.long_runs.score`: balance included). Tables
(manifest profile ``flow``):

* ``tab-flow-runs``: one row per prior and fit seed;
* ``tab-flow``: per prior, mean and 95 % interval over fit seeds and the fits meeting each goal
  (as ``tab-advai-fit-seeds``), with own off-support, endpoint error and fit time;
* ``tab-flow-vs-advai``: flow minus AdvAI per prior and measure, paired over fit seeds, against
  notebook 2's budget (``tab-advai-fit-seeds-runs``) and the paper's (``tab-advai-long-runs``,
  notebook 2's setting), BH-adjusted over the table; AdvAI's fit time beside the flow's;
* ``tab-flow-bridges`` (unless ``--no-bridges``): nine discs, fit seed 0, off-support mass of
  the flow's samples and midpoints against the number of flow layers, spline bins and training
  samples, one setting varied at a time from the defaults;
* ``fig-flow``: share left and off support per prior, flow beside AdvAI, every fit seed drawn.

Fits train two at a time, one torch thread each (:func:`advai.study.parallel.run_fits`), into
the run cache (``runs/``): an interrupted run resumes. AdvAI's numbers are read from the
committed tables, not retrained.
"""
import argparse
import time

import advai  # noqa: F401  (first: pins torch's kernels and NumPy's OpenBLAS before they load)

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import torch

from advai.evaluate import mismatch
from advai.evaluate.summary import mean_and_interval, paired_tests, with_bh_adjusted
from advai.files import cache_dir
from advai.latent.flow import FLOW_DEFAULTS, fit_flow
from advai.latent.priors import get_prior
from advai.study import long_runs, plotting, profiles
from advai.study.fit_seeds import MEASURES, evaluation_seeds, goals, score
from advai.study.outputs import Run, figures_dir
from advai.study.parallel import run_fits

NAME = "scripts/flow_priors.py"
PRIOR_NAMES = {"uniform": "uniform", "gaussian": "Gaussian", "ring": "ring", "nine_discs": "nine discs",
               "surface": "3-D surface", "gaussian_d64": "64-d Gaussian", "two_discs": "two discs (held out)",
               "two_rings": "two rings (held out)"}
#: One setting varied at a time from the defaults on the nine discs (deliverable: where the flow breaks).
BRIDGES = [("flow layers", "transforms", (1, 2, 4, 8)), ("spline bins", "bins", (8, 16, 32, 64)),
           ("training samples", "steps", (1250, 2500, 5000, 10000))]


def endpoint_error(model, prior: str, dim: int, seed: int) -> float:
    """max |f(z1, z2, 0) - z1|, |f(z1, z2, 1) - z2| over 4,000 pairs, before any pinning."""
    g = torch.Generator().manual_seed(80_000 + seed)
    p = get_prior(prior)
    z1, z2 = p.sample(4000, dim, g), p.sample(4000, dim, g)
    return float(max((model(z1, z2, 0.0) - z1).abs().max(), (model(z1, z2, 1.0) - z2).abs().max()))


def own_off_support(model, prior: str, n: int, seed: int) -> float:
    return mismatch.off_support_mass(prior, model.flow.sample(n, torch.Generator().manual_seed(70_000 + seed)))


def bridges(steps: int) -> pd.DataFrame:
    """tab-flow-bridges: nine discs, fit seed 0, one setting varied at a time."""
    jobs = {}
    for what, key, values in BRIDGES:
        for v in values:
            jobs[(what, v)] = dict(sampler="nine_discs", dim=2, seed=0, **{"steps": steps, key: v})
    models = run_fits(jobs, cache=cache_dir(), fit=fit_flow)
    g = torch.Generator().manual_seed(90_000)
    z1, z2 = get_prior("nine_discs").sample(20_000, 2, g), get_prior("nine_discs").sample(20_000, 2, g)
    rows = []
    for (what, v), m in models.items():
        samples = m.meta["steps"] * m.meta["train"]["batch_size"]
        rows.append({"varied": what, "value": v, "training samples": samples,
                     "off support (flow samples)": own_off_support(m, "nine_discs", 20_000, 0),
                     "off support (midpoints)": mismatch.off_support_mass("nine_discs", m(z1, z2, 0.5)),
                     "fit seconds": m.meta["fit_seconds"]})
    return pd.DataFrame(rows)


def against_advai(runs: pd.DataFrame, long_rows: pd.DataFrame, figures) -> pd.DataFrame:
    """tab-flow-vs-advai: flow minus AdvAI, paired over fit seeds, at both of AdvAI's budgets."""
    nb2 = pd.read_csv(figures / "tab-advai-fit-seeds-runs.csv")
    long = pd.read_csv(figures / "tab-advai-long-runs.csv")
    long = long[(long["algorithm"] == "headline (notebook 2's setting)") & (long["budget"] == "paper")]
    out = []
    for budget, advai_rows, flow_rows, measures in (
            ("notebook 2", nb2, runs, ["share left", "off support"]),
            ("paper", long, long_rows, ["share left", "off support", "balance"])):
        for key in sorted(set(flow_rows["prior"]) & set(advai_rows["prior"]), key=list(PRIOR_NAMES).index):
            both = pd.concat([advai_rows[advai_rows["prior"] == key].assign(model="AdvAI"),
                              flow_rows[flow_rows["prior"] == key].assign(model="flow")])
            both = both[["model", "fit seed"] + measures]
            if both.groupby("model")["fit seed"].nunique().min() < 2:
                continue  # a paired test needs two fit seeds on both sides
            t = paired_tests(both, [("flow", "AdvAI")], measures, unit="fit seed")
            out.append(t.assign(prior=PRIOR_NAMES[key], **{"AdvAI's budget": budget}))
    return with_bh_adjusted(pd.concat(out, ignore_index=True))  # adjusted over the whole table


def figure(runs: pd.DataFrame, figures):
    nb2 = pd.read_csv(figures / "tab-advai-fit-seeds-runs.csv")
    keys = [k for k in PRIOR_NAMES if k in set(runs["prior"])]
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6), layout="constrained")
    for ax, col, title in ((axes[0], "share left", "share of LineIntp's mismatch left (lower is better)"),
                           (axes[1], "off support", "midpoints off the support (lower is better)")):
        for j, (label, rows, colour) in enumerate((("AdvAI (notebook 2's budget)", nb2, "C1"), ("flow", runs, "C0"))):
            for i, k in enumerate(keys):
                v = rows.loc[rows["prior"] == k, col].to_numpy()
                ax.plot(np.full(len(v), i + (j - 0.5) * 0.3), v, "o", ms=4, color=colour, alpha=0.8,
                        label=label if i == 0 else None)
        ax.axhline(0.01, color="0.4", ls="--", lw=1, label="goal (1 %)")
        ax.set_yscale("symlog", linthresh=0.01)
        ax.set_xticks(range(len(keys)), [PRIOR_NAMES[k] for k in keys], rotation=35, ha="right")
        ax.set(title=title, ylabel=col + " at alpha 0.5 (symlog)")
        ax.legend(fontsize=8)
    fig.suptitle("Flow-matched interpolation beside AdvAI, every fit seed (same evaluation draws)", fontsize=10)
    return fig


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--priors", default=",".join(profiles.ADVAI_FITS), help="comma-separated keys of ADVAI_FITS")
    ap.add_argument("--fit-seeds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=5000, help="training steps a fit (batch %d)" % FLOW_DEFAULTS["batch_size"])
    ap.add_argument("--no-bridges", action="store_true", help="skip tab-flow-bridges (nine extra fits)")
    ap.add_argument("--figures", default=None, help="output folder (default: the study's figures/)")
    ap.add_argument("--quick", action="store_true", help="notebook 2's quick evaluation sizes: a check")
    args = ap.parse_args(argv)
    keys = args.priors.split(",")
    unknown = sorted(set(keys) - set(profiles.ADVAI_FITS))
    if unknown or args.fit_seeds < 2:
        raise SystemExit(f"unknown priors {unknown} (choose from {list(profiles.ADVAI_FITS)})" if unknown
                         else "--fit-seeds must be at least 2 (an interval needs two fits)")
    P = {**profiles.resolve("02_train_advai", "quick" if args.quick else "paper"), "profile": "flow",
         "fit_seeds": args.fit_seeds, "flow_steps": args.steps, "flow": FLOW_DEFAULTS, "flow_fits": profiles.FLOW_FITS}
    L = profiles.ADVAI_LONG_QUICK if args.quick else profiles.ADVAI_LONG
    run = Run(NAME, "flow", 0, params=P, out_dir=args.figures)
    plotting.style()
    t0 = time.perf_counter()

    models = run_fits(profiles.flow_jobs(keys, args.fit_seeds, args.steps), cache=cache_dir(), fit=fit_flow)
    rows, long_rows = [], []
    for key in keys:
        prior, dim = profiles.ADVAI_FITS[key][:2]
        for s in range(args.fit_seeds):
            m = models[(key, s)]
            small = mismatch.summarize(prior, "linear", dim, n=P["n_small"], n_permutations=0, with_mmd=False,
                                       seeds=[1000 + e for e in evaluation_seeds(P["n_seeds"], s)], classifier=True)
            rows.append({"prior": key, "fit seed": s, **score(P, key, m, s, method="flow"),
                         "LineIntp classifier pass rate n=1000": small["c2st_pass_rate"],
                         "off support (flow samples)": own_off_support(m, prior, P["n_table"], s),
                         "endpoint error": endpoint_error(m, prior, dim, s), "fit seconds": m.meta["fit_seconds"]})
            if key in L["priors"]:
                long_rows.append({"prior": key, "fit seed": s, **long_runs.score(prior, m, s, L, method="flow")})
            print(f"{key:13s} fit seed {s}: " + ", ".join(f"{c} {rows[-1][c]:.4g}" for c in
                  MEASURES[:3] + ["off support (flow samples)", "endpoint error", "fit seconds"]), flush=True)
    runs = pd.DataFrame(rows)
    run.save_table(runs, "tab-flow-runs", float_format="%.6g")
    extra = mean_and_interval(runs, ["prior"], ["off support (flow samples)", "fit seconds"])
    table = goals(runs).merge(extra.drop(columns=[c for c in extra.columns if c.endswith("_std") or c == "n"]),
                              on="prior")
    table["endpoint error max"] = runs.groupby("prior", sort=False)["endpoint error"].max().values
    run.save_table(table, "tab-flow")
    versus = against_advai(runs, pd.DataFrame(long_rows), figures_dir(None))
    timings = advai_fit_seconds()
    versus["AdvAI fit seconds (paper budget, mean)"] = versus["prior"].map(timings)
    versus["flow fit seconds (mean)"] = versus["prior"].map(
        {PRIOR_NAMES[k]: v for k, v in runs.groupby("prior")["fit seconds"].mean().items()})
    run.save_table(versus, "tab-flow-vs-advai", float_format="%.3g")
    if not args.no_bridges:
        run.save_table(bridges(args.steps), "tab-flow-bridges")
    run.savefig(figure(runs, figures_dir(None)), "fig-flow")
    run.finish_script(time.perf_counter() - t0, refresh_readme=args.figures is None)
    print(table.round(4).to_string(index=False))
    print(versus.round(4).to_string(index=False))


def advai_fit_seconds() -> dict:
    """AdvAI's paper-budget fit time per prior (notebook 2's setting, mean over its fits), from the
    wall times ``scripts/advai_long.py`` recorded in ``figures/timings.json``."""
    import json
    fits = json.loads((figures_dir(None) / "timings.json").read_text()).get("scripts/advai_long.py", {}).get("fit_s", {})
    by = {}
    for name, s in fits.items():
        algorithm, prior, _ = name.split("/")
        if algorithm == "headline":
            by.setdefault(PRIOR_NAMES[prior], []).append(s)
    return {k: float(np.mean(v)) for k, v in by.items()}


if __name__ == "__main__":
    main()
