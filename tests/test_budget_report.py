"""Notebook 5's verdicts from the image-budget tables (advai.study.budget_report), on made-up tables
whose answers are known."""
import numpy as np
import pandas as pd
import pytest

from advai.evaluate.summary import paired_tests
from advai.study import budget_report as br

SEEDS = range(5)


def runs_table(shift: dict) -> pd.DataFrame:
    """Lines scores per model, seed and budget: model m's mean distance is 0.1 + shift[m](budget)
    plus a small seed-dependent wobble; smoothness 0.9 - budget / 1e6 for every model."""
    rows = []
    for m, f in shift.items():
        for images in (2**14, 2**17, 2**20):
            for s in SEEDS:
                rows.append({"model": m, "seed": s, "training images": images,
                             "mean_distance": 0.1 + f(images) + 1e-4 * np.sin(7 * s + len(m)),
                             "smoothness": 0.9 - images / 1e6 + 1e-3 * np.cos(3 * s + len(m) + images // 2**14)})
    return pd.DataFrame(rows)


def paired_by_budget(runs: pd.DataFrame, pairs) -> pd.DataFrame:
    return pd.concat([paired_tests(runs[runs["training images"] == i], pairs, list(br.MEASURES))
                      .assign(**{"training images": i}) for i in sorted(runs["training images"].unique())])


def test_budget_labels_name_powers_of_two():
    assert br.budget_label(2**20) == "2^20" and br.budget_label(70_400) == "70,400"


def test_a_model_that_overtakes_another_is_worse_then_better_and_the_ranking_follows():
    # AdvAI-AE starts 0.02 above AE (worse: higher distance) and ends 0.02 below it
    runs = runs_table({"AE": lambda i: 0.0, "AdvAI-AE": lambda i: 0.02 if i < 2**17 else (0.0 if i == 2**17 else -0.02)})
    v = br.verdict_table(paired_by_budget(runs, [("AdvAI-AE", "AE")])).set_index("measure")
    assert list(v.columns) == ["a", "b", "2^14", "2^17", "2^20"]
    assert v.loc["mean distance", "2^14"] == "worse" and v.loc["mean distance", "2^20"] == "better"
    assert v.loc["mean distance", "2^17"] == "not separated"
    assert br.ranking(runs, 2**14) == ["AE", "AdvAI-AE"] and br.ranking(runs, 2**20) == ["AdvAI-AE", "AE"]


def test_toward_published_says_closer_and_moved_only_when_the_change_is_real():
    runs = runs_table({"AE": lambda i: 0.05 * (i == 2**14), "ACAI": lambda i: 0.0})
    acai = pd.DataFrame({"model": ["AE", "ACAI"], "source": ["published"] * 2,
                         "mean distance (median of window)": [0.0, 0.0], "smoothness (median of window)": [0.4, 0.4]})
    t = br.toward_published(runs, acai, "mean_distance").set_index("model")
    assert t.loc["AE", "closer"] and t.loc["AE", "moved"] and t.loc["AE", "change"] == pytest.approx(-0.05, abs=1e-3)
    assert not t.loc["ACAI", "moved"]  # only the seeds' wobble changes ACAI
    s = br.toward_published(runs, acai, "smoothness").set_index("model")  # smoothness falls from 0.88 to -0.15
    assert s.loc["AE", "moved"] and not s.loc["AE", "closer"]  # it overshoots 0.4 by more than it started above it
    with pytest.raises(KeyError):
        br.toward_published(runs, acai.drop(columns="smoothness (median of window)"), "smoothness")


def test_the_sentences_and_curve_table_read_the_tables():
    runs = runs_table({"AE": lambda i: 0.0, "AdvAI-AE": lambda i: -0.02})
    linear = runs[runs.model == "AdvAI-AE"].assign(model="AdvAI-AE (LineIntp paths)", mean_distance=lambda d: d.mean_distance + 0.01 + 1e-4 * np.cos(d.seed))
    detour = paired_by_budget(pd.concat([runs, linear]), [("AdvAI-AE", "AdvAI-AE (LineIntp paths)")])
    verdicts = br.verdict_table(paired_by_budget(runs, [("AdvAI-AE", "AE")]))
    acai = pd.DataFrame({"model": ["AE"], "source": ["published"], "smoothness (median of window)": [0.44]})
    text = br.sentences(verdicts, runs, br.toward_published(runs, acai, "smoothness"), detour)
    assert text[0] == "AdvAI-AE vs AE, mean distance: better at every budget"
    assert "AdvAI-AE's AdvAI paths vs its LineIntp paths, mean distance: better at every budget" in text
    spread = pd.concat([runs, linear]).assign(**{"midpoint spread": lambda d: d.mean_distance})
    spread_tests = pd.concat([paired_tests(spread[spread["training images"] == i],
                                           [("AdvAI-AE", "AdvAI-AE (LineIntp paths)")], [br.SPREAD])
                              .assign(**{"training images": i}) for i in (2**14, 2**17, 2**20)])
    text = br.sentences(verdicts, runs, br.toward_published(runs, acai, "smoothness"), spread_tests)
    assert text[-1] == "AdvAI-AE's AdvAI paths vs its LineIntp paths, midpoint spread: lower at every budget"
    assert not any("(LineIntp paths)" in t for t in text if t.startswith("order"))
    curve = runs.groupby(["model", "training images"], sort=False)[["mean_distance"]].mean().reset_index()
    curve["mean_distance_ci"] = 0.001
    table = br.curve_table(curve, "mean_distance")
    assert list(table.index) == ["2^14", "2^17", "2^20"] and list(table.columns) == ["AE", "AdvAI-AE"]
    assert table.loc["2^20", "AdvAI-AE"].endswith("± 0.0010")


def test_verdicts_along_the_budgets_are_grouped_into_runs():
    b = ["2^14", "2^15", "2^16", "2^17"]
    assert br.by_budget(["better"] * 4, b) == "better at every budget"
    assert br.by_budget(["not separated", "not separated", "better", "worse"], b) == \
        "not separated at 2^14-2^15, better at 2^16, worse at 2^17"


def test_a_missing_table_names_the_command_that_writes_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="scripts/image_budget.py"):
        br.committed("tab-image-budget-runs", tmp_path)
