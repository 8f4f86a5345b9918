"""scripts/flow_priors.py's comparison with AdvAI: paired by fit seed on the committed runs tables,
at both of AdvAI's budgets, adjusted over the whole table."""
import numpy as np
import pandas as pd
import pytest

from scripts_under_test import load_script

FP = load_script("flow_priors")


def runs(prior, values, **extra):
    return pd.DataFrame({"prior": prior, "fit seed": range(len(values)), "share left": values,
                         "off support": np.asarray(values) / 2, **extra})


def test_flow_minus_advai_is_paired_by_fit_seed_at_both_budgets(tmp_path):
    advai_nb2 = pd.concat([runs("ring", [0.10, 0.20, 0.30]), runs("nine_discs", [0.5, 0.6, 0.7])])
    advai_nb2.to_csv(tmp_path / "tab-advai-fit-seeds-runs.csv", index=False)
    long = pd.concat([runs("ring", [0.05, 0.06, 0.09], balance=[0.1, 0.1, 0.1]).assign(budget="paper"),
                      runs("ring", [9, 9, 9], balance=[1, 1, 1]).assign(budget="notebook 2")])
    long.assign(algorithm="headline (notebook 2's setting)").to_csv(tmp_path / "tab-advai-long-runs.csv", index=False)
    flow = pd.concat([runs("ring", [0.11, 0.22, 0.33]), runs("two_rings", [0.1, 0.2, 0.3])])
    flow_long = runs("ring", [0.01, 0.02, 0.03], balance=[0.1, 0.2, 0.3])
    t = FP.against_advai(flow, flow_long, tmp_path)
    ring = t[(t.prior == "ring") & (t["AdvAI's budget"] == "notebook 2") & (t.measure == "share left")].iloc[0]
    assert ring["mean difference"] == pytest.approx(0.02) and ring["n"] == 3  # (0.01 + 0.02 + 0.03) / 3
    paper = t[(t["AdvAI's budget"] == "paper") & (t.measure == "share left")].iloc[0]
    assert paper["mean difference"] == pytest.approx(-0.0466667, rel=1e-4)  # the paper-budget rows only
    assert set(t.prior) == {"ring"}  # nine discs: no flow fits; two rings: no AdvAI fits
    assert t["p (BH-adjusted)"].notna().all() and (t["p (BH-adjusted)"] >= t["p"] - 1e-12).all()


def test_an_unknown_prior_or_a_single_fit_seed_is_refused():
    with pytest.raises(SystemExit, match="unknown priors"):
        FP.main(["--priors", "moon"])
    with pytest.raises(SystemExit, match="at least 2"):
        FP.main(["--fit-seeds", "1"])


def test_flow_jobs_are_the_fits_flow_priors_trains_and_flow_grid_reads_back():
    from advai.study import profiles

    jobs = profiles.flow_jobs(["ring", "gaussian_d64"], 2, steps=700)
    assert sorted(jobs) == [("gaussian_d64", 0), ("gaussian_d64", 1), ("ring", 0), ("ring", 1)]
    assert jobs[("ring", 1)] == dict(sampler="ring", dim=2, seed=1, steps=700)
    assert jobs[("gaussian_d64", 0)] == dict(sampler="gaussian", dim=64, seed=0, **profiles.FLOW_FITS["gaussian_d64"])


def test_flow_grid_draws_every_two_d_prior_in_words():
    FG = load_script("flow_grid")
    from advai.study import profiles

    assert set(FG.PRIORS) == {k for k, v in profiles.ADVAI_FITS.items() if v[1] == 2}
    assert set(FG.NAMES) == set(FG.PRIORS) and all("_" not in v for v in FG.NAMES.values())
    assert FG.COLUMNS[-1] == "flow"
