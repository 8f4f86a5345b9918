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


def train_step_flops(model, batch: tuple, train: dict) -> float:
    r"""Floating-point operations of one training step of ``model`` on ``batch`` (forward and
    backward of every loss and the optimizer update), counted by ``torch.utils.flop_counter`` on a
    copy of the model with the random streams restored: matrix products and convolutions count
    :math:`2mnk` (a multiply and an add), elementwise work is not counted. Divide by the batch
    size for FLOPs per training image."""
    import copy

    from torch.utils.flop_counter import FlopCounterMode

    probe = copy.deepcopy(model).train()
    optimizers = probe.configure_optimizers(train)
    with torch.random.fork_rng(devices=[]), FlopCounterMode(display=False) as counter:
        probe.train_step(batch, optimizers)
    return float(counter.get_total_flops())


def _rate(fn, flops: float, repeats: int) -> float:
    import time

    fn()  # warm up: first calls choose kernels and allocate
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return flops / sorted(times)[len(times) // 2]


def _timed_steps(step, next_batch, steps: int, warmup: int = 0) -> float:
    """Call ``step(next_batch())`` ``warmup`` times untimed (kernels chosen, networks compiled),
    then ``steps`` times; return the seconds of the timed calls."""
    import time

    for _ in range(warmup):
        step(next_batch())
    t0 = time.perf_counter()
    for _ in range(steps):
        step(next_batch())
    return time.perf_counter() - t0


def peak_rates(device=torch.device("cpu"), repeats: int = 5) -> dict:
    """The machine's measured rate (FLOP/s, median of ``repeats``) on large instances of the
    kernels the autoencoders spend their time in, under the study's pinned numerics: a 2048 x 2048
    matrix product (``matmul``), and a 3 x 3 convolution forward and backward, batch 64, 64
    channels in and out, 32 x 32 (``convolution``)."""
    n = 2048
    a, b = torch.randn(n, n, device=device), torch.randn(n, n, device=device)
    sync = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    rates = {"matmul": _rate(lambda: (a @ b, sync()), 2 * n ** 3, repeats)}
    conv = torch.nn.Conv2d(64, 64, 3, padding=1).to(device)
    x = torch.randn(64, 64, 32, 32, device=device, requires_grad=True)
    forward = 2 * 64 * 64 * 64 * 9 * 32 * 32  # 2 x batch x c_out x c_in x 3 x 3 x output pixels

    def step():
        conv(x).sum().backward()  # forward + input and weight gradients: 3 x forward
        sync()
    rates["convolution"] = _rate(step, 3 * forward, repeats)
    return rates


#: Candidate speed-ups of an autoencoder's training step, measured side by side by
#: :func:`step_variants`: the optimizer's ``foreach`` and ``fused`` implementations, channels-last memory
#: layout for the convolutions (images and weights), and ``torch.compile`` of each of the model's
#: networks in place (inductor; alone and with channels-last).
VARIANTS = {"as trained": {}, "Adam foreach": {"foreach": True}, "Adam fused": {"fused": True},
            "channels-last": {"channels_last": True},
            "torch.compile": {"compile": True}, "channels-last + torch.compile": {"channels_last": True, "compile": True}}


def step_variants(name: str, images: torch.Tensor, steps: int, train: dict, variants: dict = VARIANTS,
                  warmup: int = 10) -> dict:
    """Train autoencoder ``name`` (latent 32) for ``warmup`` untimed and then ``steps`` timed steps
    from the same seed and batches once per variant (:data:`VARIANTS`); return ``{variant: (seconds
    of the timed steps, weights bit-identical to the first variant's)}``."""
    from ..models import build_model

    results, first = {}, None
    for label, v in variants.items():
        torch.manual_seed(0)
        model = build_model(name, 32, images.shape[1], images.shape[-1]).train()
        layout = torch.channels_last if v.get("channels_last") else torch.contiguous_format
        model = model.to(memory_format=layout)
        if v.get("compile"):
            for net in model.children():
                net.compile()  # in place: the state dict keeps its names
        optimizers = {k: torch.optim.Adam(ps, lr=train["lr"] if k == "autoencoder" else train["lr_adv"],
                                          betas=(train["beta1"], 0.999), foreach=v.get("foreach"), fused=v.get("fused"))
                      for k, ps in model.parameter_groups().items()}
        draw = torch.Generator().manual_seed(1)
        # compiled backward passes donate buffers, which the critics' gradient penalties
        # (create_graph=True) forbid: donation off
        with torch._functorch.config.patch(donated_buffer=False):
            seconds = _timed_steps(lambda x: model.train_step((x,), optimizers),
                                   lambda: images[torch.randint(len(images), (train["batch_size"],), generator=draw)]
                                   .contiguous(memory_format=layout), steps, warmup)
        weights = {k: t.detach().clone() for k, t in model.state_dict().items()}
        first = first or weights
        results[label] = (seconds, all(torch.equal(first[k], weights[k].contiguous()) for k in first))
    return results


class _LossesOf(torch.nn.Module):
    """A model whose ``forward`` is its :meth:`losses` (the per-group losses), for ``functional_call``."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model.losses(x)[0]


def seed_batched(models: list, train: dict):
    r"""Fits of one autoencoder kind (``models``, same class and shapes), batched into one training
    step with ``torch.func``: ``(stacked weights {name: [fits, ...]}, step)``, where ``step(x)``
    trains every fit once on its own batch ``x[s]`` (``x``: ``[fits, batch, channels, size, size]``).

    The weights are stacked along a leading fit axis (``torch.func.stack_module_state``) and the
    model's own :meth:`losses` run under ``torch.func.vmap`` (independent random draws per fit).
    Each loss is summed over the fits and differentiated with respect to its own group's stacked
    weights, every gradient before any update (as :meth:`advai.train.Trainable.train_step`), so
    fit :math:`s` receives the gradient of its own loss only; one Adam over the stacked weights is
    one Adam per fit (its update is elementwise). The convolutions become grouped ones and the
    random draws differ, so a batched fit matches a sequential one to round-off, not bit for bit.
    The logs' ``.item()`` calls (not allowed under ``vmap``) are bypassed while a step runs."""
    import copy
    from unittest import mock

    from torch.func import functional_call, stack_module_state, vmap

    own = {f"{net}.{k}" for net in ("encoder", "decoder") for k, _ in models[0].get_submodule(net).named_parameters()}
    params, buffers = stack_module_state(models)
    params = {k: v.detach().requires_grad_() for k, v in params.items()}
    groups = {"autoencoder": [k for k in params if k in own], "adversary": [k for k in params if k not in own]}
    groups = {g: ks for g, ks in groups.items() if ks}
    lr = {"autoencoder": train["lr"], "adversary": train["lr_adv"]}
    optimizers = {g: torch.optim.Adam([params[k] for k in ks], lr=lr[g], betas=(train["beta1"], 0.999))
                  for g, ks in groups.items()}
    template = _LossesOf(copy.deepcopy(models[0]).to("meta"))

    def losses(p, b, x):
        return functional_call(template, {f"model.{k}": v for k, v in {**p, **b}.items()}, (x,))

    batched_losses = vmap(losses, randomness="different")

    def step(x: torch.Tensor) -> None:
        with mock.patch.object(torch.Tensor, "item", lambda t: t):
            out = batched_losses(params, buffers, x)
        names = [g for g in groups if g in out]
        grads = [torch.autograd.grad(out[g].sum(), [params[k] for k in groups[g]], retain_graph=i < len(names) - 1)
                 for i, g in enumerate(names)]
        for g, gs in zip(names, grads):
            for k, gr in zip(groups[g], gs):
                params[k].grad = gr
            optimizers[g].step()

    return params, step


def seed_batched_step(name: str, images: torch.Tensor, steps: int, train: dict, seeds: int = 3,
                      warmup: int = 10) -> tuple[float, float]:
    """Seconds of ``steps`` training steps of ``seeds`` fits of autoencoder ``name`` (latent 32),
    after ``warmup`` untimed ones, trained one after the other (each as :func:`step_variants` times
    a fit) and batched into one step (:func:`seed_batched`): ``(one after another, batched)``."""
    import copy

    from ..models import build_model

    torch.manual_seed(0)
    models = [build_model(name, 32, images.shape[1], images.shape[-1]).train() for _ in range(seeds)]
    draw = torch.Generator().manual_seed(1)
    sequential = [copy.deepcopy(m) for m in models]
    optimizers = [m.configure_optimizers(train) for m in sequential]
    _, batched = seed_batched(models, train)

    def one_after_another(x):
        for m, opt, xs in zip(sequential, optimizers, x):
            m.train_step((xs,), opt)

    def next_batch():
        return images[torch.randint(len(images), (seeds, train["batch_size"]), generator=draw)]

    return _timed_steps(one_after_another, next_batch, steps, warmup), _timed_steps(batched, next_batch, steps, warmup)


def native_step_variants(names, steps: int, train: dict, variants=("as trained", "channels-last")) -> dict:
    """:func:`step_variants` of each autoencoder in ``names`` on MNIST-5k (32x32), run in a fresh
    Python process with ``ADVAI_NUMERICS=native`` (each kernel library's own code path for this CPU,
    e.g. AVX-512, instead of the pinned AVX2 one; the variables are read when a library first
    computes, so they cannot change inside this process): ``{name: {variant: seconds}}``. The
    weights are another model's than the pinned ones, on this machine and across machines."""
    import json
    import os
    import subprocess
    import sys

    code = ("import json, sys, advai\nfrom advai import data\nfrom advai.data import pad_to\n"
            "from advai.study.benchmarks import VARIANTS, step_variants\n"
            "names, steps, train, wanted = json.loads(sys.argv[1])\n"
            "x = pad_to(data.load('mnist5k').train[0], 32)\n"
            "print(json.dumps({n: {k: s for k, (s, _) in step_variants(n, x, steps, train, "
            "{k: VARIANTS[k] for k in wanted}).items()} for n in names}))\n")
    env = {**os.environ, "ADVAI_NUMERICS": "native"}
    out = subprocess.run([sys.executable, "-c", code, json.dumps([list(names), steps, train, list(variants)])],
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


#: The operators whose kernels do a training step's arithmetic in convolutions and matrix products
#: (oneDNN and MKL under the pin): what a bit-identical speed-up must leave as they are.
ARITHMETIC_OPS = ("aten::convolution_backward", "aten::_convolution", "aten::mkldnn_convolution",
                  "aten::mm", "aten::addmm", "aten::bmm")


def arithmetic_share(name: str, images: torch.Tensor, steps: int, train: dict, warmup: int = 10) -> float:
    r"""The share :math:`S` of a training step's wall time that autoencoder ``name`` (latent 32)
    spends inside the convolution and matrix-product operators (:data:`ARITHMETIC_OPS`, their own
    time as ``torch.profiler`` records it, over ``steps`` profiled steps), against the wall time of
    ``steps`` unprofiled steps. A change that keeps every one of those kernels, as a bit-identical
    one must under the pin, removes at most the rest, so it speeds a step up by at most
    :math:`1/S`."""

    from torch.profiler import ProfilerActivity, profile

    from ..models import build_model

    torch.manual_seed(0)
    model = build_model(name, 32, images.shape[1], images.shape[-1]).train()
    optimizers = model.configure_optimizers(train)
    draw = torch.Generator().manual_seed(1)

    def step(x):
        model.train_step((x,), optimizers)

    def next_batch():
        return images[torch.randint(len(images), (train["batch_size"],), generator=draw)]

    wall = _timed_steps(step, next_batch, steps, warmup)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        _timed_steps(step, next_batch, steps)
    inside = sum(e.self_cpu_time_total for e in prof.key_averages() if e.key in ARITHMETIC_OPS) / 1e6
    return inside / wall
