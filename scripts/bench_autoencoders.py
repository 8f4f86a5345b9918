"""Benchmark the four autoencoders on this machine: training images per second, and notebook 3's wall time.

    .venv/bin/python scripts/bench_autoencoders.py [--steps 200] [--device auto]

Trains each model (latent 32, batch 64, 32x32 MNIST-5k images) for ``--steps`` steps after
20 untimed steps and prints images/s. ``--device auto`` uses a CUDA GPU when one is present.
Then prints notebook 3's last measured wall time from the ``timings.json`` beside the
figures of the paper and quick profiles (written by ``make figures``), if there is one.
"""
import json
import time


from advai import data
from advai.data import pad_to
from advai.files import figures_dir, project_root
from advai.models import AUTOENCODERS, LABELS, TRAIN, fit_model
from advai.study.benchmarks import bench_arguments, machine_line


def images_per_second(name, x, steps, device):
    marks = {}
    kw = {"warmup_steps": 50} if name.startswith("advai_ae") else {}
    fit_model(name, x, latent=32, steps=20 + steps, seed=0, device=device, progress=False,
              callback=lambda s, log: marks.setdefault(s, time.perf_counter()), **kw)
    return steps * TRAIN["batch_size"] / (marks[20 + steps] - marks[20])


def main():
    args, dev = bench_arguments(__doc__, steps=200)
    print(machine_line(dev))
    x = pad_to(data.load("mnist5k").train[0], 32)
    for model in AUTOENCODERS:
        print(f"{LABELS[model]:9s} {images_per_second(model, x, args.steps, args.device):8.0f} training images/s", flush=True)
    quick = project_root() / "build" / "quick-seed0" / "figures"
    for profile, folder in (("paper", figures_dir()), ("quick", quick)):
        f = folder / "timings.json"
        if f.exists():
            t = json.loads(f.read_text()).get("03_advai_autoencoder", {}).get("notebook_s")
            if t is not None:
                print(f"notebook 3, {profile} profile, last `make figures` run: {t:.0f} s (short when its models were cached)")


if __name__ == "__main__":
    main()
