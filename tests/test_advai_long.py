"""The long profile (scripts/advai_long.py): its jobs, measures, tables, sentences, and a quick run."""
import sys

import numpy as np
import pandas as pd
import pytest
import torch

from advai.study import long_report as R
from advai.study import long_runs as LR
from advai.study.profiles import ADVAI_FITS, ADVAI_LONG, ADVAI_LONG_QUICK, HELD_OUT
from scripts_under_test import load_script


def test_the_long_profile_trains_the_papers_samples_with_both_algorithms():
    jobs = LR.long_jobs(ADVAI_LONG)
    assert ADVAI_LONG["authors_steps"] * 64 == ADVAI_LONG["headline_steps"] * 256 == 2**14 * 1024
    assert ADVAI_LONG["authors_snapshot_every"] <= 8192 and ADVAI_LONG["headline_snapshot_every"] * 256 <= 8192 * 64
    assert 3000 % ADVAI_LONG["headline_snapshot_every"] == 0  # notebook 2's fit is one of the snapshots
    for prior in ADVAI_LONG["priors"]:
        for algorithm in ("authors", "headline"):
            seeds = sorted(s for a, p, s in jobs if (a, p) == (algorithm, prior))
            assert seeds == list(range(ADVAI_LONG["n_held_out_seeds" if prior in HELD_OUT else "n_seeds"]))
            assert len(seeds) >= 3 or prior in HELD_OUT
    assert sorted(k for k in jobs if k[0] == "port") == [("port", p, s) for p in sorted(ADVAI_LONG["port_priors"])
                                                          for s in range(ADVAI_LONG["n_port_seeds"])]
    more = LR.long_jobs(dict(ADVAI_LONG, n_held_out_seeds=3, n_port_seeds=3))  # had we trained more
    keys = list(more)
    assert keys.index(("authors", "nine_discs", 2)) < keys.index(("authors", "two_discs", 0))  # notebook priors first
    assert keys.index(("headline", "two_rings", 0)) < keys.index(("port", "nine_discs", 0)) < keys.index(
        ("authors", "two_discs", 1)) < keys.index(("port", "ring", 1))
    head = jobs["headline", "nine_discs", 0]
    name, dim, mode, extra = ADVAI_FITS["nine_discs"]
    assert (head["sampler"], head["dim"], head["mode"]) == (name, dim, mode) and extra.items() <= head.items()
    port = more["port", "ring", 0]
    assert port["mode"] == "factorized" and port["steps"] == 262_144 and port["batch_size"] == 64 and port["loss"] == "l1"
    assert jobs["authors", "ring", 1] == dict(algorithm="authors", sampler="ring", dim=2, steps=262_144, seed=1,
                                              snapshot_every=4096, checkpoint_every=4096)
    with pytest.raises(ValueError, match="algorithm"):
        LR.fit_long("ours", sampler="ring", dim=2, steps=1)


def test_notebook2_budget_picks_step_3000_of_a_headline_fit_and_the_closest_authors_snapshot():
    class Fit:
        def __init__(self, steps):
            self.snapshots = [(s, None) for s in steps]
    assert LR.notebook2_step("headline", Fit(range(0, 65537, 1000))) == 3000
    assert LR.notebook2_step("authors", Fit(range(0, 262_145, 4096))) == 12_288
    with pytest.raises(ValueError, match="snapshots"):
        LR.notebook2_step("authors", Fit([0]))


def test_linear_interpolation_scores_as_its_own_reference():
    L = dict(ADVAI_LONG_QUICK, n_land=4000)
    r = LR.score("nine_discs", "linear", 0, L)
    assert r["share left"] == 1.0 and 0.5 < r["off support"] < 0.7 and r["balance"] > 0.1  # piled on the middle discs


def _runs(paper_off=(0.01, 0.015, 0.012)):
    rows = []
    for seed in range(3):
        rows += [{"algorithm": "headline (x)", "prior": "ring", "fit seed": seed, "budget": "notebook 2", "samples": 768000,
                  "share left": 0.02 + 0.001 * seed, "off support": 0.2 + 0.01 * seed, "balance": 0.03},
                 {"algorithm": "headline (x)", "prior": "ring", "fit seed": seed, "budget": "paper", "samples": 16777216,
                  "share left": 0.015 + 0.002 * seed, "off support": paper_off[seed], "balance": 0.02 + 0.04 * seed},
                 {"algorithm": "authors' loop (as trained)", "prior": "ring", "fit seed": seed, "budget": "paper",
                  "samples": 16777216, "share left": 0.5 + 0.1 * seed, "off support": 0.4, "balance": 0.1 + 0.01 * seed},
                 {"algorithm": "authors' loop (as trained)", "prior": "ring", "fit seed": seed, "budget": "notebook 2",
                  "samples": 786432, "share left": 0.6 + 0.1 * seed, "off support": 0.41 + 0.01 * seed, "balance": 0.1},
                 {"algorithm": R.LINEAR, "prior": "ring", "fit seed": seed, "budget": "none", "samples": 0,
                  "share left": 1.0, "off support": 0.55, "balance": 0.0}]
    return pd.DataFrame(rows)


def test_summary_tests_and_verdict_follow_the_runs():
    runs = _runs()
    s = R.summary_table(runs).set_index(["algorithm", "budget"])
    head = s.loc[("headline (x)", "paper")]
    assert head["off support"] == pytest.approx(np.mean([0.01, 0.015, 0.012])) and head["fits"] == 3
    assert head["goals met by the mean"] == "share left, off support" and head["seeds meeting all goals"] == "0"
    assert head["samples"] == 16777216
    t = R.tests_table(runs)
    budget = t[(t.a == "headline (x)") & (t.measure == "off support")].iloc[0]
    assert budget["difference"] == pytest.approx(np.mean([0.01, 0.015, 0.012]) - 0.21) and budget["p"] < 0.01
    algo = t[t.test.str.startswith("authors")]
    assert set(algo.measure) == set(R.MEASURES) and (algo.fits == 3).all()
    lines = R.verdict(R.summary_table(runs), t)
    line = next(x for x in lines if x.startswith("headline (x), ring"))
    assert "(3 fits, 16.8 M samples each)" in line and "off support 21.0% -> 1.2% (fell, adj. p" in line
    assert "fits meeting all three: fit seed 0." in line and "LineIntp: off support 55.0%" in line
    flat = R.verdict(R.summary_table(_runs((0.2, 0.22, 0.21))), R.tests_table(_runs((0.2, 0.22, 0.21))))
    assert "off support 21.0% -> 21.0% (no difference shown)" in next(x for x in flat if x.startswith("headline"))
    one = _runs()[lambda d: d["fit seed"] == 0]
    single = R.verdict(R.summary_table(one), R.tests_table(one))
    assert "(1 fit, " in single[0] and "(one fit: not tested)" in single[0] and "adj. p" not in single[0]


def test_a_missing_committed_table_names_the_script(monkeypatch, tmp_path):
    monkeypatch.setattr(R, "project_root", lambda: tmp_path)
    with pytest.raises(FileNotFoundError, match="scripts/advai_long.py"):
        R.committed("tab-advai-long")


def test_the_quick_profile_runs_the_whole_script(monkeypatch, tmp_path):
    script = load_script("advai_long")
    monkeypatch.setattr(sys, "argv", ["advai_long.py", "--profile", "quick", "--workers", "1", "--figures", str(tmp_path)])
    threads = torch.get_num_threads()
    script.main()
    torch.set_num_threads(threads)
    for name in ("tab-advai-long", "tab-advai-long-runs", "tab-advai-long-tests", "tab-advai-long-steps"):
        assert (tmp_path / f"{name}.csv").is_file() and (tmp_path / f"{name}.md").is_file()
    for name in ("fig-advai-long-authors", "fig-advai-long-headline", "fig-advai-long-port", "fig5-long",
                 "fig-advai-long-seeds"):
        assert (tmp_path / f"{name}.png").is_file()
    runs = pd.read_csv(tmp_path / "tab-advai-long-runs.csv")
    L = ADVAI_LONG_QUICK
    jobs = LR.long_jobs(L)  # every variant at 2 budgets; LineIntp once per prior and fit seed
    assert len(runs) == sum(2 * len(LR.VARIANTS[a]) for a, _, _ in jobs) + sum(len(LR.seeds_of(p, L)) for p in L["priors"])
    assert set(runs.budget) == {"notebook 2", "paper", "none"}
    steps = pd.read_csv(tmp_path / "tab-advai-long-steps.csv")
    assert steps.samples.max() == L["headline_steps"] * 256 == L["authors_steps"] * 64
    import json
    assert {e["profile"] for e in json.loads((tmp_path / "manifest.json").read_text()).values()} == {"long-quick"}
