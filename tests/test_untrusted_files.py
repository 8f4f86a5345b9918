"""Files the study did not write (issue 45): a data file runs no code, an altered checkpoint or
interpolator is refused and never overwritten, settings the machine cannot hold are refused before
anything is allocated, a run is trained once when two processes ask for it, the notebook kernel
runs this checkout's code, and a failing notebook says where it failed."""
import json
import os
import pickle
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import nbformat
import pytest
import torch

from advai import data
from advai.files import payload_digest, read_plain_pickle, read_torch_file, write_torch_file
from advai.latent.advai_fit import fit_advai, load_advai
from advai.models import fit_model
from advai import train as harness
from advai.train import Draws, estimate_step_memory
from toy_notebook import toy_notebook

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(hidden=8, layers=1, batch_size=16, progress=False)


# -- 1. no data file runs code -------------------------------------------------------------------

def cifar_folder(tmp_path, payload=None):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir(exist_ok=True)
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(folder / name, "wb") as f:
            pickle.dump({b"batch_label": b"x", b"data": np.arange(2 * 3072, dtype=np.uint8).reshape(2, 3072),
                         b"labels": [1, 2], b"filenames": [b"a.png", b"b.png"]}, f, protocol=2)
    if payload is not None:
        with open(folder / "data_batch_3", "wb") as f:
            pickle.dump({b"data": payload, b"labels": [1]}, f)
    return folder


def test_a_cifar_batch_built_to_run_code_is_refused_without_running_it(tmp_path, evil_payload):
    payload, marker = evil_payload
    cifar_folder(tmp_path, payload)
    with pytest.raises(ValueError, match=r"data_batch_3 is not a CIFAR-10 python batch of plain data.*io.open"):
        data.load("cifar10", data_dir=tmp_path)
    assert not marker.exists()
    with open(tmp_path / "cifar-10-batches-py" / "data_batch_3", "rb") as f:  # the file is real: pickle runs it
        pickle.load(f)[b"data"].close()
    assert marker.exists()


def test_real_cifar_batches_still_load_with_numpy_arrays_of_every_pickle_protocol(tmp_path):
    cifar_folder(tmp_path)
    ds = data.load("cifar10", data_dir=tmp_path, test_fraction=0.25)
    assert ds.images.shape == (12, 3, 32, 32) and ds.labels.tolist()[:2] == [1, 2]
    assert float(ds.images[0].flatten()[5]) == pytest.approx(5 / 255)
    for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
        path = tmp_path / f"p{protocol}"
        path.write_bytes(pickle.dumps({b"data": np.arange(6, dtype=np.uint8)}, protocol=protocol))
        assert read_plain_pickle(path)[b"data"].tolist() == list(range(6))


def test_a_pickled_array_of_python_objects_is_refused(tmp_path):
    path = tmp_path / "objects"
    path.write_bytes(pickle.dumps({b"data": np.array([1, "a"], dtype=object)}, protocol=2))
    with pytest.raises(ValueError, match="objects"):
        read_plain_pickle(path)


# -- 2. checkpoints and interpolators prove their integrity ---------------------------------------

def flip_a_weight_byte(path: Path, weight: torch.Tensor) -> None:
    """Flip one byte inside ``weight``'s stored bytes in the file (found by its contents)."""
    raw, stored = bytearray(path.read_bytes()), weight.contiguous().numpy().tobytes()
    at = raw.find(stored)
    assert at >= 0, "the weight's bytes are not stored verbatim"
    raw[at + len(stored) // 2] ^= 0x10
    path.write_bytes(bytes(raw))


def test_a_flipped_byte_in_a_stored_weight_is_refused_and_the_file_is_not_overwritten(tmp_path):
    ckpt = tmp_path / "run.pt"
    fit_advai("gaussian", 2, steps=4, seed=0, checkpoint=ckpt, **SMALL)
    weight = read_torch_file(ckpt)["model"]["correction.encoder.0.weight"]
    flip_a_weight_byte(ckpt, weight)
    altered = ckpt.read_bytes()
    with pytest.raises(ValueError, match=r"run\.pt was altered after it was written"):
        fit_advai("gaussian", 2, steps=8, seed=0, checkpoint=ckpt, **SMALL)
    with pytest.raises(ValueError, match=r"run\.pt was altered after it was written"):
        load_advai(ckpt)
    assert ckpt.read_bytes() == altered  # refused, never trained on nor overwritten

    it = fit_advai("gaussian", 2, steps=4, seed=0, **SMALL)
    it.save(tmp_path / "it.pt")
    flip_a_weight_byte(tmp_path / "it.pt", it.correction.encoder[0].weight.detach())
    with pytest.raises(ValueError, match=r"it\.pt was altered after it was written"):
        load_advai(tmp_path / "it.pt")


def test_the_digest_covers_every_tensor_byte_and_every_field_with_its_type():
    base = {"step": 1, "w": torch.zeros(3), "h": {"loss": [0.5]}}
    d = payload_digest(base)
    assert d == payload_digest({"step": 1, "w": torch.zeros(3), "h": {"loss": [0.5]}})
    for changed in ({**base, "step": 1.0}, {**base, "step": "1"}, {**base, "w": torch.zeros(3, dtype=torch.float64)},
                    {**base, "w": torch.zeros(1, 3)}, {**base, "w": torch.tensor([0.0, 0.0, 1e-30])},
                    {**base, "h": {"loss": (0.5,)}}, {**base, "h": {"loss": [0.5], "x": []}}):
        assert payload_digest(changed) != d


EDITS = {
    "step=-5": (lambda b: b.update(step=-5), r"field 'step' must be an integer in \[0, steps=8\], found -5"),
    "step=150.7": (lambda b: b.update(step=150.7), r"field 'step' .* found 150\.7"),
    "step='abc'": (lambda b: b.update(step="abc"), r"field 'step' .* found 'abc'"),
    "history=None": (lambda b: b.update(history=None), r"field 'history' must map names to lists of finite numbers"),
    "NaN weights": (lambda b: [v.fill_(float("nan")) for v in b["model"].values()], r"field 'model' holds NaN or inf"),
    "snapshots=3": (lambda b: b.update(snapshots=3), r"field 'snapshots'"),
    "seconds=-1": (lambda b: b.update(seconds=-1.0), r"field 'seconds'"),
}


@pytest.mark.parametrize("edit", list(EDITS))
def test_fields_edited_by_hand_are_refused_naming_the_file_and_the_field(edit, tmp_path):
    """Edited with the digest recomputed (as a careful forger would): the fields' own checks refuse
    them; edited without it, the digest does."""
    change, message = EDITS[edit]
    ckpt = tmp_path / "run.pt"
    fit_advai("gaussian", 2, steps=4, seed=0, checkpoint=ckpt, **SMALL)
    blob = read_torch_file(ckpt)
    change(blob)
    write_torch_file(ckpt, blob)  # a fresh digest over the edited payload
    forged = ckpt.read_bytes()
    with pytest.raises(ValueError, match=r"run\.pt: " + message):
        fit_advai("gaussian", 2, steps=8, seed=0, checkpoint=ckpt, **SMALL)
    assert ckpt.read_bytes() == forged
    torch.save({k: v for k, v in blob.items()}, ckpt)  # the edit with the old digest... or none
    with pytest.raises(ValueError, match=r"run\.pt (was altered|has no integrity digest)"):
        fit_advai("gaussian", 2, steps=8, seed=0, checkpoint=ckpt, **SMALL)


def test_an_interpolator_with_nan_weights_is_refused(tmp_path):
    it = fit_advai("gaussian", 2, steps=3, seed=0, **SMALL)
    it.save(tmp_path / "it.pt")
    blob = read_torch_file(tmp_path / "it.pt")
    next(iter(blob["state"].values())).fill_(float("inf"))
    write_torch_file(tmp_path / "it.pt", blob)
    with pytest.raises(ValueError, match=r"it\.pt: field 'state' holds NaN or inf"):
        load_advai(tmp_path / "it.pt")


# -- 3. settings bounded by the machine ------------------------------------------------------------

def test_a_batch_the_machine_cannot_hold_is_refused_naming_batch_size_before_it_is_drawn(tmp_path):
    t0 = time.perf_counter()
    with pytest.raises(ValueError, match=r"batch_size=1000000000: a training step needs about [\d.]+ GiB"):
        fit_advai("gaussian", 2, steps=5, seed=0, **{**SMALL, "batch_size": 10**9})
    with pytest.raises(ValueError, match=r"batch_size=1000000000: a training step needs about"):
        fit_model("ae", torch.rand(8, 1, 32, 32), latent=4, steps=2, train={"batch_size": 10**9}, progress=False)
    assert time.perf_counter() - t0 < 30  # refused at once, not after filling the memory


def test_the_memory_estimate_grows_with_the_batch_covers_its_activations_and_draws_no_random_number():
    from advai.latent.advai_model import DEFAULTS, AdvAIConfig, AdvAITraining
    hp = dict(DEFAULTS, hidden=100, layers=3)
    model = AdvAITraining(AdvAIConfig(dim=2, mode="factorized", hidden=100, layers=3), hp)
    sample = lambda n: torch.randn(n, 2)  # noqa: E731
    torch.manual_seed(3)
    np.random.seed(3)
    before, np_before = torch.get_rng_state(), np.random.get_state()[1].copy()
    small, large = (estimate_step_memory(model, Draws(sample, b, 2), hp) for b in (1000, 100_000))
    assert torch.equal(torch.get_rng_state(), before) and np.array_equal(np.random.get_state()[1], np_before)
    per_code = (large - small) / 99_000
    # every code of the batch passes 2 coordinates through R's 3 x 100 hidden units in float32 at least once
    assert per_code >= 2 * 3 * 100 * 4
    assert large == pytest.approx(small + per_code * 99_000)


@pytest.mark.parametrize("kind", ["advai", "advai_ae"])
def test_the_memory_check_leaves_the_trained_weights_bit_identical(kind, monkeypatch):
    def weights():
        if kind == "advai":
            m = fit_advai("ring", 2, mode="joint", steps=6, seed=2, **SMALL)
        else:
            m = fit_model("advai_ae", torch.rand(16, 1, 32, 32, generator=torch.Generator().manual_seed(0)), latent=4,
                          steps=3, seed=2, train={"batch_size": 8}, warmup_steps=3, progress=False)
        return {k: v.clone() for k, v in m.state_dict().items()}
    checked = weights()
    monkeypatch.setattr(harness, "check_memory", lambda *a, **k: None)
    unchecked = weights()
    assert checked.keys() == unchecked.keys() and all(torch.equal(checked[k], unchecked[k]) for k in checked)


@pytest.mark.parametrize("seed", [1.5, -1, True, "0", 2**63])
def test_a_seed_that_is_not_a_whole_number_in_range_is_refused(seed, tmp_path):
    with pytest.raises(ValueError, match="seed must be an integer"):
        fit_advai("gaussian", 2, steps=2, seed=seed, **SMALL)


def test_a_checkpoint_path_that_is_a_folder_is_refused_before_the_first_step(tmp_path):
    steps = []
    with pytest.raises(ValueError, match="is a folder"):
        fit_advai("gaussian", 2, steps=5, checkpoint=tmp_path, resume=False, callback=lambda s, log: steps.append(s),
                  **SMALL)
    assert steps == []
    with pytest.raises(ValueError, match="is a folder"):
        load_advai(tmp_path)


# -- 6. one run trained once ------------------------------------------------------------------------

FIT = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    import advai
    from advai.train import runs_used
    started, release, cache = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    def hold(step, log):  # the first process holds its run at step 1 until the test releases it
        if sys.argv[5] != "first":
            return
        started.touch()
        deadline = time.time() + 120
        while not release.exists() and time.time() < deadline:
            time.sleep(0.02)
    it = advai.fit_advai("gaussian", 2, steps=50, seed=0, hidden=8, layers=1, batch_size=16, progress=False,
                         cache=cache, resume=sys.argv[4] == "True" or sys.argv[4], callback=hold)
    print(runs_used()[-1]["status"], float(sum(p.sum() for p in it.correction.parameters())), sep="|")
""")


@pytest.mark.parametrize("resume", ["True", "once"])
def test_a_second_process_asking_for_a_run_in_training_waits_and_reads_it_back(resume, tmp_path):
    env = {**os.environ, "ADVAI_PROGRESS": "off"}
    started, release = tmp_path / "started", tmp_path / "release"
    args = [sys.executable, "-c", FIT, str(started), str(release), str(tmp_path / "runs"), resume]
    first = subprocess.Popen(args + ["first"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        while not started.exists():  # the first is training (and holds the run's lock)
            assert first.poll() is None, first.communicate()
            time.sleep(0.05)
        second = subprocess.Popen(args + ["second"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        said = []
        for line in second.stderr:  # the second says it waits, then blocks on the lock
            said.append(line)
            if "another process is training this run" in line:
                break
        assert said and "another process is training this run" in said[-1], "".join(said)
    finally:
        release.touch()
    out1, err1 = first.communicate(timeout=300)
    out2, err2 = second.communicate(timeout=300)
    assert first.returncode == 0 and second.returncode == 0, err1 + err2
    (status1, sum1), (status2, sum2) = out1.strip().split("|"), out2.strip().split("|")
    assert (status1, status2) == ("trained", "read back") and sum1 == sum2


# -- 4. the kernel runs this checkout; 5. a failure says where -----------------------------------------

def test_the_kernel_imports_this_checkout_even_with_another_copy_first_on_the_path(tmp_path, monkeypatch):
    from advai.study import driver

    other = tmp_path / "other"
    shutil.copytree(ROOT / "advai", other / "advai", ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setenv("PYTHONPATH", str(other))  # a second copy that a kernel would import first
    monkeypatch.setenv("ADVAI_FIGURES_DIR", str(tmp_path / "unused"))
    monkeypatch.delenv("ADVAI_CHECKOUT", raising=False)
    (tmp_path / "notebooks").mkdir()
    path = toy_notebook(tmp_path / "notebooks")
    figures, nb_out = tmp_path / "figures", tmp_path / "out"
    nb_out.mkdir()
    driver.run_notebook(path, figures, nb_out, {}, tmp_path / "work")  # another copy would stop the kernel
    # "checkout": the package the kernel imported sits in the checkout the driver runs (package_origin)
    assert json.loads((figures / "manifest.json").read_text())["tab-toy.csv"]["advai"] == "checkout"


def test_a_kernel_that_imported_another_copy_is_refused_by_its_run(tmp_path, monkeypatch):
    from advai.study import outputs

    monkeypatch.setenv("ADVAI_CHECKOUT", str(tmp_path))
    with pytest.raises(RuntimeError, match=f"not from the checkout {tmp_path}"):
        outputs.package_origin()
    monkeypatch.delenv("ADVAI_CHECKOUT")
    assert outputs.package_origin() == "checkout"


def test_a_failing_notebook_names_its_file_the_cell_as_the_file_counts_and_the_kept_folder(tmp_path, monkeypatch):
    from advai.study import driver

    monkeypatch.setenv("ADVAI_FIGURES_DIR", str(tmp_path / "unused"))
    monkeypatch.setenv("PYTHONPATH", os.environ.get("PYTHONPATH", ""))
    monkeypatch.delenv("ADVAI_CHECKOUT", raising=False)
    (tmp_path / "notebooks").mkdir()
    path = toy_notebook(tmp_path / "notebooks")
    (tmp_path / "out").mkdir()
    work = tmp_path / "work"
    with pytest.raises(driver.NotebookFailed) as failed:
        driver.run_notebook(path, tmp_path / "figures", tmp_path / "out", {"fail": True}, work)
    message = str(failed.value)
    assert str(path) in message and "cell 4 of the file" in message and "failed on purpose" in message
    assert f"kept for inspection: {work}" in message and (work / "executed" / path.name).exists()
    assert nbformat.read(path, as_version=4).cells[3].source.startswith("assert not fail")  # cell 4, counted from 1
