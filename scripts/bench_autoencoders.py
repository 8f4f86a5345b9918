"""Benchmark the four autoencoders on this machine against its limit: training images per second,
floating-point operations per training image, and the share of the machine's measured peak they
reach; then notebook 3's wall time.

    .venv/bin/python scripts/bench_autoencoders.py [--steps 200] [--device auto]

Trains each model (latent 32, batch 64, 32x32 MNIST-5k images) for ``--steps`` steps after
20 untimed steps and prints images/s. FLOPs per image are counted on one training step
(``advai.study.benchmarks.train_step_flops``: matrix products and convolutions, forward, backward
and update); the peak is measured on a large matrix product and a large 3x3 convolution
(``peak_rates``), so "of peak" says how far each model is from what the arithmetic allows here. On the CPU it
also prints the share of a step spent inside the convolution and matrix-product kernels
(``arithmetic_share``, profiled): a change that keeps those kernels, as a bit-identical one must,
can speed a step up by at most its inverse.
Each model is also timed with ACAI's own networks (``arch="acai"``) on fresh lines, as ACAI
trains them. On the CPU it then trains each model once per candidate speed-up (``step_variants``: Adam's
foreach and fused implementations, channels-last convolutions, ``torch.compile`` alone and with channels-last)
and prints the speed-up and whether the
weights stay bit-identical (a change that alters bits would need every table regenerated); then
the same model as trained and with channels-last under ``ADVAI_NUMERICS=native`` (the kernel
libraries' own code path for this CPU instead of the pinned AVX2 one; ``native_step_variants``, a
fresh process), and three fit seeds batched into one step with ``torch.func`` against the same
three one after another (``seed_batched_step``, half the steps).
``--device auto`` uses a CUDA GPU when one is present. Then prints notebook 3's last measured wall
time from the ``timings.json`` beside the figures of the paper and quick profiles (written by
``make figures``), if there is one.
"""
import json
import time


from advai import data
from advai.data import FreshLines, pad_to
from advai.files import figures_dir, project_root
from advai.models import AUTOENCODERS, LABELS, TRAIN, build_model, fit_model
from advai.study.benchmarks import (VARIANTS, arithmetic_share, bench_arguments, machine_line, native_step_variants,
                                    peak_rates, seed_batched_step, step_variants, train_step_flops)

SEEDS = 3  # the budget curve's fit seeds a model


def images_per_second(name, x, steps, device, arch="study"):
    marks = {}
    kw = {"warmup_steps": 50} if name.startswith("advai_ae") else {}
    fit_model(name, x, latent=32, steps=20 + steps, seed=0, device=device, progress=False, arch=arch,
              callback=lambda s, log: marks.setdefault(s, time.perf_counter()), **kw)
    return steps * TRAIN["batch_size"] / (marks[20 + steps] - marks[20])


def main():
    args, dev = bench_arguments(__doc__, steps=200)
    print(machine_line(dev))
    x = pad_to(data.load("mnist5k").train[0], 32)
    peak = peak_rates(dev)
    print("measured peak: " + ", ".join(f"{k} {v / 1e9:.1f} GFLOP/s" for k, v in peak.items()), flush=True)
    batch = x[:TRAIN["batch_size"]].to(dev)
    for model in AUTOENCODERS:
        per_image = train_step_flops(build_model(model, 32, 1, 32).to(dev), (batch,), TRAIN) / len(batch)
        rate = images_per_second(model, x, args.steps, args.device)
        achieved = rate * per_image
        print(f"{LABELS[model]:24s} {rate:6.0f} training images/s, {per_image / 1e6:6.1f} MFLOP an image, "
              f"{achieved / 1e9:5.1f} GFLOP/s: {achieved / peak['matmul']:4.0%} of the matmul peak, "
              f"{achieved / peak['convolution']:4.0%} of the convolution peak", flush=True)
        if dev.type == "cpu":
            share = arithmetic_share(model, x, args.steps, TRAIN)
            print(f"{'':24s} {share:4.0%} of a step inside the convolution and matrix-product kernels: "
                  f"a bit-identical change gains at most {1 / share:4.2f}x", flush=True)
    lines = FreshLines()
    for model in AUTOENCODERS:
        per_image = train_step_flops(build_model(model, 32, 1, 32, arch="acai").to(dev), lines(), TRAIN) / 64
        rate = images_per_second(model, lines, args.steps, args.device, arch="acai")
        print(f"{LABELS[model] + ', ACAI nets':24s} {rate:6.0f} training images/s, {per_image / 1e6:6.1f} MFLOP an image, "
              f"{rate * per_image / 1e9:5.1f} GFLOP/s (fresh lines, arch='acai')", flush=True)
    if dev.type == "cpu":
        print(f"candidate speed-ups, side by side ({args.steps} steps each; bit-identical: the same weights as trained):")
        for model in AUTOENCODERS:
            found = step_variants(model, x, args.steps, TRAIN)
            base = found[next(iter(VARIANTS))][0]
            print(f"  {LABELS[model]:24s} " + "; ".join(f"{k} {base / s:4.2f}x ({'bit-identical' if same else 'other bits'})"
                                                  for k, (s, same) in found.items()), flush=True)
            native = native_step_variants([model], args.steps, TRAIN)[model]
            print(f"  {'':24s} " + "; ".join(f"native numerics, {k} {base / s:4.2f}x (other bits)" for k, s in native.items()),
                  flush=True)
        print(f"{SEEDS} fit seeds batched into one step with torch.func (other bits), against the same fits one after another:")
        for model in AUTOENCODERS:
            one_by_one, batched = seed_batched_step(model, x, args.steps // 2, TRAIN, seeds=SEEDS)
            print(f"  {LABELS[model]:24s} {one_by_one / batched:4.2f}x", flush=True)
    quick = project_root() / "build" / "quick-seed0" / "figures"
    for profile, folder in (("paper", figures_dir()), ("quick", quick)):
        f = folder / "timings.json"
        if f.exists():
            t = json.loads(f.read_text()).get("03_advai_autoencoder", {}).get("notebook_s")
            if t is not None:
                print(f"notebook 3, {profile} profile, last `make figures` run: {t:.0f} s (short when its models were cached)")


if __name__ == "__main__":
    main()
