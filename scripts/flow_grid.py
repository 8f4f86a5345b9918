"""fig5's view of the flow-matched interpolator: where its midpoints land on every 2-D prior.

    .venv/bin/python scripts/flow_grid.py [--figures DIR] [--quick]

Reads fit seed 0 of each 2-D prior's flow back from the run cache (the fits of
``scripts/flow_priors.py``; a missing one is trained, about a minute and a half) and draws
``fig5-flow``: one row per prior (notebook 2's four, then the held-out two discs and two rings), the
columns Original (prior samples), LineIntp, OT-matched (where it has a closed form) and
flow-matched, each the 2-D density of notebook 2's ``n_density`` points at alpha 0.5, drawn as
notebook 2 draws fig5 (``advai.study.mismatch_figures.distribution_grid``, the same seed, so the
first three columns of its first four rows are fig5's). fig5's AdvAI column is not redrawn here:
notebook 2 trains it (see ``docs/results.md``). ``--quick``: notebook 2's quick sizes and a
30-step flow, a check of the script.
"""
import argparse
import time

import advai  # noqa: F401  (first: pins torch's kernels and NumPy's OpenBLAS before they load)

import torch

from advai.files import cache_dir
from advai.latent.flow import fit_flow
from advai.study import mismatch_figures, plotting, profiles
from advai.study.outputs import Run
from advai.study.parallel import run_fits

NAME = "scripts/flow_grid.py"
SEED = 0  # notebook 2's seed: the same evaluation draws as fig5
PRIORS = ("uniform", "gaussian", "ring", "nine_discs", "two_discs", "two_rings")
NAMES = {"uniform": "uniform", "gaussian": "Gaussian", "ring": "ring", "nine_discs": "nine discs",
         "two_discs": "two discs\n(held out)", "two_rings": "two rings\n(held out)"}
COLUMNS = ["prior", "linear", "ot", "flow"]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--figures", default=None, help="output folder (default: the study's figures/)")
    ap.add_argument("--quick", action="store_true", help="quick sizes and 30-step flows: a check")
    args = ap.parse_args(argv)
    P = profiles.resolve("02_train_advai", "quick" if args.quick else "paper")
    steps = 30 if args.quick else 5000
    run = Run(NAME, "flow", SEED, params={"n_density": P["n_density"], "flow_steps": steps}, out_dir=args.figures)
    plotting.style()
    t0 = time.perf_counter()
    fits = run_fits(profiles.flow_jobs(PRIORS, 1, steps), cache=cache_dir(), fit=fit_flow)
    models = {key: fits[(key, 0)] for key in PRIORS}
    fig = mismatch_figures.distribution_grid(models, PRIORS, COLUMNS, P["n_density"], lambda n, g: torch.full((n,), 0.5),
                                             SEED, r"flow-matched interpolants at $\alpha = 0.5$ (fit seed 0)",
                                             names=NAMES)
    run.savefig(fig, "fig5-flow")
    run.finish_script(time.perf_counter() - t0, refresh_readme=args.figures is None)


if __name__ == "__main__":
    main()
