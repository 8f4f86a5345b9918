"""Can R hold a known gap-free solution (nine discs, ring) at the study's own tolerance, and does AdvAI keep it?

    .venv/bin/python scripts/snap_capacity.py [--prior nine_discs|ring] [--fit-seeds 5] [--figures DIR]

Notebook 2 fits R by least squares to the *tournament snap* (``advai.analyses.known_solution``, an
exact, gap-free AdvAI solution of the nine discs) and starts AdvAI from that fit, one fit seed. Its
verdict on the network reads the share of midpoints more than 0.1 from every disc; at the off-support
goal's own tolerance (any distance) the same fit leaves a few percent just past the rims. This
script asks whether that is the network's limit or the regression's, over fit seeds 0..k-1, for three
regressions onto the snap (:func:`configs`): notebook 2's (the headline's 3x100 networks, 6,000 steps,
moving average 0.95), the same networks regressed four times longer with a slower moving average
(0.999), and networks twice as wide (3x200, R and D_R alike) regressed as long. From each regression,
AdvAI's adversarial training runs as notebook 2 runs it from the snap (the headline's settings,
``MULTIMODAL`` on the nine discs, 3,000 steps):
does the paper's objective keep what it is handed?

Every fit is scored at alpha = 0.5 on its fit seed's own evaluation draws
(``fit_seed_spread.evaluation_seeds``; fit seed 0 on notebook 2's, so its first configuration's
off-support columns are notebook 2's known-solution rows): the share of LineIntp's mismatch left
over ``n_share_draws`` draws, the off-support mass at the goal's tolerance and farther than 0.1,
and the nearest-neighbour classifier test's accuracy, at n = 4,000 a side. It writes, into
``figures/`` (manifest profile ``snap-capacity``):

* ``tab-advai-snap-capacity-runs``: one row per configuration, training and fit seed;
* ``tab-advai-snap-capacity``: per configuration and training, the mean over fit seeds with its 95 %
  Student-t half-width, the fits meeting the off-support goal (<= 1 %) with a two-sided one-sample
  t-test of the fits' off-support mass against it, and for the adversarial rows the change from the
  regression it started from with a paired two-sided t-test.

``--prior ring`` asks the same of the ring (``advai.analyses.known_solution.ring_snap``: an exact
solution between jumps at alpha = 1/4 and 3/4, continuous in the endpoints at alpha = 1/2) with the
ring's headline networks (``DEFAULTS``: 3x100, codes scaled by 10), regressed as notebook 2 regresses
the nine discs and as the wide row, into ``tab-advai-snap-capacity-ring(-runs)``.

Fits run side by side, one torch thread each, through the study's executor
(:func:`advai.study.parallel.run_fits`; ``$ADVAI_SCHEDULER`` sends them to a Dask cluster): first
every regression onto the snap, then the adversarial fits started from them; into the run cache
(``runs/``); about 25 minutes on 2 CPU cores from an empty cache (the ring: 20).
"""
import argparse
import time

import advai  # noqa: F401  (first: pins torch's kernels and NumPy's OpenBLAS before they load)

import numpy as np
import pandas as pd
from scipy import stats

from advai.evaluate import mismatch
from advai.evaluate.summary import mean_and_interval
from advai.files import cache_dir
from advai.latent.advai_model import DEFAULTS
from advai.analyses.known_solution import fit_from_snap, fit_snap, snap_training
from advai.study import profiles
from advai.study.fit_seeds import evaluation_seeds  # each fit seed's own evaluation draws
from advai.study.parallel import run_fits
from advai.study.outputs import Run

NAME = "scripts/snap_capacity.py"
PRIORS = ("nine_discs", "ring")
FAR = 0.1  # notebook 2's "deep in a gap" distance
GOAL = 0.01  # off-support goal at alpha = 0.5
LEAST_SQUARES, ADVERSARIAL = "least squares onto the snap", "adversarial from that fit"
MEASURES = ["share left", "off support", "off support > 0.1", "classifier accuracy n=4000"]


def configs(P: dict, prior: str = "nine_discs") -> dict:
    """``{label: (network settings, regression steps, snap_train)}``: notebook 2's regression, the
    same networks regressed longer with a slower moving average (nine discs only), and networks
    twice as wide regressed as long."""
    long = {"ema": 0.999}
    rows = [({}, P["snap_steps"], {}), ({}, 24_000, long), ({"hidden": 200}, 24_000, long)]
    if prior == "ring":
        rows = rows[::2]
    out = {}
    for net, steps, train in rows:
        hp = {**DEFAULTS, **net}  # the headline's sizes unless the row widens them
        label = (f"{hp['layers']}x{hp['hidden']}, {steps:,} steps, EMA {snap_training(train)['ema']:g}"
                 + (" (notebook 2)" if prior == "nine_discs" and steps == P["snap_steps"] and not net else ""))
        out[label] = (net, steps, train)
    return out


def score(P: dict, model, fit_seed: int, prior: str = "nine_discs") -> dict:
    """The known-solution table's measures of one fit at alpha = 0.5 on ``fit_seed``'s own draws,
    the share left over ``n_share_draws`` draws with its standard error."""
    share, se = mismatch.share_left_with_se(mismatch.share_left_draws(
        prior, "advai", 2, model, n=P["n_table"], seeds=evaluation_seeds(P["n_share_draws"], fit_seed)))
    r = mismatch.summarize(prior, "advai", 2, n=P["n_table"], seeds=evaluation_seeds(P["n_seeds"], fit_seed),
                           model=model, n_permutations=0, with_mmd=False, far=FAR, classifier=True)
    return {"share left": share, "share left se": se, "off support": r["off_support"],
            "off support > 0.1": r["off_support_far"], "classifier accuracy n=4000": r["c2st_accuracy"]}


def summarize_runs(runs: pd.DataFrame) -> pd.DataFrame:
    """Per configuration and training: means with 95 % half-widths over fit seeds, the fits meeting
    the off-support goal and a one-sample t-test against it; for the adversarial rows, the mean
    change in off-support mass from the regression each started from and its paired t-test."""
    by = ["configuration", "training"]
    table = mean_and_interval(runs, by, MEASURES)
    table = table.drop(columns=[c for c in table.columns if c.endswith("_std")]).rename(columns={"n": "fits"})
    groups = runs.groupby(by, sort=False)
    table["fits meeting off-support goal"] = groups["off support"].apply(lambda x: int((x <= GOAL).sum())).values
    table["off support vs goal p"] = groups["off support"].apply(lambda x: stats.ttest_1samp(x, GOAL).pvalue).values
    change, paired = [], []
    for conf, training in zip(table["configuration"], table["training"]):
        if training != ADVERSARIAL:
            change.append(np.nan), paired.append(np.nan)
            continue
        pick = runs[runs["configuration"] == conf].pivot(index="fit seed", columns="training", values="off support")
        change.append((pick[ADVERSARIAL] - pick[LEAST_SQUARES]).mean())
        paired.append(stats.ttest_rel(pick[ADVERSARIAL], pick[LEAST_SQUARES]).pvalue)
    table["off support change from its start"], table["change paired p"] = change, paired
    order = ["configuration", "training", "fits"] + [c for m in MEASURES for c in (m, f"{m}_ci")] + [
        "fits meeting off-support goal", "off support vs goal p", "off support change from its start", "change paired p"]
    return table[order]


def _labelled(jobs: dict) -> dict:
    return {f"{label} | fit seed {s}": kw for (label, s), kw in jobs.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--prior", default="nine_discs", choices=PRIORS)
    ap.add_argument("--fit-seeds", type=int, default=5)
    ap.add_argument("--figures", default=None, help="output folder (default: the study's figures/)")
    args = ap.parse_args()
    if args.fit_seeds < 2:
        raise SystemExit("--fit-seeds must be at least 2 (an interval needs two fits)")
    P = {**profiles.resolve("02_train_advai", "paper"), "profile": "snap-capacity", "fit_seeds": args.fit_seeds}
    prior = args.prior
    extra = profiles.ADVAI_FITS[prior][3]  # the headline's settings (nine discs: MULTIMODAL, as notebook 2's)
    name, tables = ((NAME, "tab-advai-snap-capacity") if prior == "nine_discs"
                    else (f"{NAME} --prior {prior}", f"tab-advai-snap-capacity-{prior}"))
    run = Run(name, "snap-capacity", 0, params={**P, "prior": prior}, out_dir=args.figures)
    t0 = time.perf_counter()
    snaps = {(label, s): dict(steps=snap_steps, seed=s, snap_train=train, prior=prior, **extra, **net)
             for label, (net, snap_steps, train) in configs(P, prior).items() for s in range(args.fit_seeds)}
    adversarial = {key: dict(kw, objective="adversarial", steps=P["steps"]["default"], snap_steps=kw["steps"])
                   for key, kw in snaps.items()}
    # two batches through the executor: the regressions, then the adversarial fits started from them
    fitted = {LEAST_SQUARES: run_fits(_labelled(snaps), cache=cache_dir(), fit=fit_snap),
              ADVERSARIAL: run_fits(_labelled(adversarial), cache=cache_dir(), fit=fit_from_snap)}
    rows = []
    for label, s in snaps:
        for training in (LEAST_SQUARES, ADVERSARIAL):
            model = fitted[training][f"{label} | fit seed {s}"]
            rows.append({"configuration": label, "training": training, "fit seed": s, **score(P, model, s, prior)})
            print(f"{label} | {training} | fit seed {s}: "
                  + ", ".join(f"{m} {rows[-1][m]:.4f}" for m in MEASURES), flush=True)
    runs = pd.DataFrame(rows)
    run.save_table(runs, f"{tables}-runs", float_format="%.6g")
    table = summarize_runs(runs)
    run.save_table(table, tables)
    run.finish_script(time.perf_counter() - t0, refresh_readme=args.figures is None)
    print(table.round(4).to_string(index=False))


if __name__ == "__main__":
    main()
