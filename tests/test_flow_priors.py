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
