"""The autoencoder half along a budget curve: AE, ACAI, AAE and AdvAI-AE on ACAI's lines, trained
to 2^20 images (the paper's 2^24 with ``--max-log2 24``, a GPU run), scored at every power of two.

    .venv/bin/python scripts/image_budget.py [--max-log2 20] [--min-log2 14] [--seeds 3]
                                             [--device cpu|cuda] [--figures DIR]

Notebook 3's models see 70,400 images (the paper's 2^24 = 16,777,216 is 238 times more), and R
is warmed up on 64,000 prior samples (the authors: 2,097,152). This command trains every model
(profile ``IMAGE_BUDGET`` in :mod:`advai.study.profiles`: 3 seeds, notebook 3's data, latent size
and paths) once to the largest budget, R warmed up on the authors' 2,097,152 samples, and scores
snapshots of the same run at 2^min_log2, ..., 2^max_log2 images with the lines benchmark. It
writes, with manifest entries of profile ``image-budget``:

* ``tab-image-budget``: mean distance and smoothness per model and budget (mean, 95 % interval);
* ``tab-image-budget-tests``: AdvAI-AE against AE, ACAI and AAE, and ACAI against AE, paired over
  seeds at every budget (t-test, BH-adjusted over the table);
* ``fig-image-budget``: both measures against training images.

Runs go to the run cache through the study's executor, checkpointed: an interrupted command
resumes where it stopped, and a finished budget is read back. ``--device cuda`` trains on a GPU
(the device joins each run's identity). Cost on the 2-core CPU: ``scripts/bench_autoencoders.py``
prints each model's images/s; at 2^20 images AE, AAE and ACAI take minutes to a quarter of an hour a
fit and AdvAI-AE about half an hour, before its warm-up.
"""
import argparse
import math
import os
import time

import advai  # noqa: F401  (first: pins torch's kernels and NumPy's OpenBLAS before they load)

import matplotlib.pyplot as plt
import pandas as pd

from advai import data
from advai.evaluate import lines as lines_benchmark
from advai.evaluate.summary import mean_and_interval
from advai.files import cache_dir
from advai.models import LABELS, TRAIN
from advai.study import plotting
from advai.study.autoencoders import fit_autoencoders, lines_along_budgets, paired_at_each_budget
from advai.study.outputs import Run
from advai.study.profiles import IMAGE_BUDGET, resolve
from advai.train import resolve_device

NAME = "scripts/image_budget.py"


def settings(min_log2: int, max_log2: int, seeds: int, quick: bool = False) -> dict:
    """The run's settings: notebook 3's profile (``quick``: its quick one) with the curve's steps,
    budgets (every power of two of images from 2^min_log2 to 2^max_log2, as steps of batch 64)
    and R's warm-up in steps of batch 64."""
    batch = TRAIN["batch_size"]
    if not 0 <= min_log2 <= max_log2 or 2**min_log2 < batch:
        raise SystemExit(f"need 2^min_log2 >= the batch size {batch} and min_log2 <= max_log2, "
                         f"got {min_log2}, {max_log2}")
    budgets = tuple(2**k // batch for k in range(min_log2, max_log2 + 1))
    base = resolve("03_advai_autoencoder", "quick" if quick else "paper")
    warmup = max(1, IMAGE_BUDGET["warmup_samples"] // batch) if not quick else base["warmup_steps"]
    return {**base, **IMAGE_BUDGET, "n_seeds": seeds, "min_log2": min_log2, "max_log2": max_log2,
            "steps": budgets[-1], "budgets": budgets, "warmup_steps": warmup, "profile": "image-budget"}


def figure(table: pd.DataFrame, P: dict):
    ceiling = lines_benchmark.smoothness_ceiling(P["n_path_steps"])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for ax, col, title in ((axes[0], "mean_distance", "mean distance to a true line (lower is better)"),
                           (axes[1], "smoothness", "smoothness (0 best; dotted: the worst)")):
        for name in P["models"]:
            c = table[(table.model == LABELS[name]) & table[col].notna()]
            ax.errorbar(c["training images"], c[col], yerr=c[col + "_ci"], marker="o", ms=3, capsize=2,
                        label=LABELS[name])
        ax.set(xscale="log", xlabel="training images (log scale)", ylabel=col.replace("_", " "), title=title)
        ax.set_xticks([b * TRAIN["batch_size"] for b in P["budgets"]],
                      [f"$2^{{{k}}}$" for k in range(P["min_log2"], P["max_log2"] + 1)])
        ax.xaxis.set_minor_locator(plt.NullLocator())
    axes[1].axhline(ceiling, color="0.5", ls=":", label="worst possible")
    for ax in axes:
        ax.legend(fontsize=8.5)
    fig.suptitle(f"Lines benchmark along the training budget: mean and 95 % interval over {P['n_seeds']} seeds",
                 fontsize=10)
    return fig


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-log2", type=int, default=IMAGE_BUDGET["min_log2"])
    ap.add_argument("--max-log2", type=int, default=IMAGE_BUDGET["max_log2"])
    ap.add_argument("--seeds", type=int, default=IMAGE_BUDGET["n_seeds"])
    ap.add_argument("--device", default=None, help="cpu (default) or cuda: where every model trains")
    ap.add_argument("--figures", default=None, help="output folder (default: the study's figures/)")
    ap.add_argument("--quick", action="store_true", help="notebook 3's quick sizes (data, paths, warm-up): a check")
    args = ap.parse_args(argv)
    if args.device is not None:
        resolve_device(args.device)  # a ValueError names a device this machine lacks
        os.environ["ADVAI_DEVICE"] = args.device  # every fit, in this process and the executor's workers
    P = settings(args.min_log2, args.max_log2, args.seeds, args.quick)
    run = Run(NAME, "image-budget", 0, params=P, out_dir=args.figures)
    plotting.style()
    t0 = time.perf_counter()
    lines = data.load("lines", split_seed=0, n_lines=P["n_lines"])
    x1, x2 = lines_benchmark.path_pairs(lines.test[0], P["n_paths"], seed=0)  # notebook 3's pairs
    fitted = fit_autoencoders([(lines, name, s) for name in P["models"] for s in range(P["n_seeds"])], P,
                              {"cache": cache_dir(), "resume": True})
    rows = lines_along_budgets(fitted, P["models"], P["n_seeds"], P["budgets"], x1, x2, P["n_path_steps"])
    table = mean_and_interval(rows, ["model", "training images"], ["mean_distance", "smoothness"])
    run.save_table(table, "tab-image-budget")
    L = {n: LABELS[n] for n in P["models"]}  # AdvAI-AE against each baseline, and ACAI against AE
    pairs = [(L["advai_ae"], L[n]) for n in ("ae", "acai", "aae")] + [(L["acai"], L["ae"])]
    run.save_table(paired_at_each_budget(rows, pairs, P["budgets"]), "tab-image-budget-tests", float_format="%.3g")
    run.savefig(figure(table, P), "fig-image-budget")
    run.finish_script(time.perf_counter() - t0, refresh_readme=args.figures is None)
    print(table.round(5).to_string(index=False))
    print(f"log2 of the largest budget: {math.log2(P['steps'] * TRAIN['batch_size']):g}")


if __name__ == "__main__":
    main()
