r"""The floating-point environment every fit runs under: pinned, so the weights a fit produces do
not depend on which vector instructions the CPU has or how many threads compute it.

A CPU fit's numbers come from three kernel libraries, each of which picks its code by the CPU it
finds: MKL (the matrix products of the MLPs), oneDNN (the convolutions) and ATen's own vectorised
kernels (element-wise ops and reductions). Sums taken in another order round differently, and an
adversarial fit amplifies the difference until the trained model is another one. Pinned (the
default), :func:`pin` sets, before torch computes anything,

* ``MKL_CBWR=AVX2,STRICT``: MKL's conditional-numerical-reproducibility branch for AVX2, strict
  mode (matrix products give the same bits whatever the thread count), and removes
  ``MKL_ENABLE_INSTRUCTIONS``, which would override it;
* ``DNNL_MAX_CPU_ISA=AVX2``: oneDNN's kernels at most AVX2;
* ``ATEN_CPU_CAPABILITY=avx2``: ATen's kernels the AVX2 ones.

The study needs an x86-64 CPU with AVX2 (Intel since 2013, AMD since 2015). What the pin does
not cover (MKL documents that on non-Intel CPUs its AVX2 branch falls back to its own CNR
dispatch; ARM CPUs, GPUs and other BLAS libraries have no such switch) is stated in the README.
``ADVAI_NUMERICS=native`` opts out (each library's own choice; usually faster on AVX-512
machines); the setting joins every run's identity (:func:`identity`), so runs made under one
environment are never read back under the other.

The variables are read when a library first computes, not when torch is imported, so
``import advai`` (which calls :func:`pin`) must come before the first torch operation; the
pin's effect is checked bit for bit by ``tests/test_numerics.py``.
"""
from __future__ import annotations

import os
import platform
import re
from pathlib import Path

PINNED = {"MKL_CBWR": "AVX2,STRICT", "DNNL_MAX_CPU_ISA": "AVX2", "ATEN_CPU_CAPABILITY": "avx2"}
OVERRIDES = ("MKL_ENABLE_INSTRUCTIONS",)  # would override MKL_CBWR
MODES = ("pinned", "native")


def mode(environ=None) -> str:
    """``$ADVAI_NUMERICS``: ``pinned`` (default) or ``native``; anything else is a ``ValueError``."""
    value = (os.environ if environ is None else environ).get("ADVAI_NUMERICS", "pinned")
    if value not in MODES:
        raise ValueError(f"ADVAI_NUMERICS={value!r} is not supported; allowed values: {', '.join(MODES)}")
    return value


def pin(environ=None) -> dict:
    """Set :data:`PINNED` in ``environ`` (default ``os.environ``) and remove :data:`OVERRIDES`,
    unless :func:`mode` is ``native``; return the variables as they now are."""
    env = os.environ if environ is None else environ
    if mode(env) == "pinned":
        env.update(PINNED)
        for name in OVERRIDES:
            env.pop(name, None)
    return settings(env)


def settings(environ=None) -> dict:
    """The numeric variables as set in ``environ`` (``None`` for unset ones), and the mode."""
    env = os.environ if environ is None else environ
    return {"mode": mode(env), **{k: env.get(k) for k in (*PINNED, *OVERRIDES)}}


def identity(device) -> dict:
    """What a run's numbers depend on beyond its settings, for its configuration: the numeric
    settings and the device (a GPU's model name, since GPUs of two models compute differently).
    The thread count joins only in ``native`` mode: pinned, the weights are the same at any
    thread count (tested), so fits made one thread per process and in-process share a cache."""
    import torch
    dev = torch.device(device)
    out = {**settings(), "device": dev.type}
    if dev.type == "cuda":
        out["device"] = f"cuda:{torch.cuda.get_device_name(dev)}"
    if out["mode"] == "native":
        out["threads"] = torch.get_num_threads()
    return out


def _cpuinfo(field: str) -> str | None:
    """The first ``field`` line of ``/proc/cpuinfo`` (Linux), or ``None``."""
    info = Path("/proc/cpuinfo")
    found = re.search(rf"^{field}\s*:\s*(.+)$", info.read_text(errors="replace"), re.M) if info.exists() else None
    return found.group(1).strip() if found else None


def cpu_model() -> str:
    """The CPU's model name (from ``/proc/cpuinfo`` on Linux), else :func:`platform.processor`."""
    return _cpuinfo("model name") or platform.processor() or platform.machine()


def cpu_vector_flags() -> list[str]:
    """The CPU's vector-instruction flags that decide the kernels' code paths (``avx*``, ``fma``, ``amx*``)."""
    flags = (_cpuinfo("flags") or "").split()
    return sorted({f for f in flags if f.startswith(("avx", "amx")) or f in ("fma", "f16c", "sse4_2")})


def describe() -> dict:
    """The machine's numeric facts for the manifest: settings, CPU model and vector flags, the
    kernel path ATen chose, torch's thread counts."""
    import torch
    return {**settings(), "cpu": cpu_model(), "cpu_flags": cpu_vector_flags(),
            "aten_capability": torch.backends.cpu.get_cpu_capability(),
            "threads": torch.get_num_threads(), "interop_threads": torch.get_num_interop_threads()}
