"""Does notebook 3's linear probe depend on OpenBLAS's kernels? Score the cached AE and AAE models
at their first two learning-curve budgets with the study's OpenBLAS pin and with the kernels
OpenBLAS picks for this CPU.

    .venv/bin/python scripts/probe_openblas.py [--kernels pinned cpu]

The probe (:func:`advai.evaluate.representation.linear_probe_accuracy`) runs in scikit-learn on
NumPy's and SciPy's bundled OpenBLAS, which picks its kernels by CPU when it loads unless
``OPENBLAS_CORETYPE`` says otherwise. ``pinned``: advai is imported first, so its pin
(:mod:`advai.openblas`, ``Haswell``) holds; ``cpu``: NumPy is imported first, so OpenBLAS keeps its
own choice (``SkylakeX`` on an AVX-512 CPU) and advai would warn. Each runs in a fresh interpreter;
printed: the kernels threadpoolctl reports, then per model and budget the accuracy of each seed
and their mean, as ``tab-learning-curves`` reports them. On a CPU whose own choice is ``Haswell``
the two agree by construction. The ten models are read from the run cache that notebook 3 fills
(``make figures ARGS="--only 03"``); one that is missing is trained first, as notebook 3 trains
it, and the count of each is printed.
"""
import argparse
import os
import subprocess
import sys
import tempfile

MODELS, BUDGETS = ("ae", "aae"), (110, 220)  # steps: 7,040 and 14,080 training images at batch 64
KERNELS = ("pinned", "cpu")


def score(kernels: str) -> None:
    """In this interpreter: the OpenBLAS kernels in use and every probe accuracy."""
    import warnings
    if kernels == "cpu":
        import numpy  # noqa: F401  (NumPy's and SciPy's OpenBLAS load before advai pins them:
        import scipy.linalg  # noqa: F401  the CPU's own kernels)
        warnings.filterwarnings("ignore", "OpenBLAS runs", RuntimeWarning)  # advai's warning about this very order
    import advai  # noqa: F401

    from advai import data, openblas
    from advai.evaluate.representation import representation_scores
    from advai.models import LABELS, TRAIN, at_step
    from advai.study import setup
    from advai.study.autoencoders import fit_autoencoders
    from advai.train import runs_used

    print(f"{kernels}: OpenBLAS kernels {sorted(set(openblas.kernels().values()))}")
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
    ap.add_argument("--kernels", nargs="+", choices=KERNELS, default=list(KERNELS),
                    help="pinned: the study's OpenBLAS pin; cpu: OpenBLAS's own choice for this CPU")
    ap.add_argument("--score", choices=KERNELS, help=argparse.SUPPRESS)  # the child interpreter's part
    args = ap.parse_args()
    if args.score:
        return score(args.score)
    with tempfile.TemporaryDirectory() as figures:
        for kernels in args.kernels:
            env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"}
            env.update(PROBE_FIGURES=figures, ADVAI_WORKERS="1", ADVAI_PROGRESS="off")
            subprocess.run([sys.executable, __file__, "--score", kernels], env=env, check=True)


if __name__ == "__main__":
    main()
