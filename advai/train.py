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
* **refusal**: a checkpoint made with another configuration or other data, a corrupt file or a
  file of another kind raises ``ValueError`` naming the file and what differs;
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
import hashlib
import inspect
import json
import os
import re
import signal
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable

import torch
from torch import nn
from tqdm.auto import tqdm

from . import numerics
from .checks import check_choice, check_positive_int
from .files import read_torch_file, write_torch_file

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
    (the folder is created if missing): found before training, not after it."""
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
    """The module's syntax tree without docstrings: comments, docstrings and layout do not count."""
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


def read_checkpoint(path, config: dict, steps: int) -> dict:
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
    if blob.get("step", 0) > steps:
        raise ValueError(f"checkpoint {path} is at step {blob['step']} > steps={steps}")
    return blob


def _describe_difference(path, stored: dict, config: dict, diff: list) -> str:
    detail = "; ".join(f"{k}: checkpoint {stored.get(k)!r} vs requested {config.get(k)!r}" for k in diff)
    why = (" -- the code that defines or trains this model has changed since the checkpoint was written"
           if "code" in diff else "")
    return (f"checkpoint {path} was made with other settings or data ({detail}){why}; "
            "pass resume=False to retrain, or use another checkpoint path")


def fit(build: Callable[[], Trainable], batches: Callable[[], tuple], identity: dict, train: dict, *, code: tuple,
        steps: int, seed: int = 0, device: str | None = None, checkpoint=None, cache=None, checkpoint_every: int = 500,
        resume: bool | str = True, progress: bool = True, log_every: int = 10, callback=None, desc: str = "",
        snapshot_every: int | None = None) -> Trainable:
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
    """
    steps = check_positive_int("steps", steps)
    checkpoint_every = check_positive_int("checkpoint_every", checkpoint_every)
    log_every = check_positive_int("log_every", log_every)
    dev = resolve_device(device)
    config = {**identity, "code": code_version(*code), "train": dict(train), "seed": int(seed), "steps": steps,
              "numerics": numerics.identity(dev)}
    if snapshot_every is not None:
        config["snapshot_every"] = check_positive_int("snapshot_every", snapshot_every)
    path = Path(checkpoint) if checkpoint is not None else (Path(cache) / f"{run_name(config)}.pt" if cache else None)
    if path is not None:
        check_writable(path)
    with torch.random.fork_rng(devices=[dev] if dev.type == "cuda" else []):
        torch.manual_seed(seed)
        model = build()  # initial weights from the seed
        blob = read_checkpoint(path, config, steps) if reuses_checkpoint(path, resume) else None
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
