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
* ``tab-image-budget-runs``: every model's scores per seed and budget (and AdvAI-AE's LineIntp
  paths'), the rows of the tables above and below;
* ``tab-image-budget-acai``: at the largest budget, each model's final scores beside the statistic
  ACAI reports (the median of its last 20 of 256 evaluations: here of the snapshots covering the
  same last 7.8 % of the run, 5 of 64 at 2^20 images), and ACAI's published Table 1;
* ``tab-image-budget-detour``: AdvAI-AE's AdvAI paths against LineIntp paths through the same
  model, paired over seeds at every budget (fig6's detour: does AdvAI bring its paths closer to
  true lines, and does that change with the budget?);
* ``tab-image-budget-cost``: each fit's training time, the fastest per model (another job on the
  machine, or a pause, only adds time), its images/s, and the whole curve's time at those speeds;
* ``fig-image-budget``: both measures against training images;
* ``fig-image-budget-own-paths``: every model's own paths between two pairs at the largest budget,
  each with its smoothness: what the scores look like;
* ``fig-image-budget-paths``: fig6 on the lines (AdvAI-AE seed 0, LineIntp and AdvAI paths between
  the same endpoints, each frame's distance to the closest true line) at 2^16 images, the budget
  nearest notebook 3's, and at the largest budget of the same run.

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
import torch

from advai import data
from advai.evaluate import lines as lines_benchmark
from advai.evaluate.decoding import decode_paths
from advai.evaluate.summary import mean_and_interval
from advai.files import cache_dir
from advai.latent.whole_code import fit_whole_code
from advai.models import LABELS, TRAIN, at_step
from advai.study import plotting
from advai.study.autoencoders import (acai_reported_rows, acai_window, fit_autoencoders, lines_along_budgets,
                                      lines_strips, paired_at_each_budget, snapshot_every)
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


def axis_top(values: pd.Series, floor: float) -> float:
    """The top of a measure's axis in fig-image-budget: 1.1 times the largest seed's value among
    those within 3 times the median of all (at least ``floor``), so that a diverged run does not
    flatten the others."""
    typical = values[values <= 3 * values.median()]
    return max(floor, 1.1 * float(typical.max()))


def figure(table: pd.DataFrame, rows: pd.DataFrame, P: dict):
    """fig-image-budget: both measures against training images, every seed as a dot and the mean
    with its 95 % interval over seeds as a line; each interval is cut at 0, the least value either
    measure can take, which a t-interval over 3 seeds can overrun. Each axis ends at
    :func:`axis_top`; a seed or mean beyond it is drawn as a triangle on the edge, a mean with its
    value (one jump between the endpoints scores 1 - 1/(n-1); a path that turns back can score
    more)."""
    ceiling = lines_benchmark.smoothness_ceiling(P["n_path_steps"])
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.9), layout="constrained")
    for ax, col, title, floor in ((axes[0], "mean_distance", "mean distance to a true line (lower is better)", 0.02),
                                  (axes[1], "smoothness", "smoothness (0 best; dotted: one jump)", 1.2)):
        top = axis_top(rows[col].dropna(), floor)
        for k, name in enumerate(P["models"]):
            colour, label = f"C{k}", LABELS[name]
            c = table[(table.model == label) & table[col].notna()]
            m, h = c[col], c[col + "_ci"].fillna(0)
            ax.errorbar(c["training images"], m, yerr=[m - (m - h).clip(lower=0), h], color=colour,
                        marker="o", ms=3, capsize=2, elinewidth=0.8, label=label)
            seeds = rows[(rows.model == label) & rows[col].notna()]
            inside = seeds[seeds[col] <= top]
            ax.scatter(inside["training images"], inside[col], s=7, color=colour, alpha=0.35, lw=0)
            beyond = seeds[seeds[col] > top]
            ax.scatter(beyond["training images"], [top] * len(beyond), marker="^", s=22, facecolor="none",
                       edgecolor=colour, clip_on=False, zorder=4)
            for x, v in zip(c["training images"], m):
                if v > top:
                    ax.scatter([x], [top], marker="^", s=30, color=colour, clip_on=False, zorder=5)
                    ax.annotate(f"mean {v:.2g}", (x, top), xytext=(0, -12), textcoords="offset points",
                                ha="right", fontsize=8.5, color=colour,
                                bbox=dict(boxstyle="square,pad=0.1", fc="white", ec="none", alpha=0.85))
        ax.set_ylim(-0.03 * top, top)
        ax.set(xscale="log", xlabel="training images (log scale)", ylabel=col.replace("_", " "), title=title)
        ax.set_xticks([b * TRAIN["batch_size"] for b in P["budgets"]],
                      [f"$2^{{{k}}}$" for k in range(P["min_log2"], P["max_log2"] + 1)])
        ax.xaxis.set_minor_locator(plt.NullLocator())
    axes[1].axhline(ceiling, color="0.5", ls=":", label="one jump between the endpoints")
    fig.legend(*axes[1].get_legend_handles_labels(), loc="outside lower center", ncols=len(P["models"]) + 1,
               fontsize=8.5)
    fig.suptitle(f"Lines benchmark along the training budget: mean and 95 % interval over {P['n_seeds']} seeds "
                 "(lines), each seed (dots);\nbeyond the axis: triangles on its edge (filled: the mean)",
                 fontsize=10)
    return fig


def acai_table(rows: pd.DataFrame, window) -> pd.DataFrame:
    """tab-image-budget-acai: mean and 95 % interval over seeds of each model's final and
    window-median scores (:func:`advai.study.autoencoders.acai_reported_rows`), then ACAI's
    published rows (Table 1: mean and standard deviation over their 5 runs)."""
    cols = [c for c in rows.columns if c not in ("model", "seed")]
    measured = mean_and_interval(rows, ["model"], cols)
    measured.insert(1, "source", f"measured: final step {window[-1]}, window {len(window)} snapshots "
                                 f"from step {window[0]}")
    published = pd.DataFrame([{"model": k, "source": "Berthelot et al. 2019, Table 1 (mean, std over 5 runs)",
                               "mean distance (median of window)": v["mean_distance_e3"][0] / 1000,
                               "mean distance (median of window)_std": v["mean_distance_e3"][1] / 1000,
                               "smoothness (median of window)": v["smoothness"][0],
                               "smoothness (median of window)_std": v["smoothness"][1], "n": 5}
                              for k, v in lines_benchmark.PUBLISHED_TABLE1.items()])
    order = ["model", "source"] + [c + s for c in cols for s in ("", "_ci", "_std")] + ["n"]
    return pd.concat([measured, published], ignore_index=True)[order]


def cost_table(fitted: dict, P: dict) -> pd.DataFrame:
    """tab-image-budget-cost: each model's training time per fit by its own clock (summed over resumed
    sessions; a fit paused in a session counts its pause, and one sharing the cores with other work
    runs slower), the fastest over seeds (the least disturbed: interference only adds time), the
    images/s it gives, and AdvAI-AE's R warm-ups (read back from the run cache); the last row is the
    whole curve, every fit and warm-up at its model's fastest."""
    rows = []
    for name in P["models"]:
        models = [fitted[("lines", name, s)] for s in range(P["n_seeds"])]
        fits = [m.fit_seconds for m in models]
        rows.append({"what": f"{LABELS[name]} fit", "seconds each": fits})
        if name.startswith("advai_ae"):
            warm = [fit_whole_code(m.latent, int(m.w["warmup_steps"]), TRAIN, seed=s, cache=cache_dir(), progress=False,
                                   n_scale=float(m.w["n_scale"])).fit_seconds for s, m in enumerate(models)]
            rows.append({"what": "R's warm-up (AdvAI-AE)", "seconds each": warm})
    out = pd.DataFrame(rows)
    out["n"] = out["seconds each"].map(len)
    out["fastest (min)"] = out["seconds each"].map(lambda v: min(v) / 60)
    out["images or samples a second"] = [
        (P["steps"] if "fit" in w else P["warmup_steps"]) * TRAIN["batch_size"] / (60 * m)
        for w, m in zip(out.what, out["fastest (min)"])]
    out["seconds each"] = out["seconds each"].map(lambda v: ", ".join(f"{x:.0f}" for x in v))
    total = {"what": "the whole curve (every fit and warm-up at its fastest)", "n": int(out.n.sum()),
             "fastest (min)": float((out.n * out["fastest (min)"]).sum())}
    return pd.concat([out, pd.DataFrame([total])], ignore_index=True)


def paths_figure(fitted: dict, P: dict, x1, x2, seed: int = 0):
    """fig-image-budget-paths: :func:`advai.study.autoencoders.lines_strips` of AdvAI-AE ``seed`` at
    the budget nearest notebook 3's (2^16 images, or the smallest above it) and at the largest."""
    m = fitted[("lines", "advai_ae", seed)].to("cpu")
    near = min((b for b in P["budgets"] if b * TRAIN["batch_size"] >= 2**16), default=P["budgets"][-1])
    k = P["n_strip_pairs"]
    fig = plt.figure(figsize=(12, 0.82 * 2 * k + 0.7), layout="constrained")
    for sub, budget in zip(fig.subfigures(1, 2), (near, P["budgets"][-1])):
        model = m if budget == P["budgets"][-1] else at_step(m, budget)
        paths, labels, dist = lines_strips(model, x1[:k], x2[:k], P["n_strip_steps"])
        for ax, row, label, d in zip(sub.subplots(len(paths), 1), paths, labels, dist):
            plotting.image_rows(ax, row[None], [label], value_range=(-1.0, 1.0))
            for j, v in enumerate(d.tolist()):
                ax.text((j + 0.5) / len(d), -0.04, f"{v:.3f}", transform=ax.transAxes, ha="center", va="top",
                        fontsize=8.5)
        sub.suptitle(f"AdvAI-AE (seed {seed}) after {budget * TRAIN['batch_size']:,} images;\n"
                     "under each frame: distance to the closest true line", fontsize=10)
    return fig


def own_paths_figure(fitted: dict, P: dict, x1, x2, seed: int = 0, k: int = 2):
    """fig-image-budget-own-paths: every model's own interpolator (AdvAI-AE: AdvAI; the others:
    LineIntp) between the first ``k`` pairs, fit seed ``seed``, at the largest budget, each path's
    smoothness beside it: what the scores look like."""
    rows, labels = [], []
    for name in P["models"]:
        paths = decode_paths(fitted[("lines", name, seed)].to("cpu"), x1[:k], x2[:k], P["n_path_steps"], "own")
        angles = lines_benchmark.closest_lines(paths.flatten(0, 1))[1].reshape(k, -1)
        for path, sm in zip(paths, lines_benchmark.smoothness(angles)):
            rows.append(path), labels.append(f"{LABELS[name]} ({sm:.2f})")
    fig, ax = plt.subplots(figsize=(11, 0.62 * len(rows) + 0.9), layout="constrained")
    plotting.image_rows(ax, torch.stack(rows), labels, value_range=(-1.0, 1.0))
    ax.set_title(f"Each model's own paths after {P['steps'] * TRAIN['batch_size']:,} images (seed {seed}); "
                 "in brackets: the path's smoothness (0 best)", fontsize=10)
    return fig


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--min-log2", type=int, default=IMAGE_BUDGET["min_log2"])
    ap.add_argument("--max-log2", type=int, default=IMAGE_BUDGET["max_log2"])
    ap.add_argument("--seeds", type=int, default=IMAGE_BUDGET["n_seeds"])
    ap.add_argument("--device", default=None, help="cpu (default) or cuda: where every model trains")
    ap.add_argument("--figures", default=None, help="output folder (default: the study's figures/)")
    ap.add_argument("--quick", action="store_true", help="notebook 3's quick sizes (data, paths, warm-up): a check")
    ap.add_argument("--models", default=",".join(IMAGE_BUDGET["models"]),
                    help="comma-separated subset of the models (default all four: an interim look at the "
                         "finished ones while the others train; AdvAI-AE's tables need advai_ae)")
    args = ap.parse_args(argv)
    models = tuple(m.strip() for m in args.models.split(",") if m.strip())
    unknown = sorted(set(models) - set(IMAGE_BUDGET["models"]))
    if unknown or not models:
        raise SystemExit(f"--models: unknown {unknown or 'none given'}; choose from {', '.join(IMAGE_BUDGET['models'])}")
    if args.device is not None:
        resolve_device(args.device)  # a ValueError names a device this machine lacks
        os.environ["ADVAI_DEVICE"] = args.device  # every fit, in this process and the executor's workers
    P = {**settings(args.min_log2, args.max_log2, args.seeds, args.quick), "models": models}
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
    L = LABELS  # AdvAI-AE against each baseline, and ACAI against AE, where both were trained
    pairs = [(L[a], L[b]) for a, b in (("advai_ae", "ae"), ("advai_ae", "acai"), ("advai_ae", "aae"), ("acai", "ae"))
             if {a, b} <= set(models)]
    run.save_table(paired_at_each_budget(rows, pairs, P["budgets"]), "tab-image-budget-tests", float_format="%.3g")
    run.savefig(figure(table, rows, P), "fig-image-budget")
    window = acai_window(P["steps"], snapshot_every(P))
    acai = acai_table(acai_reported_rows(fitted, P["models"], P["n_seeds"], window, x1, x2, P["n_path_steps"]),
                      window)
    run.save_table(acai, "tab-image-budget-acai", float_format="%.4g")
    adv = ["advai_ae"] if "advai_ae" in models else []
    linear = lines_along_budgets(fitted, adv, P["n_seeds"], P["budgets"], x1, x2, P["n_path_steps"], method="linear")
    run.save_table(pd.concat([rows, linear], ignore_index=True), "tab-image-budget-runs", float_format="%.6g")
    if adv:
        detour = pd.concat([rows[rows.model == L["advai_ae"]], linear])
        run.save_table(paired_at_each_budget(detour, [(L["advai_ae"], L["advai_ae"] + " (LineIntp paths)")],
                                             P["budgets"], measures=("mean_distance", "smoothness", "midpoint spread")),
                       "tab-image-budget-detour", float_format="%.3g")
        run.savefig(paths_figure(fitted, P, x1, x2), "fig-image-budget-paths")
    run.savefig(own_paths_figure(fitted, P, x1, x2), "fig-image-budget-own-paths")
    run.save_table(cost_table(fitted, P), "tab-image-budget-cost", float_format="%.4g")
    run.finish_script(time.perf_counter() - t0, refresh_readme=args.figures is None)
    print(table.round(5).to_string(index=False))
    print(f"log2 of the largest budget: {math.log2(P['steps'] * TRAIN['batch_size']):g}")


if __name__ == "__main__":
    main()
