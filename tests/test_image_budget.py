"""scripts/image_budget.py at CI size: the autoencoders' budget curve (issue 43, deliverable 3),
its settings, its tables and figure, and its device switch."""
import json

import pandas as pd
import pytest
import torch

from scripts_under_test import load_script

IB = load_script("image_budget")


def test_the_curve_doubles_the_images_up_to_the_papers_budget_and_warms_r_up_on_the_authors_samples():
    P = IB.settings(14, 24, 3)
    assert P["budgets"][0] * 64 == 2**14 and P["steps"] * 64 == 2**24 == 16_777_216
    assert all(b2 == 2 * b1 for b1, b2 in zip(P["budgets"], P["budgets"][1:]))
    assert P["warmup_steps"] * 64 == 2_097_152 and P["models"] == ("ae", "acai", "aae", "advai_ae")
    with pytest.raises(SystemExit, match="min_log2"):
        IB.settings(5, 8, 3)  # 2^5 images is less than one batch


def test_the_command_writes_its_tables_and_figure_at_ci_size(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVAI_DEVICE", "cpu")  # restored after the test: --device sets it for the fits
    IB.main(["--quick", "--min-log2", "6", "--max-log2", "7", "--seeds", "2", "--figures", str(tmp_path),
             "--device", "cpu"])
    table = pd.read_csv(tmp_path / "tab-image-budget.csv")
    assert len(table) == 4 * 2 and sorted(set(table["training images"])) == [64, 128]
    tests = pd.read_csv(tmp_path / "tab-image-budget-tests.csv")
    assert len(tests) == 4 * 2 * 2 and set(tests.b) == {"AE", "ACAI", "AAE"}  # 4 pairs, 2 measures, 2 budgets
    cost = pd.read_csv(tmp_path / "tab-image-budget-cost.csv")
    assert list(cost.n) == [2, 2, 2, 2, 2, 10] and (cost["fastest (min)"] > 0).all()  # 4 fits, 1 warm-up, the whole
    assert cost["fastest (min)"].iloc[-1] == pytest.approx(2 * cost["fastest (min)"].iloc[:-1].sum(), rel=1e-3)
    assert all((tmp_path / f"fig-image-budget{s}.png").is_file() for s in ("", "-paths", "-own-paths"))
    acai = pd.read_csv(tmp_path / "tab-image-budget-acai.csv")
    measured = acai[acai.source.str.startswith("measured")]
    assert list(measured.model) == ["AE", "ACAI", "AAE", "AdvAI-AE"] and set(measured.n) == {2}
    # a window of one snapshot (2 steps in all, 20/256 of them rounds to none): median = final
    assert (measured["mean distance (median of window)"] == measured["mean distance (final)"]).all()
    assert set(acai[~acai.source.str.startswith("measured")].model) == {"AE", "AAE", "ACAI"}
    detour = pd.read_csv(tmp_path / "tab-image-budget-detour.csv")
    assert len(detour) == 3 * 2 and set(detour.b) == {"AdvAI-AE (LineIntp paths)"}  # 3 measures, 2 budgets
    assert set(detour.measure) == {"mean_distance", "smoothness", "midpoint spread"}
    runs = pd.read_csv(tmp_path / "tab-image-budget-runs.csv")
    assert (runs["midpoint spread"] > 0).all() and runs["midpoint spread"].notna().all()
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {e["profile"] for e in manifest.values()} == {"image-budget"}
    models = {m["run"] for e in manifest.values() for m in e["models"]}
    assert len([m for m in models if m.startswith("model_")]) == 4 * 2


def test_acais_window_is_the_same_share_of_the_run_as_theirs():
    from advai.study.autoencoders import acai_window
    assert acai_window(16384, 256) == [15360, 15616, 15872, 16128, 16384]  # last 5 of 64 = 20 of 256
    assert acai_window(262144, 1024) == [1024 * k for k in range(237, 257)]  # the paper's: 20 of 256
    assert acai_window(4, 2) == [4]
    with pytest.raises(ValueError, match="multiple"):
        acai_window(1000, 256)


def test_a_device_this_machine_lacks_is_refused_before_anything_trains(tmp_path):
    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    with pytest.raises(ValueError, match="device='cuda' was requested but this machine has no such CUDA device"):
        IB.main(["--quick", "--min-log2", "6", "--max-log2", "6", "--device", "cuda", "--figures", str(tmp_path)])
    assert not any(tmp_path.iterdir())


def test_an_interim_look_scores_the_finished_models_only(tmp_path, monkeypatch):
    monkeypatch.setenv("ADVAI_DEVICE", "cpu")
    with pytest.raises(SystemExit, match="unknown"):
        IB.main(["--quick", "--models", "ae,vae", "--figures", str(tmp_path)])
    IB.main(["--quick", "--min-log2", "6", "--max-log2", "7", "--seeds", "2", "--models", "ae,acai",
             "--figures", str(tmp_path)])
    assert set(pd.read_csv(tmp_path / "tab-image-budget.csv").model) == {"AE", "ACAI"}
    tests = pd.read_csv(tmp_path / "tab-image-budget-tests.csv")
    assert set(zip(tests.a, tests.b)) == {("ACAI", "AE")}
    assert not (tmp_path / "tab-image-budget-detour.csv").exists()  # AdvAI-AE's tables need its fits
