"""Probe which of AdvAI-AE's terms costs clustering accuracy on MNIST-5k (one seed per variant).

    .venv/bin/python scripts/probe_advai_ae.py [--seed 0] [--steps N]

Trains (or reads back from the run cache, runs/) AdvAI-AE with the authors' weights and with
one group of terms switched off, at notebook 3's paper settings (steps, R's warm-up), and prints linear-probe
and K-means accuracy on the held-out split next to AE and ACAI from the same cache.
"""
import argparse

import advai  # noqa: F401  (first: pins torch's kernels and NumPy's OpenBLAS before they load)

import torch

from advai import data
from advai.evaluate.representation import representation_scores
from advai.files import cache_dir
from advai.models import fit_model
from advai.study.profiles import resolve

PAPER = resolve("03_advai_autoencoder", "paper")

VARIANTS = {
    "AE": ("ae", {}),
    "ACAI": ("acai", {}),
    "AdvAI-AE (authors' weights)": ("advai_ae", {}),
    "AdvAI-AE without MMD (mmd=0)": ("advai_ae", {"mmd": 0.0}),
    "AdvAI-AE without noise/fake terms": ("advai_ae", {"noise": 0.0, "fake": 0.0}),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--steps", type=int, default=PAPER["steps"])
    args = ap.parse_args()
    torch.set_num_threads(min(2, torch.get_num_threads()))
    mnist = data.load("mnist5k", split_seed=0)
    for label, (name, weights) in VARIANTS.items():
        kw = dict(weights, warmup_steps=PAPER["warmup_steps"]) if name == "advai_ae" else {}
        m = fit_model(name, mnist, latent=32, steps=args.steps, seed=args.seed, cache=cache_dir(), **kw)
        s = representation_scores(m, mnist, seed=args.seed)
        print(f"{label:36s} probe {s['probe_accuracy']:.3f}  K-means {s['clustering_accuracy']:.3f}  "
              f"rec. MSE {s['reconstruction_mse']:.4f}  ({m.fit_seconds:.0f} s training)", flush=True)


if __name__ == "__main__":
    main()
