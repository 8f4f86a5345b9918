"""What the benchmark scripts (``scripts/bench_*.py``) share: their command line and the line that
says which machine and device a measurement was taken on."""
from __future__ import annotations

import argparse
import platform

import torch

from ..train import resolve_device


def bench_arguments(doc: str, steps: int) -> tuple[argparse.Namespace, torch.device]:
    """Parse ``--steps`` (default ``steps``) and ``--device`` (default ``auto``: CUDA when present);
    return the arguments and the resolved device (a ``ValueError`` names a device this machine lacks)."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--steps", type=int, default=steps)
    ap.add_argument("--device", default="auto")
    args = ap.parse_args()
    return args, resolve_device(args.device)


def machine_line(dev: torch.device) -> str:
    """``machine: <arch> <OS>, device: <GPU name or CPU (threads)>, torch <version>``."""
    name = torch.cuda.get_device_name(dev) if dev.type == "cuda" else f"CPU ({torch.get_num_threads()} threads)"
    return f"machine: {platform.machine()} {platform.system()}, device: {name}, torch {torch.__version__}"
