"""The harness's last reliability cases: an interrupt anywhere in a step, bad settings, an unwritable checkpoint.

* A Ctrl-C (SIGINT) that arrives inside the backward pass of a step, at 10 random points per model,
  leaves a checkpoint from which the run resumes to the uninterrupted weights and history, bit for bit.
* Every setting is checked before the first step: a ``ValueError`` names it, and nothing is trained.
* A checkpoint that cannot be written is found before training, not after it.
"""
import os
import random
import signal

import pytest
import torch

from advai import train as harness_module
from advai.files import read_torch_file
from advai.latent.advai_fit import fit_advai
from advai.models import fit_model

IMAGES = torch.rand(24, 1, 32, 32, generator=torch.Generator().manual_seed(0))
STEPS = 8


def run(kind: str, **kw):
    """A tiny fit of ``kind``; returns ``(weights, history)``."""
    kw = dict(progress=False, checkpoint_every=100, **kw)  # only the interrupt writes a checkpoint mid-run
    if kind == "advai":
        m = fit_advai("ring", 2, mode="joint", steps=STEPS, seed=3, hidden=8, layers=1, batch_size=16, **kw)
    else:
        m = fit_model(kind, IMAGES, latent=4, steps=STEPS, seed=3, train={"batch_size": 8}, **kw)
    return {k: v.clone() for k, v in m.state_dict().items()}, m.history


class SignalInBackward:
    """Counts the backward passes (``Tensor.backward`` and ``torch.autograd.grad``) and, in pass
    number ``at``, sends this process a SIGINT from inside the autograd engine (a hook on the loss's
    gradient), as a Ctrl-C landing in the middle of a step would."""

    def __init__(self, monkeypatch, at: int | None = None):
        self.calls, self.at = 0, at
        for name in ("backward", "grad"):
            original = getattr(torch.autograd, name)
            monkeypatch.setattr(torch.autograd, name, self._wrap(original))

    def _wrap(self, original):
        def wrapped(outputs, *args, **kw):
            self.calls += 1
            if self.calls == self.at:
                loss = outputs if isinstance(outputs, torch.Tensor) else outputs[0]
                loss.register_hook(lambda grad: os.kill(os.getpid(), signal.SIGINT))
            return original(outputs, *args, **kw)
        return wrapped


@pytest.mark.parametrize("kind", ["advai", "acai"])
def test_a_signal_inside_the_backward_pass_resumes_bit_identically_at_10_random_points(kind, tmp_path, monkeypatch):
    # the memory check's two probe steps (on a copy, before training) would add backward passes
    # that are not training steps; they touch neither the model nor the random streams
    # (tests/test_untrusted_files.py), so they are left out of the count here
    monkeypatch.setattr(harness_module, "check_memory", lambda *a, **k: None)
    full_w, full_h = run(kind)
    with monkeypatch.context() as m:
        counter = SignalInBackward(m)
        run(kind)
        per_run = counter.calls
    per_step, rest = divmod(per_run, STEPS)
    assert rest == 0
    points = sorted(random.Random(kind).sample(range(1, per_run + 1), 10))
    saved, identical = [], 0
    for i, at in enumerate(points):
        ckpt = tmp_path / f"run{i}.pt"
        with monkeypatch.context() as m:
            SignalInBackward(m, at)
            with pytest.raises(KeyboardInterrupt):
                run(kind, checkpoint=ckpt)
        saved.append(read_torch_file(ckpt)["step"])
        w, h = run(kind, checkpoint=ckpt)
        identical += all(torch.equal(w[k], full_w[k]) for k in full_w) and h == full_h
    assert identical == len(points)
    assert saved == [-(-at // per_step) for at in points]  # the step the signal arrived in, finished, then saved


ADVAI_BAD = [("n_scale", 0), ("ema", 5), ("lr", 1e6), ("lr_disc", 0.0), ("beta1", 1.5), ("wa", -1.0), ("loss", "l3"),
             ("batch_size", 0), ("hidden", 0), ("layers", 2.5), ("critic_steps", 0), ("gp", float("nan")),
             ("update", "sometimes"), ("ema_mode", "both"), ("checkpoint_every", 0), ("log_every", 0), ("steps", -1),
             ("device", "tpu"), ("device", "cuda:7")]


@pytest.mark.parametrize("name,value", ADVAI_BAD)
def test_every_advai_setting_is_checked_before_training_by_name(name, value, tmp_path):
    calls = []
    kw = {"steps": 3, "progress": False, "cache": tmp_path, "callback": lambda s, log: calls.append(s), name: value}
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        fit_advai("gaussian", 2, **kw)
    assert calls == [] and not list(tmp_path.glob("*.pt"))


MODEL_BAD = [({"train": {"lr": 1e6}}, "lr"), ({"train": {"batch_size": 0}}, "batch_size"),
             ({"train": {"beta1": -0.1}}, "beta1"), ({"adv": -1.0}, "adv"), ({"reg": 2.0}, "reg"),
             ({"device": "tpu"}, "device"), ({"checkpoint_every": 0}, "checkpoint_every")]


@pytest.mark.parametrize("kw,name", MODEL_BAD)
def test_every_autoencoder_setting_is_checked_before_training_by_name(kw, name, tmp_path):
    calls = []
    with pytest.raises(ValueError, match=rf"\b{name}\b"):
        fit_model("acai", IMAGES, latent=4, steps=2, progress=False, cache=tmp_path,
                  callback=lambda s, log: calls.append(s), **kw)
    assert calls == [] and not list(tmp_path.glob("*.pt"))


def test_a_cuda_request_without_cuda_names_the_device():
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match=r"device='cuda' was requested but this machine has no such CUDA device"):
        fit_advai("gaussian", 2, steps=2, progress=False, device="cuda")


def test_an_unwritable_checkpoint_is_found_before_the_first_step(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    calls = []
    with pytest.raises(ValueError, match=r"checkpoint folder .*a-file.* is not writable"):
        fit_advai("gaussian", 2, steps=3, progress=False, cache=blocker / "cache",
                  callback=lambda s, log: calls.append(s))
    with pytest.raises(ValueError, match="is not writable"):
        fit_model("ae", IMAGES, latent=4, steps=2, progress=False, checkpoint=blocker / "ae.pt")
    assert calls == []
    if os.geteuid() != 0:  # permissions bind everyone but root
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(ValueError, match="is not writable"):
            fit_advai("gaussian", 2, steps=3, progress=False, checkpoint=locked / "run.pt")


def test_every_variant_of_r_checks_its_settings_through_the_one_fit_path():
    from advai.analyses.fourier import fit_fourier
    from advai.analyses.known_solution import fit_from_snap, fit_snap

    with pytest.raises(ValueError, match=r"unknown hyperparameters \['sigmaa'\]"):
        fit_fourier("ring", steps=2, sigmaa=1.0, progress=False)  # a typo is named, not merged silently
    with pytest.raises(ValueError, match=r"\bema\b"):
        fit_snap(2, snap_train={"ema": 1.5}, progress=False)
    with pytest.raises(ValueError, match=r"\bn_scale\b"):
        fit_from_snap("adversarial", 2, 2, n_scale=-1.0, progress=False)
