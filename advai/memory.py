r"""Memory a request would take, checked before it is allocated: :func:`require`.

Every size the library takes from a user -- a fit's networks (``hidden``, ``layers``, ``bins``,
``transforms``, ``dim``, ``latent``), its batch, the samples a flow standardises on, a prior's
``n`` draws, a loader's number of generated images -- is turned into bytes *before* anything of
that size exists, and compared with what this process can still allocate
(:func:`available_memory`). A request that cannot fit is a ``ValueError`` that names the setting,
how much it would need and how much there is; never a kill by the kernel, a ``bad_alloc`` or a
``RuntimeError`` half-way through.

Where the bytes come from:

* a network: :func:`model_bytes` builds it on PyTorch's ``meta`` device, which records every
  parameter's and buffer's shape and dtype without allocating their storage, and sums
  :math:`\text{numel} \times \text{element size}`; a network the meta device cannot build (zuko's
  flows, whose masks need real values) states its own count (:func:`advai.latent.flow.flow_bytes`);
* a fit: :data:`TRAINING_COPIES` times its network's bytes before the first step (the weights, a
  probe copy, gradients and Adam's two moments), then the batch's activations measured by
  :func:`advai.train.estimate_step_memory`;
* arrays: their element count times their element size times the temporaries the code that fills
  them keeps (stated where each check is made).
"""
from __future__ import annotations

from pathlib import Path

import torch

#: Requests smaller than this are not checked: none can matter on a machine that runs the study,
#: and a prior's sampler is asked for every training batch (reading the limits costs tens of
#: microseconds).
UNCHECKED_BELOW = 2**26

#: How many network-sized tensors a fit holds at its peak before its first step: the weights, the
#: copy :func:`advai.train.estimate_step_memory` probes, that copy's gradients and Adam's two moments.
TRAINING_COPIES = 5


def _meminfo(key: str) -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return None


def available_memory(dev=torch.device("cpu")) -> int | None:
    """Bytes this process can still allocate on ``dev``: a CUDA device's free memory; on the CPU the
    least of the machine's available memory (``MemAvailable``), what the cgroup's limit leaves,
    and what an address-space limit (``ulimit -v``) leaves. ``None`` when nothing can be read."""
    dev = torch.device(dev)
    if dev.type == "cuda":
        return int(torch.cuda.mem_get_info(dev)[0])
    found = [_meminfo("MemAvailable")]
    try:
        limit = Path("/sys/fs/cgroup/memory.max").read_text().strip()
        if limit != "max":
            found.append(int(limit) - int(Path("/sys/fs/cgroup/memory.current").read_text()))
    except (OSError, ValueError):
        pass
    try:
        import resource
        soft = resource.getrlimit(resource.RLIMIT_AS)[0]
        if soft != resource.RLIM_INFINITY:
            status = Path("/proc/self/status").read_text()
            used = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmSize:"))) * 1024
            found.append(soft - used)
    except (ImportError, OSError, ValueError, StopIteration):
        pass
    found = [f for f in found if f is not None]
    return max(0, min(found)) if found else None


def gib(nbytes: float) -> str:
    """``nbytes`` in GiB, two decimals (``'1.50 GiB'``)."""
    return f"{nbytes / 2**30:.2f} GiB"


def require(need: float, what: str, dev=torch.device("cpu"), advice: str = "choose a smaller value") -> None:
    """Raise ``ValueError`` when ``need`` bytes exceed :func:`available_memory` on ``dev`` (requests
    under :data:`UNCHECKED_BELOW` pass without a look).

    ``what`` names the request and its settings (``"fit_flow hidden=1000000"``); the message says
    how much it would need, how much this process can still allocate, and ``advice``."""
    if need < UNCHECKED_BELOW:
        return
    have = available_memory(torch.device(dev))
    if have is not None and need > have:
        raise ValueError(f"{what}: would need about {gib(need)}, but only {gib(have)} is available on {dev} "
                         f"(machine, cgroup and address-space limits); {advice}")


#: Bytes of Python objects a network keeps per parameter tensor, which even a meta build allocates
#: (measured: a linear layer and its activation on the meta device take about 4.6 kB with their
#: dictionaries, for two parameters).
TENSOR_BYTES = 4096


class _TooManyModules(Exception):
    pass


def model_bytes(build, what: str = "the networks") -> int:
    """Bytes of every parameter and buffer of the module ``build()`` returns, counted without
    allocating them (built on the ``meta`` device, every random stream left as it was). The build
    itself is bounded: a network with more parameter tensors than :data:`TENSOR_BYTES` each can hold
    in the memory free (a million layers) is stopped as its layers register their parameters and is
    a ``ValueError`` naming ``what``, not a ``MemoryError`` or ``std::bad_alloc`` at the end of memory."""
    have = available_memory()
    limit = None if have is None else have // TENSOR_BYTES
    count = [0]

    def counted(module, name, tensor):
        count[0] += 1
        if limit is not None and count[0] > limit:
            raise _TooManyModules
    hooks = [torch.nn.modules.module.register_module_parameter_registration_hook(counted),
             torch.nn.modules.module.register_module_buffer_registration_hook(counted)]
    try:
        with torch.random.fork_rng(devices=[]), torch.device("meta"):
            module = build()
    except _TooManyModules:
        raise ValueError(f"{what}: more than {limit:,} parameter tensors, which would need more than {gib(have)} "
                         "for their Python objects alone (about 4 kB each); choose smaller networks") from None
    finally:
        for hook in hooks:
            hook.remove()
    return sum(t.numel() * t.element_size() for t in [*module.parameters(), *module.buffers()])
