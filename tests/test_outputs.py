import json

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
import pytest

from advai import files
from advai.files import atomic_path
from advai.study import profiles
from advai.study.outputs import Run, figure_formats, record_timings
from advai.train import run_name


@pytest.fixture(autouse=True)
def both_formats(monkeypatch):
    """This file tests what the study writes: PNG and PDF (the other tests save PNGs only, conftest)."""
    monkeypatch.delenv("ADVAI_FIGURE_FORMATS", raising=False)


def test_figure_formats_come_from_the_environment_and_a_bad_one_is_refused(tmp_path, monkeypatch):
    assert figure_formats() == ("png", "pdf")
    monkeypatch.setenv("ADVAI_FIGURE_FORMATS", "png")
    fig, ax = plt.subplots()
    ax.set(xlabel="x", ylabel="y")
    assert [p.name for p in Run("nb", "quick", 0, out_dir=tmp_path).savefig(fig, "one")] == ["one.png"]
    assert not (tmp_path / "one.pdf").exists()
    monkeypatch.setenv("ADVAI_FIGURE_FORMATS", "png,svg")
    with pytest.raises(ValueError, match="ADVAI_FIGURE_FORMATS='svg'"):
        figure_formats()


def test_run_writes_files_and_manifest(tmp_path):
    run = Run("01_distribution_mismatch", "quick", 3, params={"n": 5}, out_dir=tmp_path)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set(xlabel="x", ylabel="y")
    run.savefig(fig, "figX")
    run.save_table(pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"]}), "tabX")
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert set(manifest) == {"figX.png", "figX.pdf", "tabX.csv", "tabX.md"}
    entry = manifest["figX.png"]
    assert entry["notebook"] == "01_distribution_mismatch" and entry["seed"] == 3 and entry["profile"] == "quick"
    assert entry["parameters"] == {"n": 5} and entry["packages"]["torch"].startswith("2.13")
    assert entry["commit"]
    assert (tmp_path / "tabX.md").read_text().splitlines()[0].split("|")[1:3] == ["   a ", " b   "]


def test_pdf_is_byte_reproducible(tmp_path):
    run = Run("nb", "quick", 0, out_dir=tmp_path)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    ax.set(xlabel="x", ylabel="y")
    run.savefig(fig, "a")
    first = [(tmp_path / f"a.{e}").read_bytes() for e in ("pdf", "png")]
    run.savefig(fig, "a")
    assert first == [(tmp_path / f"a.{e}").read_bytes() for e in ("pdf", "png")]


def test_savefig_enforces_the_figure_style(tmp_path):
    from PIL import Image

    run = Run("nb", "quick", 0, out_dir=tmp_path)
    fig, ax = plt.subplots()
    ax.plot([0, 1], [1, 0])
    with pytest.raises(ValueError, match="x axis .* no label"):
        run.savefig(fig, "bare")  # tick labels shown, quantity unnamed
    ax.set(xlabel="alpha", ylabel="energy")
    ax.text(0.5, 0.5, "tiny", fontsize=6)
    with pytest.raises(ValueError, match="'tiny' at 6.0 pt"):
        run.savefig(fig, "small")
    with pytest.raises(ValueError, match="dpi=90"):
        run.savefig(fig, "coarse", dpi=90)
    assert not list(tmp_path.glob("*.png")) and not list(tmp_path.glob("*.pdf"))  # nothing half-written
    ax.texts[0].set_fontsize(8)
    run.savefig(fig, "ok")
    assert Image.open(tmp_path / "ok.png").info["dpi"][0] == pytest.approx(150, abs=0.1)
    assert (tmp_path / "ok.pdf").exists()
    image_fig, image_ax = plt.subplots()
    image_ax.imshow([[0, 1], [1, 0]])
    image_ax.set_xticks([])
    image_ax.set_yticks([])
    run.savefig(image_fig, "image")  # an image panel without ticks needs no axis labels


def test_atomic_path_keeps_old_file_on_failure(tmp_path):
    target = tmp_path / "fig.png"
    target.write_text("good")
    with pytest.raises(RuntimeError):
        with atomic_path(target) as tmp:
            tmp.write_text("half")
            raise RuntimeError("notebook failed")
    assert target.read_text() == "good"
    assert list(tmp_path.iterdir()) == [target]
    with atomic_path(target) as tmp:
        tmp.write_text("new")
    assert target.read_text() == "new" and target.stat().st_mode & 0o044  # group/others can read


def test_profiles_resolve(monkeypatch):
    monkeypatch.delenv("ADVAI_PROFILE", raising=False)
    assert profiles.resolve("01_distribution_mismatch")["profile"] == "paper"
    monkeypatch.setenv("ADVAI_PROFILE", "quick")
    assert profiles.resolve("01_distribution_mismatch")["profile"] == "quick"
    with pytest.raises(ValueError, match="profile='fast'.*'paper', 'quick'"):
        profiles.resolve("01_distribution_mismatch", "fast")
    for nb, by_profile in profiles.PROFILES.items():
        assert set(by_profile) == set(profiles.PROFILE_NAMES)
        assert set(by_profile["paper"]) == set(by_profile["quick"]), nb


def test_each_location_has_one_setting_and_a_default_in_the_checkout(monkeypatch, tmp_path):
    locations = [("ADVAI_FIGURES_DIR", files.figures_dir, "figures"), ("ADVAI_CACHE_DIR", files.cache_dir, "runs"),
                 ("ADVAI_DATA_DIR", files.data_dir, "data")]
    for setting, fn, default in locations:
        monkeypatch.delenv(setting, raising=False)
        assert fn() == files.project_root() / default
        monkeypatch.setenv(setting, str(tmp_path / setting))
        assert fn() == tmp_path / setting
        assert fn(tmp_path / "explicit") == tmp_path / "explicit"  # an argument wins over the setting
    assert files.figures_dir().is_dir() and files.cache_dir().is_dir()  # created on use
    assert (files.project_root() / "pyproject.toml").exists()  # tests run from the checkout


def test_timings_go_to_their_own_file_not_to_tables(tmp_path):
    run = Run("02_train_advai", "quick", 0, out_dir=tmp_path)
    run.save_timings("fit_s", {"ring": 1.5})
    record_timings(tmp_path, "02_train_advai", "notebook_s", 12.0)
    record_timings(tmp_path, "01_distribution_mismatch", "notebook_s", 3.0)
    assert json.loads((tmp_path / "timings.json").read_text()) == {
        "01_distribution_mismatch": {"notebook_s": 3.0}, "02_train_advai": {"fit_s": {"ring": 1.5}, "notebook_s": 12.0}}
    assert not (tmp_path / "manifest.json").exists()


def _write_entries(out_dir, tag, n):
    run = Run(f"nb-{tag}", "quick", 0, out_dir=out_dir)
    for k in range(n):
        run._record([f"{tag}-{k}.csv"])


def test_two_runs_writing_one_manifest_at_once_lose_no_entry(tmp_path):
    import multiprocessing

    procs = [multiprocessing.get_context("fork").Process(target=_write_entries, args=(tmp_path, tag, 40))
             for tag in ("a", "b")]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert all(p.exitcode == 0 for p in procs)
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert set(manifest) == {f"{tag}-{k}.csv" for tag in ("a", "b") for k in range(40)}


def test_a_damaged_manifest_is_set_aside_and_started_afresh(tmp_path):
    (tmp_path / "manifest.json").write_text('{"fig1.png": {"notebook": "01"')  # cut off mid-write
    run = Run("02_train_advai", "quick", 0, out_dir=tmp_path)
    with pytest.warns(UserWarning, match=r"manifest.json was damaged .*kept as manifest.json.damaged"):
        run._record(["tab.csv"])
    assert set(json.loads((tmp_path / "manifest.json").read_text())) == {"tab.csv"}
    assert (tmp_path / "manifest.json.damaged").read_text().startswith('{"fig1.png"')


def test_the_manifest_lists_the_models_a_notebook_used(tmp_path):
    import torch

    from advai.models import fit_model

    images = torch.rand(12, 1, 32, 32, generator=torch.Generator().manual_seed(0))
    fit_model("ae", images, latent=4, steps=2, cache=tmp_path / "cache", progress=False)  # before the run: not listed
    run = Run("03_advai_autoencoder", "quick", 0, out_dir=tmp_path)
    m = fit_model("ae", images, latent=4, steps=2, cache=tmp_path / "cache", progress=False)
    run._record(["tab-repr.csv"])
    entry = json.loads((tmp_path / "manifest.json").read_text())["tab-repr.csv"]
    assert entry["models"] == [{"run": run_name(m.fit_config), "status": "read back"}]


def test_timings_markdown_states_the_time_and_what_was_cached():
    from advai.study.outputs import timings_markdown

    md = timings_markdown({"02_b": {"notebook_s": 700.5, "models trained": 3, "models read back": 19, "fit_s": {}},
                           "01_a": {"notebook_s": 59.6}, "03_c": {"fit_s": {"x": 1.0}}})
    lines = md.splitlines()
    assert lines[2] == "| 01_a | 1 min 0 s | ? | ? |"  # no counts recorded: unknown, not zero
    assert lines[3] == "| 02_b | 11 min 40 s | 3 | 19 |"
    assert len(lines) == 4  # a notebook without a finished run has no row


def test_finish_script_records_time_and_only_its_own_models(tmp_path, monkeypatch):
    from advai import train
    monkeypatch.setattr(train, "_RUNS", [{"run": "before", "status": "trained"}])
    run = Run("scripts/x.py", "long", 0, out_dir=tmp_path)
    train._RUNS.extend([{"run": "a", "status": "trained"}, {"run": "b", "status": "read back"},
                        {"run": "c", "status": "resumed at step 5"}])
    run.finish_script(61.26, refresh_readme=False)
    t = json.loads((tmp_path / "timings.json").read_text())["scripts/x.py"]
    assert t == {"notebook_s": 61.3, "models trained": 1, "models read back": 1}  # "before" is not this run's
    assert "| scripts/x.py | 1 min 1 s | 1 | 1 |" in (tmp_path / "timings.md").read_text()
    assert (tmp_path / "provenance.md").read_text().count("\n") == 2  # no file saved yet: header only


def test_provenance_counts_files_per_run_and_says_which_kernels_were_pinned():
    from advai.study.outputs import provenance_markdown

    pinned = {"mode": "pinned", "cpu": "AMD EPYC", "openblas": ["Haswell"]}
    before = {"mode": "pinned", "cpu": "AMD EPYC"}  # written before the OpenBLAS pin
    md = provenance_markdown({"a.png": {"notebook": "02_b", "commit": "0123456789ab", "numerics": pinned},
                              "a.csv": {"notebook": "02_b", "commit": "0123456789ab", "numerics": pinned},
                              "b.csv": {"notebook": "01_a", "commit": "fedcba9876+dirty"},
                              "c.csv": {"notebook": "02_b", "commit": "aaaaaaaaaaaa", "numerics": before},
                              "d.csv": {"notebook": "02_b", "commit": "bbbbbbbbbbbb",
                                        "numerics": {**pinned, "openblas": ["SkylakeX"]}},
                              "e.csv": {"notebook": "03_c", "commit": "cccccccccccc",
                                        "numerics": {**pinned, "mode": "native", "openblas": ["SkylakeX"]}}})
    lines = md.splitlines()
    assert lines[2] == "| 01_a | fedcba98+dirty | not recorded | not recorded | 1 |"
    assert lines[3:] == ["| 02_b | 01234567 | pinned | AMD EPYC | 2 |",
                         "| 02_b | aaaaaaaa | pinned except OpenBLAS | AMD EPYC | 1 |",
                         "| 02_b | bbbbbbbb | pinned except OpenBLAS | AMD EPYC | 1 |",
                         "| 03_c | cccccccc | native | AMD EPYC | 1 |"]


def test_the_commit_is_dirty_for_code_notebook_code_and_pins_not_for_outputs(tmp_path):
    import subprocess

    from advai.study.outputs import git_commit

    def git(*args):
        subprocess.run(["git", *args], cwd=tmp_path, check=True, capture_output=True)

    def notebook(code, output):
        cells = [{"cell_type": "markdown", "metadata": {}, "source": ["# title"]},
                 {"cell_type": "code", "metadata": {}, "execution_count": 1, "source": [code],
                  "outputs": [{"output_type": "stream", "name": "stdout", "text": [output]}]}]
        return json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})

    for name, text in {"advai/m.py": "x = 1\n", "scripts/s.py": "y = 2\n", "notebooks/n.ipynb": notebook("1 + 1", "2"),
                       "requirements.txt": "torch==2.13.0\n", "notes.txt": "free text\n"}.items():
        (tmp_path / name).parent.mkdir(exist_ok=True)
        (tmp_path / name).write_text(text)
    git("init", "-q")
    git("add", ".")
    git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "start")
    head = git_commit(tmp_path)
    assert len(head) == 40 and "+" not in head
    (tmp_path / "notebooks/n.ipynb").write_text(notebook("1 + 1", "2, regenerated"))  # outputs only
    (tmp_path / "notes.txt").write_text("edited\n")  # not a source of the numbers
    (tmp_path / "advai/new.py").write_text("untracked\n")
    assert git_commit(tmp_path) == head
    for name, text in {"notebooks/n.ipynb": notebook("1 + 2", "3"), "scripts/s.py": "y = 3\n",
                       "advai/m.py": "x = 2\n", "requirements.txt": "torch==2.13.0+cpu\n"}.items():
        before = (tmp_path / name).read_text()
        (tmp_path / name).write_text(text)
        assert git_commit(tmp_path) == head + "+dirty", name
        (tmp_path / name).write_text(before)
    assert git_commit(tmp_path / "nowhere") == "unknown"
