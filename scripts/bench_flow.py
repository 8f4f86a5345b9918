"""The flow-matched interpolator's fit time against AdvAI's at the paper's budget, both measured on
this machine in one run (issue 44's goal: a flow fit in at most one fifth of the wall time of
AdvAI's paper-budget fit of the same prior).

    .venv/bin/python scripts/bench_flow.py [--priors nine_discs,ring] [--advai-steps 4096] [--table] [--device auto]

For each prior, one after the other in this process with the same torch threads, nothing cached:

* the flow: one whole fit at the library's defaults (``FLOW_DEFAULTS``, 5,000 steps);
* AdvAI: notebook 2's headline fit of the prior (``ADVAI_FITS``) timed over ``--advai-steps``
  steps and scaled to the paper's budget (``ADVAI_LONG["headline_steps"]`` = 65,536 steps of 256
  samples): a step costs the same all along a fit. The scaled time leaves out what the long run
  adds (snapshots, checkpoints), so it is a lower bound and the ratio an upper one.

Prints both times, the ratio and whether it meets the goal (at most 0.2); ``--table`` also
writes them to ``tab-flow-fit-time`` (with the ratio in multiples of the goal), the machine
recorded in ``figures/provenance.md``. Default priors: the gapped ones, where AdvAI's correction
is needed (11 minutes on the 2-core Intel Xeon). ``tab-flow-vs-advai``
sets the flow's recorded fit times beside AdvAI's from ``scripts/advai_long.py``, which ran on
another machine; this script compares them on one.
"""
import argparse
import time

import advai  # noqa: F401  (first: pins torch's kernels and NumPy's OpenBLAS before they load)

import pandas as pd

from advai.latent.advai_fit import fit_advai
from advai.latent.flow import fit_flow
from advai.study import profiles
from advai.study.benchmarks import machine_line
from advai.study.outputs import Run
from advai.train import resolve_device

NAME = "scripts/bench_flow.py"
GOAL = 0.2


def timed(fit, **kwargs) -> float:
    t0 = time.perf_counter()
    fit(progress=False, **kwargs)
    return time.perf_counter() - t0


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--priors", default=",".join(profiles.GAPPED), help="comma-separated keys of ADVAI_FITS")
    ap.add_argument("--advai-steps", type=int, default=4096, help="AdvAI steps timed (scaled to the paper's)")
    ap.add_argument("--flow-steps", type=int, default=None, help="flow steps (default: the study's, 5,000)")
    ap.add_argument("--device", default="auto")
    ap.add_argument("--table", action="store_true",
                    help="also write tab-flow-fit-time (the machine is recorded in figures/provenance.md)")
    ap.add_argument("--figures", default=None, help="the table's folder (default: the study's figures/)")
    args = ap.parse_args(argv)
    t0 = time.perf_counter()
    keys = args.priors.split(",")
    unknown = sorted(set(keys) - set(profiles.ADVAI_FITS))
    if unknown or args.advai_steps < 1 or (args.flow_steps is not None and args.flow_steps < 1):
        raise SystemExit(f"unknown priors {unknown}" if unknown else "--advai-steps and --flow-steps must be positive")
    dev = resolve_device(args.device)
    print(machine_line(dev))
    paper, rows = profiles.ADVAI_LONG["headline_steps"], []
    for key in keys:
        prior, dim, mode, settings = profiles.ADVAI_FITS[key]
        flow = {**profiles.FLOW_FITS.get(key, {}), **({"steps": args.flow_steps} if args.flow_steps else {})}
        flow_s = timed(fit_flow, sampler=prior, dim=dim, seed=0, device=args.device, **flow)
        advai_s = timed(fit_advai, sampler=prior, dim=dim, mode=mode, steps=args.advai_steps, seed=0,
                        device=args.device, **settings) * paper / args.advai_steps
        ratio = flow_s / advai_s
        rows.append({"prior": key, "flow s": flow_s, "AdvAI s (paper budget)": advai_s, "ratio": ratio})
        print(f"{key:12s} flow fit {flow_s:7.1f} s | AdvAI at the paper's budget {advai_s:7.1f} s "
              f"({args.advai_steps} of {paper} steps timed) | ratio {ratio:.2f} "
              f"({'meets' if ratio <= GOAL else 'misses'} the goal of {GOAL})", flush=True)
    if args.table:
        table = pd.DataFrame(rows).assign(goal=GOAL)
        table["times the goal"] = table["ratio"] / GOAL
        run = Run(NAME, "flow", 0, params={"advai_steps": args.advai_steps, "paper_steps": paper,
                                           "flow_steps": args.flow_steps}, out_dir=args.figures)
        run.save_table(table, "tab-flow-fit-time")
        run.finish_script(time.perf_counter() - t0, refresh_readme=args.figures is None)
    return rows


if __name__ == "__main__":
    main()
