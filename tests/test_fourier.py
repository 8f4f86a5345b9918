"""AdvAI with Fourier input features: R keeps AdvAI's endpoints and symmetry, its features come from
the fit seed, a fit is cached and read back, and the committed comparison is recomputed from its runs."""
import numpy as np
import pandas as pd
import pytest
import torch

import advai
from advai.latent.advai_model import AdvAIConfig
from advai.analyses.fourier import FourierCorrection, fit_fourier
from scripts_under_test import FIGURES, load_script

script = load_script("fourier_features")


def test_endpoints_symmetry_and_seeded_features():
    cfg = AdvAIConfig(dim=2, mode="joint", hidden=16, layers=2, n_scale=1.0)
    torch.manual_seed(0)
    r = FourierCorrection(cfg, sigma=2.0, features=8, seed=3)
    z1, z2 = advai.sample_prior("nine_discs", 50, 2, seed=0), advai.sample_prior("nine_discs", 50, 2, seed=1)
    a = torch.rand(50, 1)
    with torch.no_grad():
        torch.testing.assert_close(r(z1, z2, torch.zeros(50, 1)), z1)
        torch.testing.assert_close(r(z1, z2, torch.ones(50, 1)), z2)
        torch.testing.assert_close(r(z1, z2, a), r(z2, z1, 1 - a))
        assert not torch.allclose(r(z1, z2, a), (1 - a) * z1 + a * z2)  # it does correct
    assert torch.equal(r.B, FourierCorrection(cfg, 2.0, 8, seed=3).B)
    assert not torch.equal(r.B, FourierCorrection(cfg, 2.0, 8, seed=4).B)
    assert r.B.std() == pytest.approx(2.0, rel=0.5)


def test_bad_settings_raise():
    with pytest.raises(ValueError, match="joint"):
        FourierCorrection(AdvAIConfig(dim=2, mode="factorized"), 1.0, 8, 0)
    with pytest.raises(ValueError, match="sigma"):
        FourierCorrection(AdvAIConfig(dim=2, mode="joint"), 0.0, 8, 0)


def test_a_short_fit_is_cached_and_read_back(tmp_path):
    kw = dict(sigma=1.0, features=4, steps=20, seed=0, cache=tmp_path, progress=False, hidden=16, layers=2,
              batch_size=32, n_scale=1.0, gp=10.0)
    it = fit_fourier("nine_discs", 2, **kw)
    again = fit_fourier("nine_discs", 2, **kw)
    z1, z2 = advai.sample_prior("nine_discs", 20, 2, seed=2), advai.sample_prior("nine_discs", 20, 2, seed=3)
    assert torch.equal(it(z1, z2, 0.5), again(z1, z2, 0.5)) and advai.train.runs_used()[-1]["status"] == "read back"
    assert it.meta["fourier"] == {"sigma": 1.0, "features": 4}


def test_compare_means_differences_and_welch_test():
    head = pd.DataFrame({"prior": ["a"] * 3, "fit seed": [0, 1, 2], "share left": [0.01, 0.02, 0.03],
                         "off support": [0.2, 0.21, 0.19], "classifier accuracy n=4000": [0.6, 0.61, 0.62],
                         "classifier pass rate n=1000": [0.0, 0.0, 0.0]})
    four = head.assign(**{"off support": [0.1, 0.11, 0.09], "share left": [0.03, 0.01, 0.02]})
    t = script.compare(four, pd.concat([head, head.assign(**{"fit seed": [5, 6, 7]})])).set_index("measure")
    assert (t["fits"] == 3).all()
    assert t.loc["off support", "difference"] == pytest.approx(-0.1)
    assert t.loc["off support", "Welch p"] < 0.01  # 0.20 +- 0.01 against 0.10 +- 0.01
    assert t.loc["share left", "Welch p"] == pytest.approx(1.0) and t.loc["share left", "difference"] == 0
    assert np.isnan(t.loc["classifier pass rate n=1000", "Welch p"])  # no spread at all: no test
    assert np.isnan(t.loc["classifier pass rate n=1000", "Welch p (BH-adjusted)"])
    adjusted = t["Welch p (BH-adjusted)"].dropna()
    assert (adjusted >= t["Welch p"].dropna()).all() and adjusted.max() <= 1


def test_committed_comparison_is_recomputed_from_its_runs():
    runs = pd.read_csv(FIGURES / "tab-advai-fourier-runs.csv")
    table = pd.read_csv(FIGURES / "tab-advai-fourier.csv")
    again = script.compare(runs, pd.read_csv(FIGURES / "tab-advai-fit-seeds-runs.csv"))
    assert list(again["prior"]) == list(table["prior"]) and list(again["measure"]) == list(table["measure"])
    for col in ("headline", "Fourier", "difference", "Welch p", "Welch p (BH-adjusted)"):
        np.testing.assert_allclose(again[col], table[col], rtol=1e-3, atol=1e-9, err_msg=col)
    assert set(runs["prior"]) == set(script.PRIORS) and (runs.groupby("prior").size() >= 5).all()


def test_what_the_readme_says_of_the_comparison_holds():
    t = pd.read_csv(FIGURES / "tab-advai-fourier.csv").set_index(["prior", "measure"])
    p, diff = t["Welch p (BH-adjusted)"], t["difference"]
    found = {k for k in p.index if p[k] < 0.05}
    assert found == {("two_discs", "classifier accuracy n=4000")}, found
    assert all(diff[k] < 0 for k in found)  # every detected difference is an improvement
    nine = t.loc[("nine_discs", "off support")]  # "drops by about two fifths, significant before ... not after"
    assert 0.3 < -nine["difference"] / nine["headline"] < 0.5 and nine["Welch p"] < 0.05
    two = t.loc["two_discs"]  # "lower on average", and the headline's share left scatters widely
    assert (two.loc[["share left", "off support"], "difference"] < 0).all()
    assert two.loc["share left", "headline_ci"] > 0.8 * two.loc["share left", "headline"]
    assert (t.xs("off support", level="measure")["Fourier"] > 0.01).all()  # no prior reaches the goal
    assert (t.xs("classifier pass rate n=1000", level="measure")["Fourier"] < 0.5).all()  # still rejected
