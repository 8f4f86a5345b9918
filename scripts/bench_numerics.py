"""What the pinned floating-point environment costs: the two benchmark scripts run under the
machine's own kernels (``ADVAI_NUMERICS=native``) and under the pin, alternating, in one run.

    .venv/bin/python scripts/bench_numerics.py [--rounds 2] [--advai-steps 3000] [--ae-steps 200]

Each benchmark runs in a fresh interpreter per environment (the kernel libraries read their
settings once), ``--rounds`` times each, native and pinned alternating so that a drift in the
machine's speed hits both; prints every measurement and the slow-down of the pin (the ratio of
the medians: seconds for AdvAI fits, images/s for the autoencoders).
"""
import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent


def run(script: str, mode: str, steps: int) -> str:
    env = dict(os.environ, ADVAI_NUMERICS=mode)
    done = subprocess.run([sys.executable, str(SCRIPTS / script), "--steps", str(steps), "--device", "cpu"], env=env,
                          capture_output=True, text=True, check=True)
    return done.stdout


def measures(out: str) -> dict:
    """``{label: value}``: seconds of each AdvAI fit, images/s of each autoencoder."""
    fits = {f"AdvAI {' '.join(m.group(1).split())} (s)": float(m.group(2))
            for m in re.finditer(r"^(\w+\s+d=\d+\s+\w+)\s+\d+ steps:\s+([\d.]+) s", out, re.M)}
    aes = {f"{m.group(1).strip()} (images/s)": float(m.group(2))
           for m in re.finditer(r"^(\S+)\s+(\d+) training images/s", out, re.M)}
    return {**fits, **aes}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--advai-steps", type=int, default=3000)
    ap.add_argument("--ae-steps", type=int, default=200)
    args = ap.parse_args()
    values = {"native": {}, "pinned": {}}
    for r in range(args.rounds):
        for mode in ("native", "pinned") if r % 2 == 0 else ("pinned", "native"):
            out = run("bench_advai.py", mode, args.advai_steps) + run("bench_autoencoders.py", mode, args.ae_steps)
            if r == 0 and mode == "native":
                print(out.splitlines()[0])  # the machine line
            for k, v in measures(out).items():
                values[mode].setdefault(k, []).append(v)
            print(f"round {r + 1} {mode}: " + ", ".join(f"{k} {v:g}" for k, v in measures(out).items()), flush=True)
    print("slow-down of the pin (median native vs median pinned; > 1 is slower):")
    for k in values["native"]:
        a, b = statistics.median(values["native"][k]), statistics.median(values["pinned"][k])
        print(f"  {k:32s} {b / a if k.endswith('(s)') else a / b:.2f}x")


if __name__ == "__main__":
    main()
