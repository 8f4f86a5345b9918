"""Does notebook 3's linear probe depend on OpenBLAS's kernels? Score the cached AE and AAE models
at their first two learning-curve budgets natively and with ``OPENBLAS_CORETYPE`` forced.

    .venv/bin/python scripts/probe_openblas.py [--coretypes native Haswell]

The probe (:func:`advai.evaluate.representation.linear_probe_accuracy`) runs in scikit-learn on
NumPy's and SciPy's bundled OpenBLAS, which picks its kernels by CPU when it loads; the study's pin
(:mod:`advai.numerics`) does not cover it. Each core type runs in a fresh interpreter with the
variable set before NumPy loads; printed: the kernels threadpoolctl reports, then per model and
budget the accuracy of each seed and their mean, as ``tab-learning-curves`` reports them. The ten
models are read from the run cache that notebook 3 fills (``make figures ARGS="--only 03"``); one
that is missing is trained first, as notebook 3 trains it, and the count of each is printed.
"""
import argparse
import os
import subprocess
import sys
import tempfile

MODELS, BUDGETS = ("ae", "aae"), (110, 220)  # steps: 7,040 and 14,080 training images at batch 64


def score() -> None:
    """In this interpreter: the OpenBLAS kernels in use and every probe accuracy."""
    from threadpoolctl import threadpool_info

    from advai import data
    from advai.evaluate.representation import representation_scores
    from advai.models import LABELS, TRAIN, at_step
    from advai.study import setup
    from advai.study.autoencoders import fit_autoencoders
    from advai.train import runs_used

    kernels = sorted({i.get("architecture") for i in threadpool_info() if i["internal_api"] == "openblas"})
    print(f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', '(unset)')}: OpenBLAS kernels {kernels}")
    S = setup("03_advai_autoencoder", "paper", 0, os.environ["PROBE_FIGURES"], "cpu")
    mnist = data.load("mnist5k", split_seed=0)
    jobs = [(mnist, name, s) for name in MODELS for s in range(S.P["n_seeds"])]
    models = fit_autoencoders(jobs, S.P, S.cached)
    done = [r["status"] for r in runs_used()]
    print(f"  models: {done.count('read back')} read back, {len(done) - done.count('read back')} trained")
    for name in MODELS:
        for budget in BUDGETS:
            acc = [representation_scores(at_step(models["mnist5k", name, s], budget), mnist, seed=s)["probe_accuracy"]
                   for s in range(S.P["n_seeds"])]
            print(f"  {LABELS[name]:4s} {budget * TRAIN['batch_size']:6d} images: seeds "
                  + " ".join(f"{a:.3f}" for a in acc) + f", mean {sum(acc) / len(acc):.4f}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--coretypes", nargs="+", default=["native", "Haswell"],
                    help="OPENBLAS_CORETYPE values to compare (native: unset)")
    ap.add_argument("--score", action="store_true", help=argparse.SUPPRESS)  # the child interpreter's part
    args = ap.parse_args()
    if args.score:
        return score()
    with tempfile.TemporaryDirectory() as figures:
        for core in args.coretypes:
            env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
            env.update(PROBE_FIGURES=figures, ADVAI_WORKERS="1", ADVAI_PROGRESS="off")
            if core != "native":
                env["OPENBLAS_CORETYPE"] = core
            subprocess.run([sys.executable, __file__, "--score"], env=env, check=True)


if __name__ == "__main__":
    main()
