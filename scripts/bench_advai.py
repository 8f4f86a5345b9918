"""Benchmark AdvAI fits on this machine: wall time, steps/s and the mismatch ratios.

    .venv/bin/python scripts/bench_advai.py [--steps 3000] [--device auto]

Prints, for the default 2-D fit (Gaussian, factorized, DEFAULTS) and for d = 64
(factorized, 8 codes a batch as in notebook 2), the fit time, steps/s, and the energy
distance at alpha = 0.5 (n = 4000) as a ratio to LineIntp's and to the noise floor.
"""
import time

import advai
from advai.evaluate import mismatch
from advai.study.benchmarks import bench_arguments, machine_line


def bench(prior, dim, mode, steps, device, **hp):
    t0 = time.perf_counter()
    it = advai.fit_advai(prior, dim, mode=mode, steps=steps, seed=0, device=device, progress=False, **hp)
    secs = time.perf_counter() - t0
    it = it.to("cpu")
    floor = mismatch.noise_floor(prior, 4000, dim, seed=1, draws=5)  # one draw scatters by tens of percent
    lin = mismatch.at_alpha(prior, "linear", 0.5, 4000, dim, seed=1)
    adv = mismatch.at_alpha(prior, "advai", 0.5, 4000, dim, seed=1, model=it)
    print(f"{prior:9s} d={dim:<3d} {mode:10s} {steps} steps: {secs:6.1f} s, {steps / secs:6.0f} steps/s | "
          f"AdvAI/LineIntp {adv / lin:.3f}, AdvAI/floor {adv / floor:.2f}, LineIntp/floor {lin / floor:.1f}",
          flush=True)


def main():
    args, dev = bench_arguments(__doc__, steps=3000)
    print(machine_line(dev))
    bench("gaussian", 2, "factorized", args.steps, args.device)
    bench("gaussian", 64, "factorized", args.steps, args.device, batch_size=8)


if __name__ == "__main__":
    main()
