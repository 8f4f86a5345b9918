"""Check the device switch on a machine with a GPU: a short AdvAI fit and a short ACAI fit on the
device, twice, and once on the CPU.

    .venv/bin/python scripts/check_device.py [--device cuda] [--steps 300]

Prints, for each fit, whether the two runs on the device gave bit-identical weights (they must:
the harness sets PyTorch's deterministic settings on CUDA), how far the device's weights are from
the CPU's (not zero: GPU kernels sum in another order; the run identity keeps the two apart in the
cache), and the training time of each. Exits non-zero if a device run is not reproducible. On a
machine without the device it stops with the error that names it.
"""
import argparse
import sys
import tempfile
import time

import advai  # first: pins torch's kernels and NumPy's OpenBLAS before they load

import torch

from advai.data import load
from advai.models import fit_model
from advai.train import resolve_device


def fits(device: str, steps: int, cache) -> dict:
    """``{fit: (weights on the CPU, seconds)}`` for the two short fits on ``device``."""
    out = {}
    t0 = time.perf_counter()
    it = advai.fit_advai("nine_discs", 2, steps=steps, seed=0, device=device, cache=cache, resume=False,
                         progress=False)
    out["AdvAI nine discs"] = ({k: v.cpu() for k, v in it.state_dict().items()}, time.perf_counter() - t0)
    t0 = time.perf_counter()
    m = fit_model("acai", load("mnist5k", split_seed=0), latent=16, steps=steps // 3, seed=0, device=device,
                  cache=cache, resume=False, progress=False)
    out["ACAI MNIST"] = ({k: v.cpu() for k, v in m.state_dict().items()}, time.perf_counter() - t0)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--device", default="cuda")
    ap.add_argument("--steps", type=int, default=300)
    args = ap.parse_args()
    dev = resolve_device(args.device)
    print(f"device {dev}: {torch.cuda.get_device_name(dev) if dev.type == 'cuda' else 'CPU'}, torch {torch.__version__}")
    with tempfile.TemporaryDirectory() as cache:
        first, second, cpu = fits(args.device, args.steps, cache), fits(args.device, args.steps, cache), \
            fits("cpu", args.steps, cache)
    ok = True
    for name, (w, secs) in first.items():
        same = all(torch.equal(w[k], second[name][0][k]) for k in w)
        gap = max(float((w[k].double() - cpu[name][0][k].double()).abs().max()) for k in w)
        ok &= same
        print(f"{name:18s} device runs bit-identical: {same}; largest weight difference to the CPU: {gap:.3g}; "
              f"{secs:.1f} s on {dev.type} vs {cpu[name][1]:.1f} s on the CPU")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
