"""The batch driver: notebook discovery, cleaning, and outputs promoted only when a notebook finishes."""
import json
import os

import numpy as np

import nbformat
import pytest

from advai.study import driver as study
from toy_notebook import toy_notebook


def test_notebooks_are_ordered_and_parameterized():
    paths = study.notebook_paths()
    assert paths and [p.name for p in paths] == sorted(p.name for p in paths)
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        assert len(tagged) == 1, p.name
        src = tagged[0].source
        assert "profile = None" in src and "seed = " in src
        assert nb.metadata["kernelspec"]["name"] == "python3"


def test_committed_notebooks_carry_outputs_without_noise():
    for p in study.notebook_paths():
        nb = nbformat.read(p, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code" and c.source.strip()]
        assert sum(bool(c.outputs) for c in code) >= len(code) // 2, f"{p.name} is not executed"
        assert "papermill" not in nb.metadata
        for c in code:
            assert not any(o.output_type == "error" for o in c.outputs), p.name
            text = str(c.outputs)
            assert "/root/" not in text and "/tmp/" not in text, f"machine path in {p.name}"


def test_only_filter_and_clean(tmp_path):
    assert study.notebook_paths("01")[0].name.startswith("01_")
    with pytest.raises(SystemExit, match="matches no notebook"):
        study.notebook_paths("99")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print(1)")])
    nb.metadata["papermill"] = {"duration": 1.0}
    nb.cells[0].metadata["papermill"] = {"duration": 0.1}
    nb.cells[0].outputs = [nbformat.v4.new_output("stream", name="stderr", text="100%|###| 3/3\r"),
                           nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    path = tmp_path / "x.ipynb"
    nbformat.write(nb, path)
    study.clean_notebook(path)
    nb = nbformat.read(path, as_version=4)
    assert "papermill" not in nb.metadata and "papermill" not in nb.cells[0].metadata
    assert [o.name for o in nb.cells[0].outputs] == ["stdout"]


def snapshot(*folders):
    return {p: p.read_bytes() for f in folders for p in sorted(f.rglob("*")) if p.is_file() and p.suffix != ".lock"}


def test_a_notebook_that_fails_midway_leaves_the_committed_files_byte_identical(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVAI_FIGURES_DIR", str(tmp_path / "unused"))  # restored after the test
    monkeypatch.setenv("PYTHONPATH", os.environ.get("PYTHONPATH", ""))  # run_notebook sets both for its kernels
    monkeypatch.setenv("ADVAI_CHECKOUT", os.environ.get("ADVAI_CHECKOUT", ""))
    monkeypatch.delenv("ADVAI_FIGURE_FORMATS", raising=False)  # both formats, as the study writes them
    src, figures, nb_out = tmp_path / "notebooks", tmp_path / "figures", tmp_path / "committed"
    for f in (src, figures, nb_out):
        f.mkdir()
    path = toy_notebook(src)
    (figures / "tab-toy.csv").write_text("old table\n")
    (figures / "manifest.json").write_text('{"tab-toy.csv": {"notebook": "99_toy", "commit": "old"}}\n')
    (nb_out / "99_toy.ipynb").write_text("old notebook")
    before = snapshot(figures, nb_out)
    with pytest.raises(study.NotebookFailed, match="failed on purpose"):
        study.run_notebook(path, figures, nb_out, {"fail": True}, tmp_path / "work")
    assert snapshot(figures, nb_out) == before  # the staged table and figure were never promoted

    done = study.run_notebook(path, figures, nb_out, {"fail": False}, tmp_path / "work")
    assert (figures / "tab-toy.csv").read_text().startswith("a\n1\n") and (figures / "fig-toy.png").exists()
    manifest = json.loads((figures / "manifest.json").read_text())
    assert set(manifest) == {"tab-toy.csv", "tab-toy.md", "fig-toy.png", "fig-toy.pdf"} and manifest["tab-toy.csv"]["models"] == []
    timings = json.loads((figures / "timings.json").read_text())["99_toy"]
    assert timings["fit_s"] == {"toy": 0.1} and timings["notebook_s"] == done["seconds"] > 0
    assert "papermill" not in nbformat.read(nb_out / "99_toy.ipynb", as_version=4).metadata


def test_a_density_row_shares_one_colour_scale_and_adds_one_colour_bar():
    import matplotlib
    matplotlib.use("Agg")
    from advai.study import plotting
    rng = np.random.default_rng(0)
    wide, narrow = rng.uniform(-1, 1, (20000, 2)), rng.normal(0, 0.1, (20000, 2))
    lims = (-1.0, 1.0)
    h = plotting.histogram(wide, lims, bins=40)
    assert h.sum() * (2 / 40) ** 2 == pytest.approx(1.0)  # all points inside: integrates to 1
    assert plotting.histogram(wide * 2, lims, bins=40).sum() * (2 / 40) ** 2 == pytest.approx(0.25, abs=0.02)
    fig, axes = plotting.grid(1, 3)
    vmax = plotting.density_row(fig, axes[0], [wide, None, narrow], lims, bins=40)
    pooled = np.concatenate([x[x > 0] for x in (h, plotting.histogram(narrow, lims, bins=40))])
    assert vmax == pytest.approx(np.quantile(pooled, 0.99))
    images = [ax.images[0] for ax in axes[0] if ax.images]
    assert len(images) == 2 and all(im.get_clim() == (0, vmax) for im in images)
    assert len(fig.axes) == 4  # three panels and one colour bar


@pytest.mark.parametrize("profile", ["paper", "quick", "long"])
def test_learning_curve_budgets_are_snapshots_of_one_run(profile):
    """Every learning-curve budget is a snapshot step of the full run: sorted, dividing by the
    snapshot interval, the last one the full run; the paper and long profiles span at least 10x."""
    from advai.study.autoencoders import snapshot_every
    from advai.study.profiles import LINES_LONG, resolve

    P = LINES_LONG if profile == "long" else resolve("03_advai_autoencoder", profile)
    budgets = list(P["budgets"])
    assert budgets == sorted(set(budgets)) and budgets[-1] == P["steps"]
    assert all(b % snapshot_every(P) == 0 for b in budgets)
    if profile != "quick":
        assert budgets[-1] >= 10 * budgets[0] and len(budgets) >= 4


def test_a_device_this_machine_lacks_is_refused_by_the_driver_and_setup(monkeypatch):
    import torch

    from advai.study import setup
    from advai.study.driver import main

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(SystemExit, match="--device cuda: device='cuda' was requested but this machine has no such"):
        main(["--device", "cuda", "--only", "01"])
    with pytest.raises(ValueError, match="device='cuda:0'"):
        setup("01_distribution_mismatch", "quick", device="cuda:0")
