"""Spread of notebook 2's AdvAI results over *fit* seeds (the notebook evaluates one fit, seed 0,
over 5 evaluation seeds; this retrains with other seeds).

    .venv/bin/python scripts/fit_seed_spread.py [--priors nine_discs,two_discs] [--fit-seeds 5]

For each prior key of ``advai.study.profiles.ADVAI_FITS`` (its mode and settings), fits with
seeds 0..k-1 (3,000 steps, cached in ``runs/``) and prints, at alpha = 0.5 with n = 4,000 a side
over evaluation seeds 0-4, the share of LineIntp's mismatch left and the off-support mass per
fit, then their mean and standard deviation over fits.
"""
import argparse

import numpy as np

import advai
from advai.evaluate import mismatch
from advai.files import cache_dir
from advai.study import profiles


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--priors", default="nine_discs,two_discs")
    ap.add_argument("--fit-seeds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=3000)
    args = ap.parse_args()
    for key in args.priors.split(","):
        prior, dim, mode, extra = profiles.ADVAI_FITS[key]
        lin = mismatch.summarize(prior, "linear", dim, n=4000, seeds=range(5), n_permutations=0, with_mmd=False)
        rows = []
        for fs in range(args.fit_seeds):
            it = advai.fit_advai(prior, dim, mode=mode, steps=args.steps, seed=fs, progress=False, cache=cache_dir(),
                                 **extra)
            r = mismatch.summarize(prior, "advai", dim, n=4000, seeds=range(5), model=it, n_permutations=0,
                                   with_mmd=False)
            rows.append((mismatch.share_left(r["energy_u"], lin["energy_u"]), r["off_support"]))
            print(f"{key} fit seed {fs}: share left {rows[-1][0]:.4f}, off support {rows[-1][1]:.4f}", flush=True)
        a = np.array(rows)
        print(f"{key} over {len(a)} fit seeds: share left {a[:, 0].mean():.4f} (sd {a[:, 0].std(ddof=1):.4f}), "
              f"off support {a[:, 1].mean():.4f} (sd {a[:, 1].std(ddof=1):.4f})", flush=True)


if __name__ == "__main__":
    main()
