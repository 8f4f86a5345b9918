"""AdvAI's 2-D experiments at the paper's training budget (profile ``long``; not part of `make figures`).

    .venv/bin/python scripts/advai_long.py [--workers 2] [--train-only] [--figures DIR] [--profile quick]

Notebook 2 trains each AdvAI fit for 3,000 steps (0.77 M prior samples at batch 256); the authors'
code trains every toy prior for 2**14 k-samples (16.8 M, 262,144 steps at batch 64). This script
trains, on the gapped priors (nine discs and ring, and the held-out two discs and two rings), for
``profiles.ADVAI_LONG`` fit seeds each:

* the authors' algorithm as their code runs the toys (``advai.latent.authors_toy``: factorized per
  coordinate, their settings and training loop, 262,144 steps at batch 64);
* notebook 2's headline fit of the prior (``profiles.ADVAI_FITS``, joint) for the same number of
  samples (65,536 steps at batch 256);

two fits at a time, one torch thread each, into the run cache (``runs/``), checkpointed every
4,096 steps: an interrupted batch continues where it stopped, a finished fit is read back. It then
scores every fit at notebook 2's budget (the snapshot closest to 0.77 M samples) and at the paper's
(share of LineIntp's mismatch left over 20 draws, off-support mass, and the balance over the
prior's modes, ``advai.evaluate.balance``), the authors' fits both as trained and as their plotting
code evaluates them, traces the three along training, and writes into ``figures/`` (manifest
profile ``long``):

* ``tab-advai-long-runs`` (per fit and budget), ``tab-advai-long`` (mean and 95 % interval over fit
  seeds, goals), ``tab-advai-long-tests`` (budget and algorithm tests), ``tab-advai-long-steps``;
* ``fig-advai-long-authors``, ``fig-advai-long-headline`` (measures against samples seen),
  ``fig5-long`` (fig5's layout at both budgets), ``fig-advai-long-seeds`` (every fit seed).

Its wall time goes to ``figures/timings.json`` under ``scripts/advai_long.py``, and the README's
quoted tables are refreshed. ``--train-only`` stops after the fits (to fill the cache in parts).
``--profile quick`` runs the same code at CI size (``profiles.ADVAI_LONG_QUICK``, about a minute)
into ``build/quick-long/figures`` unless ``--figures`` says otherwise.
"""
import argparse
import time

import advai  # noqa: F401  (first: pins torch's kernels and NumPy's OpenBLAS before they load)

import matplotlib.pyplot as plt
import pandas as pd
import torch

from advai.files import cache_dir, project_root
from advai.latent.interpolation import interpolate
from advai.study import long_report, plotting
from advai.study.long_runs import (NOTEBOOK2_SAMPLES, VARIANTS, at, batch_size, fit_long, long_jobs, notebook2_step, score, trace,
                                   variants)
from advai.study.outputs import Run
from advai.study.parallel import run_fits
from advai.study.profiles import HELD_OUT, LONG_PROFILES

NAME = "scripts/advai_long.py"


def score_fits(models: dict, L: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per fit, variant and budget the measures (``runs``), and every snapshot's (``steps``)."""
    rows, steps = [], []
    for (alg, prior, seed), model in models.items():
        nb2, last = notebook2_step(alg, model), model.meta["steps"]
        for label, m in variants(alg, model).items():
            for budget, step in (("notebook 2", nb2), ("paper", last)):
                rows.append({"algorithm": label, "prior": prior, "fit seed": seed, "budget": budget, "steps": step,
                             "samples": step * batch_size(alg), **score(prior, at(m, step), seed, L)})
            steps += [{"algorithm": label, "prior": prior, "fit seed": seed, "samples": r["step"] * batch_size(alg), **r}
                      for r in trace(prior, m, seed, L)]
            print(f"{label:40s} {prior:10s} seed {seed}: " + ", ".join(
                f"{k} {rows[-1][k]:.4f}" for k in long_report.MEASURES), flush=True)
    for prior in dict.fromkeys(p for _, p, _ in models):
        for seed in sorted({s for _, p, s in models if p == prior}):
            rows.append({"algorithm": long_report.LINEAR, "prior": prior, "fit seed": seed, "budget": "none",
                         "steps": 0, "samples": 0, **score(prior, "linear", seed, L)})
    return pd.DataFrame(rows), pd.DataFrame(steps)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--workers", type=int, default=2, help="fits at a time (one torch thread each)")
    ap.add_argument("--train-only", action="store_true", help="stop after the fits")
    ap.add_argument("--figures", default=None, help="output folder (default: the study's figures/)")
    ap.add_argument("--profile", default="long", choices=sorted(LONG_PROFILES), help="long (the study) or quick (CI size)")
    args = ap.parse_args()
    L = dict(LONG_PROFILES[args.profile])
    if args.profile != "long" and args.figures is None:
        args.figures = project_root() / "build" / f"{args.profile}-long" / "figures"
    committed = args.profile == "long" and args.figures is None
    run = Run(NAME, args.profile if args.profile != "quick" else "long-quick", 0, params={**L, "profile": args.profile},
              out_dir=args.figures)
    plotting.style()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    t0 = time.perf_counter()

    jobs = long_jobs(L)
    fitted = run_fits({"/".join(map(str, k)): kw for k, kw in jobs.items()}, cache=cache_dir(),
                      workers=args.workers, fit=fit_long)
    if args.train_only:
        print(f"{len(jobs)} fits in the cache after {time.perf_counter() - t0:.0f} s")
        return
    models = {k: fitted["/".join(map(str, k))] for k in jobs}
    seconds = {"/".join(map(str, k)): round(m.meta["fit_seconds"], 1) for k, m in models.items()}
    run.save_timings("fit_s", seconds)  # training time of each fit, summed over its resumed sessions
    run.save_timings("fit_s total", round(sum(seconds.values()), 1))
    runs, steps = score_fits(models, L)
    run.save_table(runs, "tab-advai-long-runs", float_format="%.6g")
    run.save_table(steps, "tab-advai-long-steps", float_format="%.6g")
    summary = long_report.summary_table(runs)
    run.save_table(summary, "tab-advai-long")
    tests = long_report.tests_table(runs)
    run.save_table(tests, "tab-advai-long-tests", float_format="%.3g")

    for alg, labels in VARIANTS.items():
        priors = list(dict.fromkeys(p for a, p, _ in models if a == alg))
        if not priors:
            continue
        fig = long_report.plot_traces(steps, labels, priors, f"Along training at the paper's budget: {labels[0]}"
                                      + (" (dotted: as their plots draw it)" if len(labels) > 1 else ""))
        run.savefig(fig, f"fig-advai-long-{alg}")
        plt.close(fig)

    seed0 = {(a, p): m for (a, p, s), m in models.items() if s == 0}
    nb2 = {k: notebook2_step(k[0], m) for k, m in seed0.items()}
    short, long_ = (f"{x / 1e6:.2g} M" for x in (NOTEBOOK2_SAMPLES, L["headline_steps"] * batch_size("headline")))
    drawn = VARIANTS["authors"][1]
    columns = {"Original": None, "LineIntp": lambda p, z1, z2: interpolate(z1, z2, 0.5),
               "SpheIntp": lambda p, z1, z2: interpolate(z1, z2, 0.5, method="spherical"),
               f"headline, {short}": lambda p, z1, z2: seed0["headline", p].at_step(nb2["headline", p])(z1, z2, 0.5),
               f"headline, {long_}": lambda p, z1, z2: seed0["headline", p](z1, z2, 0.5),
               f"authors' loop, {long_}": lambda p, z1, z2: seed0["authors", p](z1, z2, 0.5),
               "as their plots draw it": lambda p, z1, z2: variants("authors", seed0["authors", p])[drawn](z1, z2, 0.5)}
    ported = any(a == "port" for a, _, _ in models)
    if ported:
        columns[f"port, {long_}"] = lambda p, z1, z2: seed0["port", p](z1, z2, 0.5) if ("port", p) in seed0 else None
    fig = long_report.density_grid(columns, L["priors"], L["n_density"], title=r"interpolants at $\alpha = 0.5$, "
                                   f"fit seed 0, at notebook 2's budget ({short} samples) and the paper's ({long_})")
    run.savefig(fig, "fig5-long")
    plt.close(fig)

    per_seed = {f"{a} s{s}": (a, s) for a in ("authors", "headline", "port") for s in sorted({s for b, _, s in models if b == a})}
    fig = long_report.density_grid(
        {label: (lambda p, z1, z2, a=a, s=s: models[a, p, s](z1, z2, 0.5) if (a, p, s) in models else None)
         for label, (a, s) in per_seed.items()}, L["priors"], L["n_density"],
        title=r"every fit at the paper's budget, $\alpha = 0.5$: the authors' loop (as trained), the headline"
        + (", the port" if ported else ""))
    run.savefig(fig, "fig-advai-long-seeds")
    plt.close(fig)

    run.finish_script(time.perf_counter() - t0, refresh_readme=committed)
    print(summary.round(4).to_string(index=False))
    print("\n".join(long_report.verdict(summary, tests)))
    print(f"held-out priors (not tuned on): {', '.join(HELD_OUT)}")


if __name__ == "__main__":
    main()
