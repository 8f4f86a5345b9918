"""How good is the memory check? The estimate a fit makes before its first step
(:func:`advai.train.estimate_step_memory`) beside the measured growth of the process's peak
memory over a few real steps, for AdvAI's 2-D fit and two autoencoders, at large batch sizes.

    .venv/bin/python scripts/bench_memory.py [--batch 65536] [--images 8192]

Each case runs in a fresh interpreter (peak memory is per process). A ratio above 1 means the
check refuses a batch before it would have filled the memory (the safe side).
"""
import argparse
import subprocess
import sys

CASE = r"""
import resource, sys
import advai, torch
from advai.latent.advai_fit import make_sampler
from advai.latent.advai_model import AdvAIConfig, AdvAITraining, DEFAULTS
from advai.models import build_model
from advai.models.autoencoder import TRAIN
from advai.models.fitting import fit_model
from advai.train import Draws, Minibatches, estimate_step_memory

kind, batch = sys.argv[1], int(sys.argv[2])
if kind == "advai":
    hp = dict(DEFAULTS, batch_size=batch)
    sample = make_sampler("uniform", 2)[0]
    need = estimate_step_memory(AdvAITraining(AdvAIConfig(dim=2, mode="factorized", hidden=100, layers=3,
                                                          n_scale=10.0), hp), Draws(sample, batch, 2), hp)
    run = lambda: advai.fit_advai("uniform", dim=2, steps=3, batch_size=batch, progress=False)
else:
    x = torch.rand(2000, 1, 32, 32)
    need = estimate_step_memory(build_model(kind, 32, 1, 32), Minibatches(x, batch_size=batch), TRAIN)
    extra = {"warmup_steps": 2} if kind == "advai_ae" else {}
    run = lambda: fit_model(kind, x, steps=3, train={"batch_size": batch}, progress=False, **extra)
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
run()
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
print(f"{kind:9s} batch {batch:>7d}: estimate {need / 2**20:7.0f} MiB, measured peak growth "
      f"{grown / 2**20:7.0f} MiB, estimate / measured {need / grown:4.2f}", flush=True)
"""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--batch", type=int, default=65536, help="AdvAI's batch size (2-D, factorized)")
    ap.add_argument("--images", type=int, default=8192, help="the autoencoders' batch size (32x32 images)")
    args = ap.parse_args()
    for kind, batch in (("advai", args.batch), ("ae", args.images), ("acai", args.images), ("advai_ae", args.images)):
        subprocess.run([sys.executable, "-c", CASE, kind, str(batch)], check=True)


if __name__ == "__main__":
    main()
