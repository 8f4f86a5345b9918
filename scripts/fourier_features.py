"""AdvAI with Fourier input features for R, over fit seeds, against notebook 2's headline fits.

    .venv/bin/python scripts/fourier_features.py [--sigma 2] [--features 32] [--fit-seeds 5]

Issue 10 asks whether input features that let R make steep maps bring the multimodal priors'
midpoints back onto the support. This script trains :func:`advai.analyses.fourier.fit_fourier` (R's
encoder sees ``[z, sin(zB), cos(zB)]``, B ~ N(0, sigma^2), everything else the headline's AdvAI)
on every prior notebook 2 fits with the ``MULTIMODAL`` setting (nine discs, two discs, two rings),
fit seeds 0..k-1, the notebook's steps, and scores each fit exactly as ``scripts/fit_seed_spread.py``
scores the headline's fits (same function, on the same evaluation draws per fit seed: share of
LineIntp's mismatch left, off-support mass, pass rates, classifier test). It writes, into ``figures/`` (manifest profile ``fourier``):

* ``tab-advai-fourier-runs``: one row per prior and fit seed;
* ``tab-advai-fourier``: per prior and measure, the headline's mean over the same fit seeds (from
  ``tab-advai-fit-seeds-runs``, run that script first) and the Fourier fits' mean, each with its 95 %
  Student-t half-width, the difference and the two-sided Welch t-test p-value, also adjusted over
  every test of the table by Benjamini-Hochberg.

Fits train side by side, one torch thread each, through the study's executor
(:func:`advai.study.parallel.run_fits`; ``$ADVAI_SCHEDULER`` sends them to a Dask cluster), into
the run cache (``runs/``); about 10 minutes on 2 CPU cores.
"""
import argparse
import time
from pathlib import Path

import advai  # noqa: F401  (first: pins torch's kernels and NumPy's OpenBLAS before they load)

import numpy as np
import pandas as pd
from scipy import stats

from advai.evaluate.summary import mean_and_interval
from advai.files import cache_dir
from advai.analyses.fourier import fit_fourier
from advai.study import profiles
from advai.study.fit_seeds import score  # notebook 2's scoring of one fit
from advai.study.parallel import run_fits
from advai.study.outputs import Run

NAME = "scripts/fourier_features.py"
PRIORS = [k for k, (_, _, mode, extra) in profiles.ADVAI_FITS.items() if mode == "joint" and extra == profiles.MULTIMODAL]
COMPARED = ["share left", "off support", "classifier accuracy n=4000", "classifier pass rate n=1000"]


def compare(fourier: pd.DataFrame, headline: pd.DataFrame) -> pd.DataFrame:
    """Per prior and measure of :data:`COMPARED`: both means with 95 % half-widths, the difference
    (Fourier - headline) and Welch's two-sided t-test p-value (and Benjamini-Hochberg-adjusted over
    the table's tests), over the fit seeds of ``fourier``."""
    seeds = sorted(set(fourier["fit seed"]))
    headline = headline[headline["prior"].isin(fourier["prior"].unique()) & headline["fit seed"].isin(seeds)]
    rows = []
    for label, runs in (("headline", headline), ("Fourier", fourier)):
        t = mean_and_interval(runs, ["prior"], COMPARED).set_index("prior")
        rows.append(t.rename(columns=lambda c: f"{label} {c}"))
    both = rows[0].join(rows[1], how="inner")
    out = []
    for prior in both.index:
        a = headline[headline["prior"] == prior]
        b = fourier[fourier["prior"] == prior]
        for m in COMPARED:
            p = stats.ttest_ind(b[m], a[m], equal_var=False).pvalue if a[m].std() + b[m].std() > 0 else np.nan
            out.append({"prior": prior, "measure": m, "fits": len(b),
                        "headline": both.loc[prior, f"headline {m}"], "headline_ci": both.loc[prior, f"headline {m}_ci"],
                        "Fourier": both.loc[prior, f"Fourier {m}"], "Fourier_ci": both.loc[prior, f"Fourier {m}_ci"],
                        "difference": both.loc[prior, f"Fourier {m}"] - both.loc[prior, f"headline {m}"],
                        "Welch p": float(p)})
    table = pd.DataFrame(out)
    table["Welch p (BH-adjusted)"] = np.nan  # over every test of the table (NaN: no spread, no test)
    finite = table["Welch p"].notna()
    table.loc[finite, "Welch p (BH-adjusted)"] = stats.false_discovery_control(table.loc[finite, "Welch p"].to_numpy())
    return table


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sigma", type=float, default=2.0)
    ap.add_argument("--features", type=int, default=32)
    ap.add_argument("--fit-seeds", type=int, default=5)
    ap.add_argument("--figures", default=None, help="output folder (default: the study's figures/)")
    args = ap.parse_args()
    if args.fit_seeds < 2:
        raise SystemExit("--fit-seeds must be at least 2 (an interval needs two fits)")
    P = {**profiles.resolve("02_train_advai", "paper"), "profile": "fourier", "fit_seeds": args.fit_seeds,
         "sigma": args.sigma, "features": args.features}
    run = Run(NAME, "fourier", 0, params=P, out_dir=args.figures)
    headline_path = Path(run.out) / "tab-advai-fit-seeds-runs.csv"
    if not headline_path.exists():
        raise SystemExit(f"{headline_path} is missing: run scripts/fit_seed_spread.py first")
    t0 = time.perf_counter()
    jobs = {(key, s): dict(sampler=profiles.ADVAI_FITS[key][0], dim=profiles.ADVAI_FITS[key][1], sigma=args.sigma,
                           features=args.features, steps=P["steps"]["default"], seed=s, **profiles.ADVAI_FITS[key][3])
            for key in PRIORS for s in range(args.fit_seeds)}
    fitted = run_fits({f"{key} seed {s}": kw for (key, s), kw in jobs.items()}, cache=cache_dir(), fit=fit_fourier)
    rows = []
    for key, s in jobs:
        rows.append({"prior": key, "fit seed": s, **score(P, key, fitted[f"{key} seed {s}"], s)})
        print(f"{key:11s} fit seed {s}: " + ", ".join(f"{m} {rows[-1][m]:.4f}" for m in COMPARED), flush=True)
    runs = pd.DataFrame(rows)
    run.save_table(runs, "tab-advai-fourier-runs", float_format="%.6g")
    table = compare(runs, pd.read_csv(headline_path))
    run.save_table(table, "tab-advai-fourier")
    run.finish_script(time.perf_counter() - t0, refresh_readme=args.figures is None)
    print(table.round(4).to_string(index=False))


if __name__ == "__main__":
    main()
