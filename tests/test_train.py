"""The one training harness, for every model kind of the study: resume, cache, refusals, naming.

Each kind is trained through its public entry point (``fit_advai``, ``fit_model``,
``fit_classifier``), which all end in :func:`advai.train.fit`.
"""
import os

import pytest
import torch

from advai.data import Dataset
from advai.files import read_torch_file, write_torch_file
from advai.latent.advai_fit import fit_advai
from advai.models import fit_model
from advai.models.classifier import fit_classifier
from advai import train as harness
from advai.train import CHECKPOINT_FORMAT, run_name, runs_used

IMAGES = torch.rand(24, 1, 32, 32, generator=torch.Generator().manual_seed(0))
DIGITS = Dataset("toy", torch.rand(24, 1, 28, 28, generator=torch.Generator().manual_seed(1)), torch.arange(24) % 3,
                 torch.arange(16), torch.arange(16, 24), 0, "test")
ADVAI = dict(hidden=8, layers=1, batch_size=16)


def train(kind: str, steps: int, seed: int = 1, **kw):
    """Fit a tiny model of ``kind``; return ``(weights, history)``."""
    kw = dict(progress=False, checkpoint_every=2, **kw)
    if kind == "advai_factorized":
        m = fit_advai("gaussian", 2, steps=steps, seed=seed, **ADVAI, **kw)
    elif kind == "advai_joint":
        m = fit_advai("ring", 2, mode="joint", steps=steps, seed=seed, **ADVAI, **kw)
    elif kind == "classifier":
        m = fit_classifier(DIGITS, steps=steps, seed=seed, **kw)
    else:
        extra = {"warmup_steps": 3} if kind == "advai_ae" else {}
        m = fit_model(kind, IMAGES, latent=4, steps=steps, seed=seed, train={"batch_size": 8}, **extra, **kw)
    return {k: v.clone() for k, v in m.state_dict().items()}, m.history


KINDS = ["advai_factorized", "advai_joint", "ae", "acai", "aae", "advai_ae", "gan_gaussian", "gan_uniform",
         "classifier"]


def same_weights(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def stop_at(step):
    def callback(s, log):
        if s == step:
            raise KeyboardInterrupt
    return callback


@pytest.mark.parametrize("kind", KINDS)
def test_an_interrupted_run_resumes_to_the_uninterrupted_weights_and_history(kind, tmp_path):
    full_w, full_h = train(kind, 6)
    ckpt = tmp_path / "run.pt"
    with pytest.raises(KeyboardInterrupt):
        train(kind, 6, checkpoint=ckpt, callback=stop_at(3))
    blob = read_torch_file(ckpt)
    assert blob["format"] == CHECKPOINT_FORMAT and blob["step"] == 3  # saved on the way out
    calls = []
    w, h = train(kind, 6, checkpoint=ckpt, callback=lambda s, log: calls.append(s))
    assert calls == [4, 5, 6]
    assert same_weights(w, full_w) and h == full_h
    again_w, _ = train(kind, 6, checkpoint=ckpt, callback=lambda s, log: calls.append(("again", s)))
    assert calls == [4, 5, 6] and same_weights(again_w, full_w)  # finished: read back, no step runs


@pytest.mark.parametrize("kind", KINDS)
def test_the_cache_finds_a_run_by_its_configuration_and_resume_false_retrains(kind, tmp_path):
    first, _ = train(kind, 3, cache=tmp_path)
    calls = []
    again, _ = train(kind, 3, cache=tmp_path, callback=lambda s, log: calls.append(s))
    assert calls == [] and same_weights(first, again)
    names = sorted(p.name for p in tmp_path.glob("*.pt"))
    assert len(names) == (2 if kind == "advai_ae" else 1)  # AdvAI-AE's warm-up is a cached run of its own
    other, _ = train(kind, 3, seed=2, cache=tmp_path, callback=lambda s, log: calls.append(s))
    assert calls == [1, 2, 3] and not same_weights(first, other)  # another seed is another run
    calls.clear()
    retrained, _ = train(kind, 3, cache=tmp_path, resume=False, callback=lambda s, log: calls.append(s))
    assert calls == [1, 2, 3] and same_weights(first, retrained)


@pytest.mark.parametrize("kind", ["advai_joint", "advai_ae"])
def test_resume_once_retrains_a_run_the_first_time_this_process_asks_for_it_only(kind, tmp_path, monkeypatch):
    first, _ = train(kind, 3, cache=tmp_path)
    monkeypatch.setattr(harness, "_TRAINED_HERE", set())  # as if the cache came from another process
    calls = []
    again, _ = train(kind, 3, cache=tmp_path, resume="once", callback=lambda s, log: calls.append(s))
    assert calls == [1, 2, 3] and same_weights(first, again)  # not trained here yet: retrained
    third, _ = train(kind, 3, cache=tmp_path, resume="once", callback=lambda s, log: calls.append(s))
    assert calls == [1, 2, 3] and same_weights(first, third) and runs_used()[-1]["status"] == "read back"
    train(kind, 3, cache=tmp_path, resume=False, callback=lambda s, log: calls.append(s))
    assert calls == [1, 2, 3] * 2  # False still retrains every time
    with pytest.raises(ValueError, match="resume must be True, False or 'once', got 'yes'"):
        train(kind, 3, cache=tmp_path, resume="yes")


def test_resume_once_trains_a_shared_warm_up_once(tmp_path, monkeypatch):
    monkeypatch.setattr(harness, "_TRAINED_HERE", set())
    fit_model("advai_ae", IMAGES, latent=4, steps=2, seed=1, train={"batch_size": 8}, warmup_steps=3, progress=False,
              cache=tmp_path, resume="once")
    before = len(runs_used())
    fit_model("advai_ae", IMAGES[:16], latent=4, steps=2, seed=1, train={"batch_size": 8}, warmup_steps=3,
              progress=False, cache=tmp_path, resume="once")  # other data, the same warm-up of R
    assert [r["status"] for r in runs_used()[before:]] == ["read back", "trained"]


@pytest.mark.parametrize("kind", KINDS)
def test_checkpoints_of_other_runs_and_damaged_files_are_refused_naming_the_file(kind, tmp_path):
    ckpt = tmp_path / "run.pt"
    train(kind, 2, checkpoint=ckpt)
    with pytest.raises(ValueError, match=r"run\.pt was made with other settings.*seed: checkpoint 1 vs requested 2"):
        train(kind, 2, seed=2, checkpoint=ckpt)
    with pytest.raises(ValueError, match=r"run\.pt: field 'step' must be an integer in \[0, steps=1\], found 2"):
        train(kind, 1, checkpoint=ckpt)
    w, _ = train(kind, 4, checkpoint=ckpt)  # more steps: the run continues
    assert read_torch_file(ckpt)["step"] == 4
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(ValueError, match=r"bad\.pt is corrupt"):
        train(kind, 2, checkpoint=bad)
    torch.save({"format": "something-else", "step": 1}, tmp_path / "foreign.pt")
    with pytest.raises(ValueError, match=r"foreign\.pt has no integrity digest"):
        train(kind, 2, checkpoint=tmp_path / "foreign.pt")
    write_torch_file(tmp_path / "foreign.pt", {"format": "something-else", "step": 1})
    with pytest.raises(ValueError, match=r"foreign\.pt is not an advai training checkpoint"):
        train(kind, 2, checkpoint=tmp_path / "foreign.pt")


def test_a_file_that_would_run_code_is_refused_without_running_it(tmp_path, evil_payload):
    payload, marker = evil_payload
    ckpt = tmp_path / "evil.pt"
    torch.save({"format": CHECKPOINT_FORMAT, "payload": payload}, ckpt)
    with pytest.raises(ValueError, match=r"evil\.pt is corrupt or not a plain torch file"):
        train("ae", 2, checkpoint=ckpt)
    assert not marker.exists()
    torch.load(ckpt, weights_only=False)["payload"].close()  # the payload is real: an unsafe reader runs it
    assert marker.exists()


def test_a_model_trained_on_other_data_is_refused(tmp_path):
    ckpt = tmp_path / "ae.pt"
    fit_model("ae", IMAGES, latent=4, steps=2, checkpoint=ckpt, progress=False)
    with pytest.raises(ValueError, match=r"ae\.pt was made with other settings or data \(data: "):
        fit_model("ae", IMAGES.flip(0)[:20], latent=4, steps=2, checkpoint=ckpt, progress=False)


def test_run_names_are_readable_and_differ_exactly_when_the_configuration_does():
    config = {"kind": "advai", "sampler": "ring", "dim": 2, "seed": 0, "steps": 3000, "train": {"lr": 1e-4}}
    name = run_name(config)
    assert name.startswith("advai_dim2_samplerring_seed0_steps3000_")
    assert run_name(dict(config)) == name
    assert run_name({**config, "train": {"lr": 1e-3}}) != name  # nested settings count too
    assert run_name({**config, "sampler": "<lambda>"}).startswith("advai_dim2_sampler-lambda-_")  # safe file names
    assert os.sep not in run_name({**config, "sampler": "a/b"})


def test_a_code_version_follows_the_code_that_defines_a_model_and_only_that(monkeypatch):
    from advai import train
    from advai.latent.advai_model import AdvAITraining
    from advai.latent.advai_fit import make_sampler
    from advai.models import MODELS

    acai = train.code_modules(MODELS["acai"])
    assert {"advai.models.acai", "advai.models.autoencoder", "advai.layers", "advai.train"} <= set(acai)
    assert "advai.models.ae" not in acai and "advai.study.plotting" not in acai
    advai_ae = train.code_modules(MODELS["advai_ae"])
    assert "advai.distances" in advai_ae and "advai.evaluate.mismatch" not in advai_ae  # its MMD loss, not the metrics
    assert "advai.latent.priors" in train.code_modules(AdvAITraining, make_sampler)  # the prior is AdvAI's data
    before = {name: train.code_version(cls) for name, cls in MODELS.items()}
    original = train._code_without_docs

    def one_line_changed(path):  # as if a line of ACAI's loss had been edited
        code = original(path)
        return code + "changed" if path.endswith("acai.py") else code

    monkeypatch.setattr(train, "_code_without_docs", one_line_changed)
    after = {name: train.code_version(cls) for name, cls in MODELS.items()}
    assert [name for name in MODELS if after[name] != before[name]] == ["acai"]


def test_comments_and_docstrings_do_not_change_a_code_version(tmp_path):
    from advai import train

    a, b, c = tmp_path / "a.py", tmp_path / "b.py", tmp_path / "c.py"
    a.write_text('"""Doc."""\ndef f(x):\n    """Twice x."""\n    return 2 * x  # a comment\n')
    b.write_text('"""Other doc."""\n\n\ndef f(x):\n    return 2 * x\n')
    c.write_text('"""Doc."""\ndef f(x):\n    return 3 * x\n')
    assert train._code_without_docs(str(a)) == train._code_without_docs(str(b)) != train._code_without_docs(str(c))


def test_a_checkpoint_written_by_other_code_is_refused_and_the_cache_retrains(tmp_path, monkeypatch):
    from advai import train

    ckpt = tmp_path / "ae.pt"
    fit_model("ae", IMAGES, latent=4, steps=2, checkpoint=ckpt, progress=False)
    fit_model("ae", IMAGES, latent=4, steps=2, cache=tmp_path / "cache", progress=False)
    monkeypatch.setattr(train, "code_version", lambda *objects: "edited-code")
    with pytest.raises(ValueError, match=r"ae\.pt was made with other settings.*code: .*the code that defines or trains"):
        fit_model("ae", IMAGES, latent=4, steps=2, checkpoint=ckpt, progress=False)
    calls = []
    fit_model("ae", IMAGES, latent=4, steps=2, cache=tmp_path / "cache", progress=False,
              callback=lambda s, log: calls.append(s))
    assert calls == [1, 2] and len(list((tmp_path / "cache").glob("*.pt"))) == 2  # retrained under a new name


def test_the_runs_a_process_used_are_recorded_with_what_happened(tmp_path):
    from advai.train import runs_used

    before = len(runs_used())
    fit_model("ae", IMAGES, latent=4, steps=2, cache=tmp_path, progress=False)
    fit_model("ae", IMAGES, latent=4, steps=2, cache=tmp_path, progress=False)
    fit_model("ae", IMAGES, latent=4, steps=3, checkpoint=next(tmp_path.glob("*.pt")), progress=False)
    new = runs_used()[before:]
    assert [r["status"] for r in new] == ["trained", "read back", "resumed at step 2"]
    assert new[0]["run"] == new[1]["run"] and new[0]["run"].startswith("model_")


def test_progress_in_a_log_is_a_line_per_tenth_without_carriage_returns(capsys, monkeypatch):
    monkeypatch.setenv("ADVAI_PROGRESS", "log")
    fit_advai("gaussian", 2, steps=50, seed=0, progress=True, name="my prior", **ADVAI)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert "\r" not in err and len(lines) == 10
    assert lines[0].startswith("AdvAI my prior d=2 factorized: 10% (5/50 steps") and "100% (50/50" in lines[-1]
    monkeypatch.setenv("ADVAI_PROGRESS", "sometimes")
    with pytest.raises(ValueError, match="ADVAI_PROGRESS='sometimes'"):
        fit_advai("gaussian", 2, steps=2, seed=0, progress=True, **ADVAI)
    monkeypatch.setenv("ADVAI_PROGRESS", "off")
    fit_advai("gaussian", 2, steps=20, seed=0, progress=True, **ADVAI)
    assert capsys.readouterr().err == ""


def test_a_checkpoint_made_under_another_numeric_environment_is_refused_and_the_cache_retrains(tmp_path, monkeypatch):
    ckpt = tmp_path / "ae.pt"
    fit_model("ae", IMAGES, latent=4, steps=2, checkpoint=ckpt, progress=False)
    fit_model("ae", IMAGES, latent=4, steps=2, cache=tmp_path / "cache", progress=False)
    monkeypatch.setenv("ADVAI_NUMERICS", "native")  # the run's identity now says so
    with pytest.raises(ValueError, match=r"ae\.pt was made with other settings.*numerics: "):
        fit_model("ae", IMAGES, latent=4, steps=2, checkpoint=ckpt, progress=False)
    calls = []
    fit_model("ae", IMAGES, latent=4, steps=2, cache=tmp_path / "cache", progress=False,
              callback=lambda s, log: calls.append(s))
    assert calls == [1, 2] and len(list((tmp_path / "cache").glob("*.pt"))) == 2


def test_the_default_device_is_the_cpu_or_advai_device(monkeypatch):
    monkeypatch.delenv("ADVAI_DEVICE", raising=False)
    assert harness.default_device() == "cpu" and harness.resolve_device().type == "cpu"
    model = fit_advai("gaussian", 2, steps=2, progress=False, **ADVAI)
    assert model.meta["numerics"]["device"] == "cpu"
    monkeypatch.setenv("ADVAI_DEVICE", "cuda")
    if not torch.cuda.is_available():  # every fit follows the variable: here, a clear refusal before training
        with pytest.raises(ValueError, match=r"device='cuda' was requested but this machine has no such CUDA device"):
            fit_model("ae", IMAGES, latent=4, steps=2, progress=False)


def test_no_fit_function_hard_codes_a_device():
    import inspect

    from advai.latent.authors_toy import fit_authors_toy

    for f in (harness.fit, fit_advai, fit_model, fit_classifier, fit_authors_toy):
        assert inspect.signature(f).parameters["device"].default is None, f.__name__
