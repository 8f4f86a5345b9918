"""The lines benchmark past notebook 3's time budget: AE and ACAI trained longer, 5 seeds.

    .venv/bin/python scripts/lines_long.py [--steps 4400] [--budgets 440,1100,2200,4400] [--seeds 5]

Notebook 3 has 45 minutes for every model and seed, so its lines models see 70k images;
ACAI's published models saw ~16.8 M. This script continues the learning curve for the two
models the acceptance compares (AE and ACAI, the profile ``LINES_LONG`` in
:mod:`advai.study.profiles`) with notebook 3's data, latent size, seeds and paths, and scores
snapshots of the same runs with ACAI's protocol. It writes, into ``figures/`` with manifest
entries of profile ``long`` (so they are told apart from ``make figures`` outputs):

* ``tab-lines-long``: mean distance and smoothness per model and budget (mean, 95 % interval, seeds),
  with the ratio of the mean distance to the published one (Berthelot et al. 2019, Table 1);
* ``tab-lines-long-tests``: ACAI minus AE per budget, paired over seeds (t-test, BH-adjusted);
* ``fig-lines-long``: both measures against training images.

Trained models go to the run cache (``runs/``) through the study's executor, as notebook 3's do
(:func:`advai.study.autoencoders.fit_autoencoders`): an interrupted run resumes. Its wall time is
recorded in ``figures/timings.json`` (and the timings table) under ``scripts/lines_long.py``,
and the README's quoted tables are refreshed. About 20 minutes on 2 CPU cores.
"""
import argparse
import time

import advai  # noqa: F401  (first: pins torch's kernels and NumPy's OpenBLAS before they load)

import matplotlib.pyplot as plt

from advai import data
from advai.evaluate import lines as lines_benchmark
from advai.evaluate.summary import mean_and_interval
from advai.files import cache_dir
from advai.models import LABELS
from advai.study import plotting
from advai.study.autoencoders import fit_autoencoders, lines_along_budgets, paired_at_each_budget
from advai.study.outputs import Run
from advai.study.profiles import LINES_LONG, resolve

NAME = "scripts/lines_long.py"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=LINES_LONG["steps"])
    ap.add_argument("--budgets", default=",".join(map(str, LINES_LONG["budgets"])),
                    help="comma-separated training steps to score (snapshots of the same runs)")
    ap.add_argument("--seeds", type=int, default=LINES_LONG["n_seeds"])
    ap.add_argument("--figures", default=None, help="output folder (default: the study's figures/)")
    args = ap.parse_args()
    budgets = tuple(sorted(int(b) for b in args.budgets.split(",")))
    if budgets[-1] != args.steps:
        raise SystemExit(f"the last budget ({budgets[-1]}) must be --steps ({args.steps})")
    P = {**resolve("03_advai_autoencoder", "paper"), **LINES_LONG, "steps": args.steps, "budgets": budgets,
         "n_seeds": args.seeds}
    P["profile"] = "long"
    run = Run(NAME, "long", 0, params=P, out_dir=args.figures)
    plotting.style()
    t0 = time.perf_counter()

    lines = data.load("lines", split_seed=0, n_lines=P["n_lines"])
    x1, x2 = lines_benchmark.path_pairs(lines.test[0], P["n_paths"], seed=0)  # notebook 3's pairs
    fitted = fit_autoencoders([(lines, name, s) for name in P["models"] for s in range(P["n_seeds"])], P,
                              {"cache": cache_dir(), "resume": True})  # through the study's executor
    rows = lines_along_budgets(fitted, P["models"], P["n_seeds"], budgets, x1, x2, P["n_path_steps"])

    table = mean_and_interval(rows, ["model", "training images"], ["mean_distance", "smoothness"])
    published = {k: v["mean_distance_e3"][0] * 1e-3 for k, v in lines_benchmark.PUBLISHED_TABLE1.items()}
    table["mean distance / published"] = table["mean_distance"] / table["model"].map(published)
    run.save_table(table, "tab-lines-long")
    a, b = LABELS["acai"], LABELS["ae"]
    tests = paired_at_each_budget(rows, [(a, b)], budgets)
    run.save_table(tests, "tab-lines-long-tests", float_format="%.3g")

    ceiling = lines_benchmark.smoothness_ceiling(P["n_path_steps"])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for ax, col, title in ((axes[0], "mean_distance", "lines: mean distance (lower is better)"),
                           (axes[1], "smoothness", "lines: smoothness (0 best)")):
        for name in P["models"]:
            c = table[(table.model == LABELS[name]) & table[col].notna()]
            ax.errorbar(c["training images"], c[col], yerr=c[col + "_ci"], marker="o", ms=3, capsize=2, label=LABELS[name])
            if col == "mean_distance" and LABELS[name] in published:
                ax.axhline(published[LABELS[name]], color=ax.lines[-1].get_color(), ls="--", lw=1,
                           label=f"{LABELS[name]}, published")
        ax.set(xscale="log", xlabel="training images", ylabel=col.replace("_", " "), title=title)
        ticks = sorted(table["training images"].unique())
        ax.set_xticks(ticks, [f"{t / 1000:g}k" for t in ticks])
        ax.xaxis.set_minor_locator(plt.NullLocator())
    axes[0].set_yscale("log")
    axes[1].axhline(ceiling, color="0.5", ls=":", label=f"ceiling {ceiling:.3f}")
    for ax in axes:
        ax.legend(fontsize=8.5)
    fig.suptitle(f"Long profile (scripts/lines_long.py): mean and 95 % interval over {P['n_seeds']} seeds", fontsize=10)
    run.savefig(fig, "fig-lines-long")
    run.finish_script(time.perf_counter() - t0, refresh_readme=args.figures is None)
    print(table.round(5).to_string(index=False))
    print(tests.round(5).to_string(index=False))


if __name__ == "__main__":
    main()
