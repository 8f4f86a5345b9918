r"""The study's one training harness: every model (AdvAI's R and D_R, the four autoencoders,
the GANs, the digit classifier) is trained by :func:`fit`.

A model plugs in by subclassing :class:`Trainable`: it builds its networks in ``__init__``,
names its parameter groups and their optimizers (:meth:`~Trainable.configure_optimizers`)
and says what one step does (:meth:`~Trainable.losses`, or :meth:`~Trainable.train_step` for
an update that is not a simultaneous one). Batches come from a callable (:class:`Minibatches`
for tensors of images and labels; a prior sampler for AdvAI); every batch is moved to the
run's device. The harness owns the rest:

* **seeded RNG streams**: inside a forked RNG (CPU and CUDA), ``torch.manual_seed(seed)``, then
  the model is built (initial weights) and every batch and noise draw follows, so a fit
  neither depends on nor disturbs the caller's RNG;
* **checkpoints** every ``checkpoint_every`` steps, at the end, and on an exception between
  steps: weights, optimizer states, CPU and CUDA RNG states, step, history, training time
  and the run's configuration, written atomically and read back without executing code. A
  Ctrl-C (SIGINT) inside a step is held until the step is done (:class:`StepGuard`), so the
  checkpoint it leaves is a finished step; an error raised inside a step writes nothing (the
  step is half done) and the last checkpoint stands. The checkpoint folder is checked for
  writability before the first step;
* **resume**: a run pointed at its checkpoint continues from the last finished step and ends
  with bit-identical weights and history (on the same device); a finished one returns at once;
* **refusal**: a checkpoint made with another configuration or other data, a corrupt file, a
  file of another kind, a file altered after it was written (its digest,
  :func:`advai.files.payload_digest`, no longer matches) or one whose fields are out of range
  (step not an integer in [0, steps], history not finite numbers, snapshots of the wrong types,
  weights not finite, an optimizer state this run's optimizers could not have written:
  :func:`check_optimizer_states`; RNG states of the wrong kind) raises ``ValueError`` naming the
  file and the field, before the first step; a refused file is never overwritten. The digest
  catches accidents; a deliberate edit that recomputes it is caught by these field checks;
* **one run trained once**: a fit with a checkpoint holds ``<checkpoint>.lock`` (never followed
  through a symbolic link: :func:`advai.files.file_lock`) while it trains;
  a second process asking for the same run waits for it and then reads the result back;
* **memory**: before the networks are built, their bytes are counted without allocating them
  (:func:`advai.memory.model_bytes`) and checked against what the machine or device has free
  (:func:`advai.memory.available_memory`); before the first step, the memory a step needs is
  estimated from the networks and the batch size (:func:`estimate_step_memory`): networks or a
  batch that cannot fit are a ``ValueError`` naming the settings and the estimate, never a kill
  by the kernel;
* **cache**: with ``cache=<folder>`` the checkpoint is ``<folder>/<run_name(config)>.pt``, so
  the same configuration finds its run again; ``resume=False`` trains from scratch and
  overwrites; ``resume="once"`` is the study's recompute policy: train from scratch the first
  time this process asks for a run, read that run back every later time (a notebook that uses
  one model in several cells, or several models that share a warm-up, trains each run once);
* **code versions**: the configuration holds :func:`code_version` of the code that defines and
  trains the model, so after a change to that code a cached run is not found (it is retrained)
  and an explicit checkpoint is refused, never silently reused;
* **progress**: a tqdm bar on a terminal or in Jupyter; one line per 10% of the run in logs
  (CI, papermill); ``$ADVAI_PROGRESS`` = ``bar``, ``log`` or ``off`` overrides;
* a **record** of every run a process trained or read back (:func:`runs_used`), which the
  figures' manifest lists beside each table.
* **snapshots** (``snapshot_every=k``): :meth:`Trainable.snapshot` every k steps (step 0
  included), kept in the checkpoint and returned as ``model.snapshots`` (a list of
  ``(step, state)``), so a measure can be traced along training after the fact, from the cache.

The configuration a checkpoint is checked against is ``identity`` (what is trained, on which
data), ``code``, ``train`` (optimizer settings), ``seed``, ``steps`` and ``numerics`` (the
floating-point environment and device it is computed under: :func:`advai.numerics.identity`, so
a run made under another one is never read back); only ``steps`` may differ (to continue a run
for longer). The device is ``device`` or, by default, ``$ADVAI_DEVICE`` (else the CPU).
"""
from __future__ import annotations

import ast
import copy
import functools
import hashlib
import inspect
import json
import math
import numbers
import os
import re
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from contextlib import contextmanager
from typing import Callable

import torch
from filelock import Timeout
from torch import nn
from tqdm.auto import tqdm

from . import memory, numerics
from .checks import check_choice, check_positive_int
from .files import file_lock, read_torch_file, write_torch_file
from .memory import available_memory  # noqa: F401  (advai.train.available_memory, as before)

CHECKPOINT_FORMAT = "advai-training-checkpoint"
_RUNS: list[dict] = []
_TRAINED_HERE: set[str] = set()  # checkpoints this process (or its fit workers) trained: resume="once"


def default_device() -> str:
    """``$ADVAI_DEVICE`` (what the driver's ``--device`` and a notebook's ``device`` parameter set),
    else ``"cpu"``: the device every fit uses unless its call names one."""
    return os.environ.get("ADVAI_DEVICE") or "cpu"


def resolve_device(device: str | None = None) -> torch.device:
    """``None``: :func:`default_device`; ``"auto"``: CUDA when available, else CPU; ``"cpu"``,
    ``"cuda"`` or ``"cuda:<index>"``; any other name, or a CUDA device this machine does not have,
    is a ``ValueError`` naming it. A CUDA device gets PyTorch's deterministic settings
    (deterministic algorithms, no cuDNN autotuning, cuBLAS's fixed workspace), set before it computes."""
    device = default_device() if device is None else device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if not isinstance(device, str) or not re.fullmatch(r"cpu|cuda(:\d+)?", device):
        raise ValueError(f"device={device!r} is not supported; allowed values: 'auto', 'cpu', 'cuda', 'cuda:<index>'")
    dev = torch.device(device)
    if dev.type == "cuda" and (not torch.cuda.is_available() or (dev.index or 0) >= torch.cuda.device_count()):
        raise ValueError(f"device={device!r} was requested but this machine has no such CUDA device "
                         f"(torch.cuda.is_available() is {torch.cuda.is_available()}, "
                         f"{torch.cuda.device_count()} device(s))")
    if dev.type == "cuda":
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
        torch.use_deterministic_algorithms(True)
        torch.backends.cudnn.benchmark = False
    return dev


def check_writable(path: Path) -> None:
    """Raise ``ValueError`` naming the folder unless a checkpoint can be written next to ``path``
    (the folder is created if missing), and unless ``path`` itself is free for a file (not a
    folder): found before training, not after it."""
    if path.is_dir():
        raise ValueError(f"checkpoint {path} is a folder; pass a file path (or cache=<folder>)")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".advai-write-test-"):
            pass
    except OSError as exc:
        raise ValueError(f"checkpoint folder {path.parent} is not writable ({exc}); pass another checkpoint "
                         "or cache folder") from exc


class StepGuard:
    """Keeps a training step whole: a Ctrl-C (SIGINT) that arrives inside a step is held until the
    step and its bookkeeping are done, then raised as ``KeyboardInterrupt`` (a second Ctrl-C inside
    the same step is raised at once). Installed only in the main thread (where Python delivers
    signals); the previous handler is restored on exit."""

    def __init__(self):
        self.inside, self.pending, self.previous = False, False, None

    def _handler(self, signum, frame):
        if self.inside and not self.pending:
            self.pending = True
            return
        raise KeyboardInterrupt

    def __enter__(self) -> "StepGuard":
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGINT, self._handler)
        return self

    def __exit__(self, *exc) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGINT, self.previous)

    def begin(self) -> None:
        self.inside = True

    def end(self) -> None:
        """Leave the step; raise the interrupt that arrived inside it, if any."""
        self.inside = False
        if self.pending:
            self.pending = False
            raise KeyboardInterrupt


class Trainable(nn.Module):
    """A model the harness can train.

    Subclasses define :meth:`parameter_groups` and :meth:`configure_optimizers` (one optimizer
    per group) and either :meth:`losses` (one loss per group) or their own :meth:`train_step`.
    """

    def parameter_groups(self) -> dict[str, list[nn.Parameter]]:
        raise NotImplementedError

    def configure_optimizers(self, train: dict) -> dict[str, torch.optim.Optimizer]:
        raise NotImplementedError

    def losses(self, *batch) -> tuple[dict[str, torch.Tensor], dict[str, float]]:
        """One loss per parameter group (from one forward pass) and a dict of values to log."""
        raise NotImplementedError

    def train_step(self, batch: tuple, optimizers: dict) -> dict[str, float]:
        """Default step: each group's loss is differentiated with respect to that group's
        parameters only, all gradients from the same forward pass, then every group is updated
        (the simultaneous update of the TF implementations of ACAI and AdvAI)."""
        losses, log = self.losses(*batch)
        groups = self.parameter_groups()
        names = list(losses)
        grads = [torch.autograd.grad(losses[k], groups[k], retain_graph=i < len(names) - 1)
                 for i, k in enumerate(names)]
        for k, gs in zip(names, grads):
            for p, g in zip(groups[k], gs):
                p.grad = g
            optimizers[k].step()
        return log

    def snapshot(self) -> dict:
        """The state a training snapshot keeps (default: the whole model's ``state_dict``)."""
        return self.state_dict()

    def prepare(self, seed: int, cache, resume: bool, progress: bool) -> None:
        """Work done once before the first step of a fresh run (AdvAI-AE warms up its correction)."""


class Minibatches:
    """Batches of ``batch_size`` rows drawn uniformly with replacement from ``tensors`` (same
    rows of each: images, labels), from the seeded RNG."""

    def __init__(self, *tensors: torch.Tensor, batch_size: int):
        self.tensors, self.batch_size = tensors, check_positive_int("batch_size", batch_size)

    def to(self, device) -> "Minibatches":
        return Minibatches(*(t.to(device) for t in self.tensors), batch_size=self.batch_size)

    def __call__(self) -> tuple:
        idx = torch.randint(len(self.tensors[0]), (self.batch_size,)).to(self.tensors[0].device)
        return tuple(t[idx] for t in self.tensors)

    def resized(self, batch_size: int) -> "Minibatches":
        """The same draws at another batch size (what :func:`estimate_step_memory` probes with)."""
        return Minibatches(*self.tensors, batch_size=batch_size)


class Draws:
    """Batches of ``draws * batch_size`` rows from ``sample(n)`` (a prior sampler): the batches of
    the fits of R, whose step takes ``draws`` prior samples per batch element (endpoints, and the
    prior samples the critic sees)."""

    def __init__(self, sample: Callable[[int], torch.Tensor], batch_size: int, draws: int = 1):
        self.sample, self.batch_size = sample, check_positive_int("batch_size", batch_size)
        self.draws = check_positive_int("draws", draws)

    def __call__(self) -> tuple:
        return (self.sample(self.draws * self.batch_size),)

    def resized(self, batch_size: int) -> "Draws":
        return Draws(self.sample, batch_size, self.draws)


@contextmanager
def _rng_untouched(dev):
    """Every random stream a step might draw from (torch's, NumPy's global, Python's) restored on exit."""
    import random

    import numpy as np
    np_state, py_state = np.random.get_state(), random.getstate()
    try:
        with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
            yield
    finally:
        np.random.set_state(np_state)
        random.setstate(py_state)


def estimate_step_memory(model: "Trainable", batches, train: dict, dev=torch.device("cpu")) -> int:
    """Bytes one training step of ``model`` on ``batches`` needs, estimated before training.

    Two probe steps on a copy of the model, at batch sizes 2 and 4 (random streams untouched),
    count the bytes of the batch and of every tensor autograd keeps for the backward pass
    (``torch.autograd.graph.saved_tensors_hooks``; each storage once); a straight line through the two counts gives
    a fixed part :math:`F` and a part per batch element :math:`a`. The estimate for
    ``batches.batch_size`` = B is :math:`3(F + aB) + 4P`: the kept tensors, their gradients and
    the backward pass's temporaries (convolution buffers, a second backward pass through the same
    graph), plus the parameters' bytes :math:`P` four times (weights, gradients, Adam's two
    moments). ``scripts/bench_memory.py`` prints it beside the measured peak of real steps."""
    counts = []
    for b in (2, 4):
        probe = copy.deepcopy(model)
        optimizers = probe.configure_optimizers(train)
        kept = {}  # storage address -> bytes: a tensor kept by several operations counts once

        def pack(t):
            kept[t.untyped_storage().data_ptr()] = t.untyped_storage().nbytes()
            return t
        with _rng_untouched(dev), torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
            batch = tuple(batches.resized(b)())
            for t in batch:
                pack(t)
            probe.train()
            probe.train_step(batch, optimizers)
        counts.append(sum(kept.values()))
    per_element = max(0.0, (counts[1] - counts[0]) / 2)
    fixed = max(0.0, counts[0] - 2 * per_element)
    params = sum(p.numel() * p.element_size() for p in model.parameters())
    return int(3 * (fixed + per_element * batches.batch_size) + 4 * params)


def check_memory(model: "Trainable", batches, train: dict, dev) -> None:
    """Raise ``ValueError`` naming ``batch_size`` when :func:`estimate_step_memory` exceeds
    :func:`available_memory`; batches without ``resized`` (a caller's own callable) are not probed."""
    if not hasattr(batches, "resized"):
        return
    need, have = estimate_step_memory(model, batches, train, dev), available_memory(dev)
    if have is not None and need > have:
        raise ValueError(f"batch_size={batches.batch_size}: a training step needs about {need / 2**30:.2f} GiB "
                         f"(estimated from the networks: tensors kept for the backward pass at batch sizes 2 "
                         f"and 4, scaled, plus weights, gradients and Adam's moments), but only "
                         f"{have / 2**30:.2f} GiB is available on {dev}; choose a smaller batch_size")


def data_fingerprint(images: torch.Tensor) -> dict:
    """Shape and a pixel checksum, stored in a run's configuration so a model is never resumed on other data."""
    return {"shape": list(images.shape), "sum": round(float(images.double().sum()), 3)}


def _advai_module(obj) -> str | None:
    name = obj.__name__ if inspect.ismodule(obj) else getattr(obj, "__module__", None)
    return name if isinstance(name, str) and (name == "advai" or name.startswith("advai.")) else None


def code_modules(*objects) -> list[str]:
    """The advai modules that define ``objects`` and, transitively, every advai module those
    modules take a name from (``from .x import y``): the code a model's definition and training
    can depend on. Other packages (torch, numpy) are pinned by the environment instead."""
    todo, seen = [m for m in map(_advai_module, objects) if m], set()
    while todo:
        name = todo.pop()
        if name not in seen:
            seen.add(name)
            todo += [m for m in map(_advai_module, vars(sys.modules[name]).values()) if m and m not in seen]
    return sorted(seen)


def _code_without_docs(path: str) -> str:
    """The module's syntax tree without docstrings: comments, docstrings and layout do not count.
    Parsed once per version of the file (its path, modification time and size): every fit asks."""
    stat = os.stat(path)
    return _parsed_without_docs(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=None)
def _parsed_without_docs(path: str, mtime_ns: int, size: int) -> str:
    tree = ast.parse(Path(path).read_text())
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree)


def code_version(*objects) -> str:
    """A short hash of the code (not the comments or docstrings) of :func:`code_modules` of ``objects``.

    Changing one line of a model's losses changes its version and no other model's; changing
    shared code (the harness, the layers) changes the version of every model that uses it.
    """
    h = hashlib.sha256()
    for name in code_modules(*objects):
        h.update(name.encode() + b"\0" + _code_without_docs(sys.modules[name].__file__).encode() + b"\0")
    return h.hexdigest()[:12]


def runs_used() -> list[dict]:
    """Every run :func:`fit` trained or read back in this process, in order: its :func:`run_name`
    and what happened (``trained``, ``resumed at step k``, ``read back``)."""
    return [{"run": r["run"], "status": r["status"]} for r in _RUNS]


def progress_mode() -> str:
    """``$ADVAI_PROGRESS`` if set (``bar``, ``log`` or ``off``); else a bar on a terminal or in a
    Jupyter kernel, and log lines anywhere else (CI logs, redirected output)."""
    mode = os.environ.get("ADVAI_PROGRESS")
    if mode:
        check_choice("ADVAI_PROGRESS", mode, ("bar", "log", "off"))
        return mode
    return "bar" if sys.stderr.isatty() or "ipykernel" in sys.modules else "log"


class Progress:
    """A tqdm bar, or (``mode="log"``) one line on stderr per 10% of the run: no carriage returns in logs."""

    def __init__(self, total: int, initial: int, desc: str, enabled: bool = True, mode: str | None = None):
        self.mode = (mode or progress_mode()) if enabled and initial < total else "off"
        self.total, self.desc, self.t0, self.next_tenth = total, desc, time.perf_counter(), initial * 10 // total + 1
        self.bar = tqdm(total=total, initial=initial, desc=desc, leave=False) if self.mode == "bar" else None

    def update(self, step: int, log: dict | None) -> None:
        values = {k: f"{v:.4f}" for k, v in (log or {}).items()}
        if self.bar is not None:
            if log:
                self.bar.set_postfix(values, refresh=False)
            self.bar.update(1)
        elif self.mode == "log" and step * 10 >= self.next_tenth * self.total:
            self.next_tenth = step * 10 // self.total + 1
            detail = ", ".join(f"{k} {v}" for k, v in values.items())
            print(f"{self.desc}: {100 * step // self.total}% ({step}/{self.total} steps, "
                  f"{time.perf_counter() - self.t0:.0f} s){'; ' + detail if detail else ''}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def run_name(config: dict) -> str:
    """The cache name of a run, in the spirit of ACAI's ``experiment_name``: the kind, then
    ``<key><value>`` for every scalar setting in sorted order, then a short hash of the *whole*
    configuration (nested settings such as hyperparameters, the data fingerprint and the code
    version included),
    so two runs share a name only when they share every setting."""
    scalars = [f"{k}{v:g}" if isinstance(v, float) else f"{k}{v}" for k, v in sorted(config.items())
               if k not in ("kind", "code") and isinstance(v, (str, int, float, bool))]
    readable = re.sub(r"[^A-Za-z0-9._+-]+", "-", "_".join([str(config.get("kind", "run"))] + scalars))
    digest = hashlib.sha256(json.dumps(config, sort_keys=True, default=str).encode()).hexdigest()[:10]
    return f"{readable}_{digest}"


def reuses_checkpoint(path: Path | None, resume) -> bool:
    """Whether :func:`fit` starts from the checkpoint at ``path`` under the policy ``resume``:
    ``True`` whenever it exists, ``False`` never, ``"once"`` when this process trained it
    (:func:`mark_trained_here`)."""
    if not (isinstance(resume, bool) or resume == "once"):
        raise ValueError(f"resume must be True, False or 'once', got {resume!r}")
    if path is None or not path.exists():
        return False
    return resume is True or (resume == "once" and str(path.resolve()) in _TRAINED_HERE)


def mark_trained_here(path) -> None:
    """Record that the run at ``path`` was trained in this process: ``resume="once"`` reads it back."""
    _TRAINED_HERE.add(str(Path(path).resolve()))


def adopt_last_run(status: str) -> None:
    """The run this process just read back was made by a worker for it
    (:func:`advai.study.parallel.run_fits`): record what the worker did (``status``) instead of
    ``read back``, and, when the worker trained it, treat it as trained here (``resume="once"``)."""
    if not _RUNS:
        raise ValueError("adopt_last_run: this process has read back no run")
    _RUNS[-1]["status"] = status
    if status != "read back" and _RUNS[-1].get("path"):
        mark_trained_here(_RUNS[-1]["path"])


def read_checkpoint(path, config: dict, steps: int, dev=torch.device("cpu")) -> dict:
    """A training checkpoint at ``path`` made with ``config`` (``steps`` aside), or ``ValueError`` naming the file."""
    blob = read_torch_file(path, "checkpoint")
    if blob.get("format") != CHECKPOINT_FORMAT:
        raise ValueError(f"{path} is not an advai training checkpoint (format={blob.get('format')!r})")
    stored = blob.get("config")
    if not isinstance(stored, dict):
        raise ValueError(f"checkpoint {path} has no configuration")
    diff = sorted(k for k in set(config) | set(stored) if k != "steps" and stored.get(k) != config.get(k))
    if diff:
        raise ValueError(_describe_difference(path, stored, config, diff))
    check_checkpoint_fields(path, blob, steps, dev)
    return blob


def _is_int(v) -> bool:
    return isinstance(v, numbers.Integral) and not isinstance(v, bool)


def _is_number(v) -> bool:
    return isinstance(v, numbers.Real) and not isinstance(v, bool) and math.isfinite(v)


def check_tensors(path, field: str, state, what: str = "checkpoint") -> None:
    """Raise ``ValueError`` naming the file and ``field`` unless ``state`` maps names to tensors
    whose floating-point entries are all finite."""
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state.items()):
        raise ValueError(f"{what} {path}: field {field!r} must map names to tensors")
    bad = [k for k, v in state.items() if v.is_floating_point() and not torch.isfinite(v).all()]
    if bad:
        raise ValueError(f"{what} {path}: field {field!r} holds NaN or inf in {', '.join(bad[:3])}"
                         f"{' and more' if len(bad) > 3 else ''}; it is not trusted")


def check_history(path, history, what: str = "checkpoint") -> None:
    """Raise ``ValueError`` unless ``history`` maps names to lists of finite numbers (its ``step`` to integers)."""
    ok = isinstance(history, dict) and all(isinstance(k, str) and isinstance(v, list) for k, v in history.items())
    if not ok or not all(_is_int(s) for s in history.get("step", [])) \
            or not all(_is_number(x) for v in history.values() for x in v):
        raise ValueError(f"{what} {path}: field 'history' must map names to lists of finite numbers")


def check_checkpoint_fields(path, blob: dict, steps: int, dev=torch.device("cpu")) -> None:
    """Every field a resumed fit reads, checked before it is used (``ValueError`` naming the file
    and the field): ``step`` an integer in [0, ``steps``], ``seconds`` a finite number >= 0,
    ``history`` lists of finite numbers, ``snapshots`` a list of (step, tensors) pairs with steps in
    [0, ``step``], ``model`` finite tensors, ``optimizers`` a dict of states (checked against the
    run's own optimizers by :func:`check_optimizer_states` before they are loaded), ``rng`` torch's
    CPU generator state (a byte tensor of its length), ``cuda_rng`` ``None`` for a run on the CPU
    and one CUDA generator state per device for a run on CUDA."""
    step = blob.get("step")
    if not _is_int(step) or not 0 <= step <= steps:
        raise ValueError(f"checkpoint {path}: field 'step' must be an integer in [0, steps={steps}], found {step!r}")
    if not _is_number(blob.get("seconds")) or blob["seconds"] < 0:
        raise ValueError(f"checkpoint {path}: field 'seconds' must be a finite number >= 0, found {blob.get('seconds')!r}")
    check_history(path, blob.get("history"))
    snapshots = blob.get("snapshots", [])
    if not isinstance(snapshots, list) or not all(isinstance(s, (list, tuple)) and len(s) == 2 and _is_int(s[0])
                                                  and 0 <= s[0] <= step for s in snapshots):
        raise ValueError(f"checkpoint {path}: field 'snapshots' must be a list of (step, weights) pairs, "
                         f"each step in [0, step={step}]")
    for k, (_, state) in enumerate(snapshots):
        check_tensors(path, f"snapshots[{k}]", state)
    check_tensors(path, "model", blob.get("model"))
    if not isinstance(blob.get("optimizers"), dict) or not all(isinstance(v, dict) for v in blob["optimizers"].values()):
        raise ValueError(f"checkpoint {path}: field 'optimizers' must map names to optimizer states")
    check_rng_state(path, "rng", blob.get("rng"), torch.get_rng_state().numel())
    cuda = blob.get("cuda_rng")
    if torch.device(dev).type != "cuda":
        if cuda is not None:
            raise ValueError(f"checkpoint {path}: field 'cuda_rng' must be None for a run on {dev}, "
                             f"found {type(cuda).__name__}")
    elif not isinstance(cuda, list) or len(cuda) != torch.cuda.device_count():
        raise ValueError(f"checkpoint {path}: field 'cuda_rng' must list one CUDA generator state per device "
                         f"({torch.cuda.device_count()})")
    else:
        for i, state in enumerate(cuda):
            check_rng_state(path, f"cuda_rng[{i}]", state, torch.cuda.get_rng_state(i).numel())


def check_rng_state(path, field: str, state, length: int) -> None:
    """Raise ``ValueError`` unless ``state`` is a 1-D byte tensor of ``length`` bytes (a generator's state)."""
    if not isinstance(state, torch.Tensor) or state.dtype != torch.uint8 or state.shape != (length,):
        found = (f"{state.dtype} tensor of shape {tuple(state.shape)}" if isinstance(state, torch.Tensor)
                 else type(state).__name__)
        raise ValueError(f"checkpoint {path}: field {field!r} must be a generator state, a byte tensor of "
                         f"{length} bytes; found {found}")


#: The state tensors each optimizer keeps per parameter (those not listed are refused), and those
#: of them that are never negative (Adam's second moments).
OPTIMIZER_STATE = {torch.optim.Adam: {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}}
NON_NEGATIVE_STATE = {"exp_avg_sq", "max_exp_avg_sq"}
#: Hyperparameters a run may change while it trains: the learning rate (a schedule lowers it from
#: the configured value, never raises it) and Adam's epsilon (TensorFlow's, per step:
#: :func:`advai.latent.authors_toy.tf_epsilon`). Every other one must equal the configured value.
SCHEDULED = ("lr", "eps")
#: How far epsilon may grow above its configured value: TensorFlow's epsilon, carried to PyTorch,
#: is the configured one over :math:`\sqrt{1 - \beta_2^k}`, at most 32 times it at beta2 = 0.999.
EPS_GROWTH = 1000


def check_optimizer_states(path, stored: dict, optimizers: dict) -> None:
    """Raise ``ValueError`` naming the file and the field unless each stored optimizer state could
    have been written by the run's own, freshly configured ``optimizers``: the same optimizers; the
    same parameter groups over the same parameters, with the configured hyperparameters (the
    learning rate a finite number in [0, configured], epsilon a finite number in (0, 1000 times
    configured]: see
    :data:`SCHEDULED`); per parameter only the state an optimizer of that kind keeps
    (:data:`OPTIMIZER_STATE`), a step count that is a whole number >= 0, and tensors of the
    parameter's shape and dtype, finite (second moments >= 0)."""
    if set(stored) != set(optimizers):
        raise ValueError(f"checkpoint {path}: field 'optimizers' holds {sorted(stored)}, but this run has "
                         f"{sorted(optimizers)}")
    for name, opt in optimizers.items():
        field, state, fresh = f"optimizers[{name!r}]", stored[name], opt.state_dict()
        if set(state) != {"state", "param_groups"} or not isinstance(state["param_groups"], list) \
                or not isinstance(state["state"], dict) or len(state["param_groups"]) != len(fresh["param_groups"]):
            raise ValueError(f"checkpoint {path}: field {field} must hold 'state' and "
                             f"{len(fresh['param_groups'])} 'param_groups', as this run's optimizer does")
        for g, (group, configured) in enumerate(zip(state["param_groups"], fresh["param_groups"])):
            _check_group(path, f"{field}['param_groups'][{g}]", group, configured)
        params = [p for group in opt.param_groups for p in group["params"]]
        for index, entry in state["state"].items():
            where = f"{field}['state'][{index!r}]"
            if not _is_int(index) or not 0 <= index < len(params) or not isinstance(entry, dict):
                raise ValueError(f"checkpoint {path}: field {where} names no parameter of this run "
                                 f"(indices 0-{len(params) - 1})")
            _check_parameter_state(path, where, entry, params[index], OPTIMIZER_STATE.get(type(opt)))


def _check_group(path, where: str, group, configured: dict) -> None:
    if not isinstance(group, dict) or set(group) != set(configured) or group["params"] != configured["params"]:
        raise ValueError(f"checkpoint {path}: field {where} must have this run's parameters and settings "
                         f"({sorted(configured)})")
    for key, value in configured.items():
        found = group[key]
        if key == "lr":
            ok = _is_number(found) and 0 <= found <= value
        elif key == "eps":
            ok = _is_number(found) and 0 < found <= EPS_GROWTH * value
        else:
            ok = key == "params" or (type(found) is type(value) and found == value)
        if not ok:
            allowed = (f"a finite number in [0, {value!r}]" if key == "lr" else
                       f"a finite number in (0, {EPS_GROWTH * value!r}]" if key == "eps" else repr(value))
            raise ValueError(f"checkpoint {path}: field {where}[{key!r}] must be {allowed}, as this run "
                             f"configures it; found {found!r}")


def _check_parameter_state(path, where: str, entry: dict, param: torch.Tensor, allowed) -> None:
    unknown = sorted(set(entry) - allowed) if allowed is not None else []
    if unknown:
        raise ValueError(f"checkpoint {path}: field {where} holds {unknown}, which this optimizer does not keep")
    for key, value in entry.items():
        if key == "step":
            v = float(value) if isinstance(value, torch.Tensor) and value.numel() == 1 else value
            if not _is_number(v) or v < 0 or v != int(v):
                raise ValueError(f"checkpoint {path}: field {where}['step'] must be a whole number >= 0, found {value!r}")
        elif not isinstance(value, torch.Tensor) or value.shape != param.shape or value.dtype != param.dtype:
            raise ValueError(f"checkpoint {path}: field {where}[{key!r}] must be a {param.dtype} tensor of the "
                             f"parameter's shape {tuple(param.shape)}")
        elif not torch.isfinite(value).all() or (key in NON_NEGATIVE_STATE and (value < 0).any()):
            raise ValueError(f"checkpoint {path}: field {where}[{key!r}] holds NaN, inf"
                             f"{' or negative values' if key in NON_NEGATIVE_STATE else ''}; it is not trusted")


def _describe_difference(path, stored: dict, config: dict, diff: list) -> str:
    detail = "; ".join(f"{k}: checkpoint {stored.get(k)!r} vs requested {config.get(k)!r}" for k in diff)
    why = (" -- the code that defines or trains this model has changed since the checkpoint was written"
           if "code" in diff else "")
    return (f"checkpoint {path} was made with other settings or data ({detail}){why}; "
            "pass resume=False to retrain, or use another checkpoint path")


def fit(build: Callable[[], Trainable], batches: Callable[[], tuple], identity: dict, train: dict, *, code: tuple,
        steps: int, seed: int = 0, device: str | None = None, checkpoint=None, cache=None, checkpoint_every: int = 500,
        resume: bool | str = True, progress: bool = True, log_every: int = 10, callback=None, desc: str = "",
        snapshot_every: int | None = None, model_bytes: int | None = None) -> Trainable:
    """Train the model ``build()`` makes for ``steps`` steps on ``batches()``; return it in eval mode.

    ``identity`` says what is trained on which data; ``code`` names the classes and functions
    that define and train it (their :func:`code_version` joins the configuration); with
    ``train``, ``seed`` and ``steps`` they form the run's configuration (``model.fit_config``).
    ``checkpoint``: a file path; else with
    ``cache`` (a folder) the file is named by :func:`run_name`. ``resume=False`` trains from
    scratch even when the checkpoint exists; ``resume="once"`` too, unless this process trained
    it already (then it is read back). ``callback(step, log)`` runs after every step.
    The returned model carries ``history`` (values logged every ``log_every`` steps),
    ``fit_seconds`` (training wall time, summed over resumed sessions), ``fit_config`` and
    ``snapshots`` (``(step, model.snapshot())`` every ``snapshot_every`` steps from step 0, on
    the CPU; empty when ``snapshot_every`` is None, which is then left out of the configuration).
    Before ``build()`` allocates anything, its networks' bytes (``model_bytes``, else counted by
    :func:`advai.memory.model_bytes` on the meta device) times :data:`advai.memory.TRAINING_COPIES`
    are checked against the memory free (a ``ValueError`` naming the networks' settings).
    """
    steps = check_positive_int("steps", steps)
    checkpoint_every = check_positive_int("checkpoint_every", checkpoint_every)
    log_every = check_positive_int("log_every", log_every)
    seed = check_seed(seed)
    dev = resolve_device(device)
    config = {**identity, "code": code_version(*code), "train": dict(train), "seed": seed, "steps": steps,
              "numerics": numerics.identity(dev)}
    if snapshot_every is not None:
        config["snapshot_every"] = check_positive_int("snapshot_every", snapshot_every)
    path = Path(checkpoint) if checkpoint is not None else (Path(cache) / f"{run_name(config)}.pt" if cache else None)
    if path is not None:
        check_writable(path)
    with _run_lock(path, desc) as waited:
        if waited and resume == "once":
            resume = True  # another process trained this run while we waited: read back what it made
        check_network_memory(build, model_bytes, identity, desc, dev)
        return _fit_locked(build, batches, train, config, path, dev, steps=steps, seed=seed, cache=cache,
                           checkpoint_every=checkpoint_every, resume=resume, progress=progress, log_every=log_every,
                           callback=callback, desc=desc, snapshot_every=snapshot_every)


def check_network_memory(build, nbytes, identity: dict, desc: str, dev) -> None:
    """Raise ``ValueError`` before ``build()`` runs when its networks, trained (weights, a probe copy,
    gradients, Adam's moments: :data:`advai.memory.TRAINING_COPIES`), cannot fit in the memory free."""
    settings = identity.get("model") if isinstance(identity.get("model"), dict) else {
        k: identity[k] for k in ("model", "latent", "channels", "size") if k in identity}
    shown = ", ".join(f"{k}={v}" for k, v in settings.items())
    nbytes = memory.model_bytes(build, f"{desc or 'fit'} ({shown}): the networks") if nbytes is None else nbytes
    memory.require(memory.TRAINING_COPIES * nbytes, f"{desc or 'fit'} ({shown}): networks of {memory.gib(nbytes)}, trained",
                   dev, advice="choose smaller networks (fewer or narrower layers, fewer bins or dimensions)")


def check_seed(seed) -> int:
    """Return ``seed`` as an int; raise ``ValueError`` unless it is a whole number in [0, 2**63)
    (bools and fractions such as 1.5 are refused)."""
    if not _is_int(seed) or not 0 <= seed < 2**63:
        raise ValueError(f"seed must be an integer in [0, 2**63), got {seed!r}")
    return int(seed)


@contextmanager
def _run_lock(path: Path | None, desc: str):
    """Hold ``<path>.lock`` while a run is trained or read, so that two processes asking for the same
    run train it once: the second waits (saying so) and yields ``True`` (it waited on another)."""
    if path is None:  # nothing on disk to share
        yield False
        return
    lock = file_lock(path)
    waited = False
    try:
        lock.acquire(timeout=0)
    except Timeout:
        waited = True
        print(f"[advai] {desc or path.name}: another process is training this run; waiting for it to finish",
              file=sys.stderr, flush=True)
        lock.acquire()
    try:
        yield waited
    finally:
        lock.release()


def _fit_locked(build, batches, train, config, path, dev, *, steps, seed, cache, checkpoint_every, resume, progress,
                log_every, callback, desc, snapshot_every) -> Trainable:
    with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        torch.manual_seed(seed)
        model = build()  # initial weights from the seed
        blob = read_checkpoint(path, config, steps, dev) if reuses_checkpoint(path, resume) else None
        if blob is None or blob["step"] < steps:
            check_memory(model, batches, train, dev)  # before the first batch is drawn
        if blob is None:
            model.prepare(seed=seed, cache=cache, resume=resume, progress=progress)
        model.to(dev)
        optimizers = model.configure_optimizers(train)
        state = {"step": 0, "seconds": 0.0, "history": {"step": []}, "snapshots": []}
        if blob is not None:
            _restore(path, blob, model, optimizers, state, dev)

        def take_snapshot():
            if snapshot_every is not None and state["step"] % snapshot_every == 0:
                state["snapshots"].append((state["step"], {k: v.detach().cpu().clone() for k, v in model.snapshot().items()}))
        status = ("trained" if blob is None else "read back" if state["step"] >= steps
                  else f"resumed at step {state['step']}")
        draw = batches.to(dev) if hasattr(batches, "to") else batches

        def save():
            if path is not None:
                write_torch_file(path, {
                    "format": CHECKPOINT_FORMAT, "config": config, **state, "model": model.state_dict(),
                    "optimizers": {k: o.state_dict() for k, o in optimizers.items()}, "rng": torch.get_rng_state(),
                    "cuda_rng": torch.cuda.get_rng_state_all() if dev.type == "cuda" else None})

        model.train()
        bar = Progress(steps, state["step"], desc, enabled=progress)
        if state["step"] == 0:
            take_snapshot()
        guard = StepGuard()
        try:
            with guard:
                while state["step"] < steps:
                    guard.begin()  # a step and its bookkeeping are whole: a Ctrl-C inside waits for guard.end()
                    t0 = time.perf_counter()
                    log = model.train_step(tuple(t.to(dev) for t in draw()), optimizers)
                    state["seconds"] += time.perf_counter() - t0
                    state["step"] += 1
                    logged = state["step"] % log_every == 0 or state["step"] == steps
                    if logged:
                        state["history"]["step"].append(state["step"])
                        for k, v in log.items():
                            state["history"].setdefault(k, []).append(v)
                    take_snapshot()
                    guard.end()
                    if callback is not None:
                        callback(state["step"], log)
                    bar.update(state["step"], log if logged else None)
                    if state["step"] % checkpoint_every == 0 and state["step"] < steps:
                        save()
        except BaseException:
            if not guard.inside:  # the last finished step: resuming continues exactly there
                save()
            raise  # an error inside a step leaves it half done: the last checkpoint stands
        finally:
            bar.close()
        save()
    model.eval().requires_grad_(False)
    model.history, model.fit_seconds, model.fit_config = state["history"], state["seconds"], config
    model.snapshots = state["snapshots"]
    _RUNS.append({"run": run_name(config), "status": status, "path": str(path) if path is not None else None})
    if path is not None and status != "read back":
        mark_trained_here(path)
    return model


def _restore(path, blob: dict, model: Trainable, optimizers: dict, state: dict, dev) -> None:
    check_optimizer_states(path, blob["optimizers"], optimizers)
    try:
        model.load_state_dict(blob["model"])
        for k, opt in optimizers.items():
            opt.load_state_dict(blob["optimizers"][k])
        state.update(step=int(blob["step"]), seconds=float(blob["seconds"]), history=blob["history"],
                     snapshots=list(blob.get("snapshots", [])))
        torch.set_rng_state(blob["rng"])
    except (KeyError, TypeError, RuntimeError, ValueError) as exc:
        raise ValueError(f"checkpoint {path} is corrupt or does not match the model: {exc}") from exc
    if blob.get("cuda_rng") is not None and dev.type == "cuda":
        torch.cuda.set_rng_state_all(blob["cuda_rng"])
