"""Nothing read is trusted unchecked (issue 55): every torch file goes through the one safe reader;
every field a resumed fit reads is checked before the first step (optimizer states, RNG states,
history); a flow file's architecture is checked before anything is built; every size is checked
against memory before it is allocated; the command line is checked before any notebook starts; the
IDX reader checks its files against each other; a full disk, a truncated file and a symlinked lock
say what they are; a notebook's files reach ``figures/`` all at once or not at all."""
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest
import torch

import advai
from advai import data
from advai.files import DiskFull, file_lock, read_torch_file, write_torch_file
from advai.latent.advai_fit import fit_advai
from advai.latent.flow import FlowConfig, fit_flow, flow_bytes, load_flow, Flow
from advai.latent.priors import sample_prior
from advai.models import fit_model
from advai.study import driver
from advai.study.outputs import Run, update_json
from advai.study.parallel import check_scheduler_address
from scripts_under_test import load_script

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(hidden=8, layers=1, batch_size=16, progress=False)
FLOW = dict(transforms=1, bins=4, hidden=8, layers=1, batch_size=32, n_standardize=256, progress=False)


# -- 1. one safe reader for every torch file ------------------------------------------------------

def python_sources():
    for folder in ("advai", "scripts"):
        yield from (ROOT / folder).rglob("*.py")
    for nb in (ROOT / "notebooks").glob("*.ipynb"):
        yield nb


def test_no_file_of_the_package_its_scripts_or_notebooks_reads_torch_files_but_the_safe_reader():
    calls = {str(p.relative_to(ROOT)) for p in python_sources() if re.search(r"torch\.load\s*\(", p.read_text())}
    assert calls == {"advai/files.py"}


def test_the_fingerprint_script_writes_and_reads_through_the_safe_reader(tmp_path, evil_payload, capsys):
    script = load_script("fit_fingerprints")
    good = tmp_path / "a.pt"
    write_torch_file(good, {"fit": {"w": torch.ones(2)}})
    payload, marker = evil_payload
    torch.save({"fit": payload}, tmp_path / "evil.pt")
    sys_argv = sys.argv
    try:
        sys.argv = ["fit_fingerprints.py", "--compare", str(good), str(good)]
        script.main()
        assert "1 of 1 fits bit-identical" in capsys.readouterr().out
        sys.argv = ["fit_fingerprints.py", "--compare", str(good), str(tmp_path / "evil.pt")]
        os.environ["TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD"] = "1"  # the setting that made a bare torch.load run code
        with pytest.raises(ValueError, match=r"evil\.pt is corrupt or not a plain torch file"):
            script.main()
    finally:
        sys.argv = sys_argv
        os.environ.pop("TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD", None)
    assert not marker.exists()


# -- 2. every field a resumed fit reads ----------------------------------------------------------

def adam_state(blob, group="correction"):
    return blob["optimizers"][group]["state"][0]


def set_step(blob, value):
    for group in blob["optimizers"].values():
        for entry in group["state"].values():
            entry["step"] = torch.tensor(float(value))


#: each edit, and what the refusal says after "<file>: field "
EDITS = {
    "lr 1e6": (lambda b: b["optimizers"]["correction"]["param_groups"][0].update(lr=1e6),
               r"optimizers\['correction'\]\['param_groups'\]\[0\]\['lr'\] must be a finite number in \[0, "),
    "eps 1e6": (lambda b: b["optimizers"]["correction"]["param_groups"][0].update(eps=1e6),
                r"optimizers\['correction'\]\['param_groups'\]\[0\]\['eps'\] must be a finite number in \(0, "),
    "fused a string": (lambda b: b["optimizers"]["critic"]["param_groups"][0].update(fused="x"),
                       r"optimizers\['critic'\]\['param_groups'\]\[0\]\['fused'\] must be None"),
    "betas": (lambda b: b["optimizers"]["critic"]["param_groups"][0].update(betas=(0.9, 2.0)),
              r"optimizers\['critic'\]\['param_groups'\]\[0\]\['betas'\] must be \(0\.5, 0\.999\)"),
    "NaN second moment": (lambda b: adam_state(b)["exp_avg_sq"].fill_(float("nan")),
                          r"optimizers\['correction'\]\['state'\]\[0\]\['exp_avg_sq'\] holds NaN, inf or negative"),
    "negative second moment": (lambda b: adam_state(b)["exp_avg_sq"].fill_(-1.0), r".*\['exp_avg_sq'\] holds NaN"),
    "inf first moment": (lambda b: adam_state(b)["exp_avg"].fill_(float("inf")), r".*\['exp_avg'\] holds NaN, inf"),
    "moment of the wrong shape": (lambda b: adam_state(b).update(exp_avg=torch.zeros(3, 3)),
                                  r".*\['exp_avg'\] must be a torch.float32 tensor of the parameter's shape"),
    "step -5": (lambda b: set_step(b, -5), r".*\['step'\] must be a whole number >= 0"),
    "step 2.5": (lambda b: set_step(b, 2.5), r".*\['step'\] must be a whole number >= 0"),
    "unknown state": (lambda b: adam_state(b).update(momentum_buffer=torch.zeros(1)),
                      r".*\['state'\]\[0\] holds \['momentum_buffer'\]"),
    "state of no parameter": (lambda b: b["optimizers"]["correction"]["state"].update({999: {}}),
                              r".*\['state'\]\[999\] names no parameter"),
    "a missing optimizer": (lambda b: b["optimizers"].pop("critic"), r"'optimizers' holds \['correction'\]"),
    "NaN in the history": (lambda b: b["history"]["loss_D"].__setitem__(0, float("nan")),
                           r"'history' must map names to lists of finite numbers"),
    "junk CPU RNG state": (lambda b: b.update(rng=torch.zeros(7, dtype=torch.uint8)),
                           r"'rng' must be a generator state, a byte tensor of \d+ bytes"),
    "junk CUDA RNG state": (lambda b: b.update(cuda_rng=[torch.zeros(3, dtype=torch.uint8)]),
                            r"'cuda_rng' must be None for a run on cpu"),
    "snapshot after the step": (lambda b: b.update(snapshots=[(99, {})]), r"'snapshots'"),
}


@pytest.fixture(scope="module")
def a_checkpoint(tmp_path_factory):
    ckpt = tmp_path_factory.mktemp("ckpt") / "run.pt"
    fit_advai("gaussian", 2, steps=4, seed=0, checkpoint=ckpt, log_every=1, beta1=0.5, **SMALL)
    return ckpt.read_bytes()


@pytest.mark.parametrize("edit", list(EDITS))
def test_an_edited_field_with_a_recomputed_digest_is_refused_before_the_first_step(edit, a_checkpoint, tmp_path):
    change, message = EDITS[edit]
    ckpt = tmp_path / "run.pt"
    ckpt.write_bytes(a_checkpoint)
    blob = read_torch_file(ckpt)
    change(blob)
    write_torch_file(ckpt, blob)  # a forger's edit: the digest is recomputed
    forged = ckpt.read_bytes()
    steps = []
    with pytest.raises(ValueError, match=r"run\.pt: field " + message):
        fit_advai("gaussian", 2, steps=8, seed=0, checkpoint=ckpt, log_every=1, beta1=0.5,
                  callback=lambda s, log: steps.append(s), **SMALL)
    assert steps == [] and ckpt.read_bytes() == forged


def test_an_untouched_checkpoint_resumes_bit_identically(a_checkpoint, tmp_path):
    ckpt = tmp_path / "run.pt"
    ckpt.write_bytes(a_checkpoint)
    resumed = fit_advai("gaussian", 2, steps=8, seed=0, checkpoint=ckpt, log_every=1, beta1=0.5, **SMALL)
    whole = fit_advai("gaussian", 2, steps=8, seed=0, log_every=1, beta1=0.5, **SMALL)
    assert all(torch.equal(a, b) for a, b in zip(resumed.state_dict().values(), whole.state_dict().values()))


def test_a_flow_checkpoint_with_its_scheduled_learning_rate_resumes_and_a_raised_one_is_refused(tmp_path):
    ckpt = tmp_path / "flow.pt"
    fit_flow("ring", steps=4, seed=0, checkpoint=ckpt, checkpoint_every=2, **FLOW)
    blob = read_torch_file(ckpt)
    blob["step"] = 2  # read as a checkpoint half-way: its lr is the schedule's, below the configured one
    write_torch_file(ckpt, blob)
    fit_flow("ring", steps=4, seed=0, checkpoint=ckpt, **FLOW)
    blob["optimizers"]["flow"]["param_groups"][0]["lr"] = 2e-3  # above the configured 1e-3
    write_torch_file(ckpt, blob)
    with pytest.raises(ValueError, match=r"\['lr'\] must be a finite number in \[0, 0\.001\]"):
        fit_flow("ring", steps=4, seed=0, checkpoint=ckpt, **FLOW)


# -- 3. a flow file's architecture is checked before anything is built ----------------------------

@pytest.mark.parametrize("field, value, message", [
    ("hidden", -3, r"flow hidden must be a positive integer"),
    ("bins", 2.5, r"flow bins must be a positive integer"),
    ("layers", "2", r"flow layers must be a positive integer"),
    ("hidden", 10**9, r"would need about [\d.]+ GiB, but only [\d.]+ GiB is available"),
])
def test_a_flow_file_whose_stored_architecture_is_out_of_range_is_refused_before_it_is_built(field, value, message,
                                                                                              tmp_path):
    fl = fit_flow("ring", steps=2, seed=0, **FLOW)
    fl.save(tmp_path / "flow.pt")
    blob = read_torch_file(tmp_path / "flow.pt")
    blob["config"][field] = value
    write_torch_file(tmp_path / "flow.pt", blob)
    with pytest.raises(ValueError, match=r"flow\.pt: .*" + message):
        load_flow(tmp_path / "flow.pt")


@pytest.mark.parametrize("field, value, message", [
    ("hidden", 0, r"AdvAI network hidden must be a positive integer"),
    ("hidden", 10**9, r"would need about [\d.]+ GiB"),
])
def test_an_advai_file_whose_stored_architecture_is_out_of_range_is_refused_before_it_is_built(field, value, message,
                                                                                                tmp_path):
    from advai.latent.advai_fit import load_advai
    fit_advai("gaussian", 2, steps=2, seed=0, **SMALL).save(tmp_path / "it.pt")
    blob = read_torch_file(tmp_path / "it.pt")
    blob["config"][field] = value
    write_torch_file(tmp_path / "it.pt", blob)
    with pytest.raises(ValueError, match=r"it\.pt: .*" + message):
        load_advai(tmp_path / "it.pt")


def test_the_flow_size_formula_bounds_built_flows_within_a_few_percent():
    for dim, transforms, bins, hidden, layers in [(2, 4, 32, 128, 2), (5, 3, 10, 7, 3), (3, 2, 4, 50, 2), (16, 1, 8, 64, 1)]:
        cfg = FlowConfig(dim=dim, transforms=transforms, bins=bins, hidden=hidden, layers=layers)
        built = sum(t.numel() * t.element_size() for t in [*Flow(cfg).parameters(), *Flow(cfg).buffers()])
        assert built <= flow_bytes(cfg) <= 1.05 * built


# -- 4. every size checked against memory before allocation ---------------------------------------

@pytest.mark.parametrize("call, message", [
    (lambda: fit_flow("ring", steps=2, hidden=10**6, progress=False), r"hidden=1000000.*would need about"),
    (lambda: fit_flow("ring", steps=2, bins=10**6, progress=False), r"bins=1000000.*would need about"),
    (lambda: fit_flow("ring", steps=2, transforms=10**7, progress=False), r"transforms=10000000.*would need about"),
    (lambda: fit_flow("ring", steps=2, n_standardize=10**10, progress=False), r"n_standardize=10000000000"),
    (lambda: fit_flow(lambda n: torch.zeros(n, 10**6), dim=10**6, steps=2, progress=False), r"dim=1000000"),
    (lambda: fit_advai("gaussian", 2, steps=2, hidden=10**6, progress=False), r"hidden=1000000.*would need"),
    (lambda: fit_model("ae", torch.zeros(4, 1, 32, 32), latent=10**8, steps=2, progress=False), r"latent=100000000"),
    (lambda: sample_prior("gaussian", 10**12, 64), r"n=1000000000000 draws of dim=64: would need about"),
    (lambda: sample_prior("nine_discs", 10**11), r"n=100000000000 draws"),
    (lambda: data.load("lines", n_lines=10**10), r"lines: 10000000000 images of 32x32"),
])
def test_a_size_the_machine_cannot_hold_is_a_value_error_before_it_is_allocated(call, message):
    with pytest.raises(ValueError, match=message + r".*GiB"):
        call()


def test_the_memory_check_counts_a_network_without_allocating_it_or_drawing_a_random_number():
    from advai.memory import model_bytes
    state = torch.get_rng_state()
    huge = model_bytes(lambda: torch.nn.Linear(10**6, 10**6))  # 4 TB if it were allocated
    assert huge == 4 * (10**12 + 10**6) and torch.equal(state, torch.get_rng_state())


# -- 5. the command line -------------------------------------------------------------------------

@pytest.mark.parametrize("argv, message", [
    (["--seed", "-1"], r"argument --seed: '-1' is not a seed"),
    (["--seed", "1.5"], r"argument --seed: '1.5' is not a seed"),
    (["--scheduler", "localhost"], r"argument --scheduler: scheduler='localhost' is not a Dask scheduler address"),
    (["--scheduler", "tcp://host:99999"], r"is not a Dask scheduler address"),
    (["--profile", "fast"], r"argument --profile: invalid choice"),
])
def test_every_command_line_argument_is_checked_before_any_notebook_starts(argv, message, capsys, monkeypatch):
    monkeypatch.setattr(driver, "run_notebook", lambda *a, **k: pytest.fail("a notebook started"))
    with pytest.raises(SystemExit) as stop:
        driver.main(argv)
    assert stop.value.code == 2 and re.search(message, capsys.readouterr().err)


def test_a_bad_only_leaves_no_run_folder_behind(monkeypatch):
    before = set((ROOT / "build").glob("run-*")) if (ROOT / "build").exists() else set()
    monkeypatch.setattr(driver, "run_notebook", lambda *a, **k: pytest.fail("a notebook started"))
    with pytest.raises(SystemExit, match="--only '99' matches no notebook"):
        driver.main(["--profile", "quick", "--only", "99"])
    after = set((ROOT / "build").glob("run-*")) if (ROOT / "build").exists() else set()
    assert after == before


def test_scheduler_addresses_are_recognised_and_a_run_refuses_a_negative_seed(tmp_path):
    for good in ("tcp://127.0.0.1:8786", "tls://scheduler.cluster.local:8786", "tcp://[::1]:8786"):
        assert check_scheduler_address(good) == good
    for bad in ("127.0.0.1:8786", "tcp://:8786", "tcp://host", "http://host:80", "tcp://host:0"):
        with pytest.raises(ValueError, match="is not a Dask scheduler address"):
            check_scheduler_address(bad)
    with pytest.raises(ValueError, match=r"seed must be an integer in \[0, 2\*\*63\), got -1"):
        Run("02_test", "quick", -1, out_dir=tmp_path)


# -- 6. IDX files --------------------------------------------------------------------------------

def idx(ndim_shape, payload: bytes | None = None, magic=b"\x00\x00\x08") -> bytes:
    header = magic + bytes([len(ndim_shape)]) + b"".join(d.to_bytes(4, "big") for d in ndim_shape)
    n = int(np.prod(ndim_shape))
    return header + (payload if payload is not None else bytes([i % 10 for i in range(n)]))


def mnist_folder(tmp_path, **override):
    folder = tmp_path / "mnist"
    folder.mkdir(exist_ok=True)
    files = {"train-images-idx3-ubyte": idx((3, 4, 4)), "t10k-images-idx3-ubyte": idx((2, 4, 4)),
             "train-labels-idx1-ubyte": idx((3,)), "t10k-labels-idx1-ubyte": idx((2,))}
    files.update(override)
    for name, raw in files.items():
        (folder / name).write_bytes(raw)
    return folder


@pytest.mark.parametrize("override, message", [
    ({"train-labels-idx1-ubyte": idx((4,))}, r"train-images-idx3-ubyte holds 3 images but train-labels-idx1-ubyte 4"),
    ({"t10k-labels-idx1-ubyte": idx((2,), bytes([1, 10]))}, r"t10k-labels-idx1-ubyte holds label 10; labels must lie in 0-9"),
    ({"train-images-idx3-ubyte": idx((3, 4, 4), magic=b"\x00\x00\x0d")}, r"is not an unsigned-byte IDX file"),
    ({"train-images-idx3-ubyte": idx((48,))}, r"has 1 dimensions; this file must have 3"),
    ({"train-images-idx3-ubyte": b"\x00\x00\x08\x03\x00\x00"}, r"is truncated inside its header"),
    ({"train-images-idx3-ubyte": idx((3, 4, 4))[:-5]}, r"is truncated: header says \(3, 4, 4\)"),
    ({"train-images-idx3-ubyte": idx((3, 4, 4)) + b"\x00"}, r"is longer than its header says"),
    ({"train-images-idx3-ubyte": idx((0, 4, 4), b"")}, r"has an empty dimension"),
    ({"t10k-images-idx3-ubyte": idx((2, 5, 5))}, r"the training and test images differ in size"),
])
def test_idx_files_are_checked_against_their_header_and_each_other(override, message, tmp_path):
    mnist_folder(tmp_path)
    assert data.load("mnist", data_dir=tmp_path, test_fraction=0.4).images.shape == (5, 1, 4, 4)
    mnist_folder(tmp_path, **override)
    with pytest.raises(ValueError, match=message):
        data.load("mnist", data_dir=tmp_path)


def test_a_gzipped_idx_file_cut_short_names_the_file_and_what_to_do(tmp_path):
    folder = mnist_folder(tmp_path)
    raw = gzip.compress(idx((3, 4, 4)))
    (folder / "train-images-idx3-ubyte").unlink()
    (folder / "train-images-idx3-ubyte.gz").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError, match=r"train-images-idx3-ubyte\.gz cannot be read as gzip \(truncated or corrupt"):
        data.load("mnist", data_dir=tmp_path)


# -- 7. full disks, truncated files, symlinked locks, promotion ----------------------------------

@pytest.fixture
def tiny_disk(tmp_path):
    """A 256 KiB tmpfs (needs root, as CI has); skipped where it cannot be mounted."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], capture_output=True)  # lazily: a test that failed may hold a file


def test_a_full_disk_is_a_disk_full_error_naming_the_file_and_the_old_file_stays(tiny_disk):
    target = tiny_disk / "run.pt"
    write_torch_file(target, {"w": torch.zeros(8)})
    before = target.read_bytes()
    with pytest.raises(DiskFull, match=r"could not write .*run\.pt: its disk is full \(.* MiB free, .* MiB needed\)"):
        write_torch_file(target, {"w": torch.zeros(200_000)})
    assert target.read_bytes() == before and sorted(p.name for p in tiny_disk.iterdir()) == ["run.pt"]
    ckpt = tiny_disk / "fit.pt"
    with pytest.raises(DiskFull, match=r"fit\.pt: its disk is full.*make clean-cache"):
        fit_model("ae", torch.zeros(4, 1, 32, 32), latent=4, steps=2, checkpoint=ckpt, progress=False)


def test_a_truncated_checkpoint_names_the_file_and_what_to_do(tmp_path):
    ckpt = tmp_path / "run.pt"
    fit_advai("gaussian", 2, steps=2, seed=0, checkpoint=ckpt, **SMALL)
    ckpt.write_bytes(ckpt.read_bytes()[:300])
    with pytest.raises(ValueError, match=r"run\.pt is corrupt or not a plain torch file \(300 bytes.*delete it and run again"):
        fit_advai("gaussian", 2, steps=4, seed=0, checkpoint=ckpt, **SMALL)


def test_a_symlinked_lock_file_is_refused_and_not_followed(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me")
    (tmp_path / "run.pt.lock").symlink_to(victim)
    with pytest.raises(ValueError, match=r"run\.pt\.lock is a symbolic link .*remove the link"):
        fit_advai("gaussian", 2, steps=2, seed=0, checkpoint=tmp_path / "run.pt", **SMALL)
    (tmp_path / "manifest.json.lock").symlink_to(tmp_path / "nowhere" / "x")
    with pytest.raises(ValueError, match=r"manifest\.json\.lock is a symbolic link"):
        update_json(tmp_path / "manifest.json", lambda d: d.update(a=1))
    assert victim.read_text() == "keep me"


def staged(tmp_path, tag: str, n: int = 4):
    stage = tmp_path / f"stage-{tag}"
    stage.mkdir()
    for i in range(n):
        (stage / f"fig{i}.csv").write_text(f"{tag}\n")
    (stage / "manifest.json").write_text(json.dumps({f"fig{i}.csv": {"run": tag} for i in range(n)}))
    (stage / "timings.json").write_text(json.dumps({"02": {"notebook_s": len(tag)}}))
    return stage


def contents(figures: Path) -> set:
    return {p.read_text() for p in figures.glob("fig*.csv")}


@pytest.mark.parametrize("killed_after", [0, 1, 3])
def test_a_kill_during_promotion_leaves_old_files_or_a_journal_the_next_run_finishes(killed_after, tmp_path,
                                                                                        monkeypatch):
    figures = tmp_path / "figures"
    driver.promote(staged(tmp_path, "old"), figures)
    assert contents(figures) == {"old\n"}
    renames, real = [], os.replace

    def dying_replace(src, dst):  # counts the renames of finished copies over their targets
        if str(dst).endswith(".csv"):
            if len(renames) == killed_after:
                raise KeyboardInterrupt  # the process dies here
            renames.append(dst)
        real(src, dst)
    monkeypatch.setattr(driver.os, "replace", dying_replace)
    with pytest.raises(KeyboardInterrupt):
        driver.promote(staged(tmp_path, "new"), figures)
    monkeypatch.setattr(driver.os, "replace", real)
    assert (figures / driver.JOURNAL).exists()  # the copies were all made: the promotion is decided
    assert driver.finish_promotion(figures) == 4 - killed_after
    assert contents(figures) == {"new\n"} and not (figures / driver.JOURNAL).exists()
    assert not list(figures.glob(f".*{driver.PENDING}"))
    assert json.loads((figures / "manifest.json").read_text())["fig0.csv"] == {"run": "new"}


def test_a_kill_while_copying_leaves_every_old_file_and_the_copies_are_cleared(tmp_path, monkeypatch):
    figures = tmp_path / "figures"
    driver.promote(staged(tmp_path, "old"), figures)
    copies = []

    def dying_copy(src, dst):
        if len(copies) == 2:
            raise KeyboardInterrupt
        copies.append(dst)
        Path(dst).write_bytes(Path(src).read_bytes())
    monkeypatch.setattr(driver.shutil, "copyfile", dying_copy)
    with pytest.raises(KeyboardInterrupt):
        driver.promote(staged(tmp_path, "new"), figures)
    assert contents(figures) == {"old\n"} and not (figures / driver.JOURNAL).exists()
    assert driver.finish_promotion(figures) == 0 and not list(figures.glob(f".*{driver.PENDING}"))


def test_a_sigkill_in_the_middle_of_the_renames_is_finished_by_the_next_run(tmp_path):
    figures = tmp_path / "figures"
    driver.promote(staged(tmp_path, "old"), figures)
    new = staged(tmp_path, "new")
    code = textwrap.dedent(f"""
        import os, signal
        from pathlib import Path
        from advai.study import driver
        real, done = os.replace, []
        def replace(src, dst):
            if str(dst).endswith(".csv"):
                if len(done) == 2:
                    os.kill(os.getpid(), signal.SIGKILL)
                done.append(dst)
            real(src, dst)
        driver.os.replace = replace
        driver.promote(Path({str(new)!r}), Path({str(figures)!r}))
    """)
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert len(contents(figures)) == 2  # two new, two old: what the journal is there to finish
    assert driver.finish_promotion(figures) == 2 and contents(figures) == {"new\n"}
