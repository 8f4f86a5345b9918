"""The README's and notebook 2's verdicts on AdvAI at the paper's budget (scripts/advai_long.py)
read the long profile's committed tables: each sentence is checked here against ``figures/``, so a
rerun that changes a result fails this test instead of leaving the prose behind."""
import json
from pathlib import Path

import pandas as pd
import pytest

from advai.study.long_runs import GOALS
from advai.study.readme import pages

ROOT = Path(__file__).resolve().parents[1]
README = " ".join(" ".join(p.read_text() for p in pages(ROOT)).split())  # the README and docs/
LEVEL = 0.05
HEAD, AUTH, DRAWN = "headline (notebook 2's setting)", "authors' loop (as trained)", "authors' loop (as their plots draw it)"


def _says(sentence: str) -> None:
    assert " ".join(sentence.split()) in README, f"README no longer says: {sentence!r}"


@pytest.fixture(scope="module")
def runs():
    return pd.read_csv(ROOT / "figures" / "tab-advai-long-runs.csv")


@pytest.fixture(scope="module")
def summary():
    return pd.read_csv(ROOT / "figures" / "tab-advai-long.csv").set_index(["algorithm", "prior", "budget"])


@pytest.fixture(scope="module")
def tests():
    return pd.read_csv(ROOT / "figures" / "tab-advai-long-tests.csv")


def _paper(runs, algorithm, prior):
    return runs[(runs.algorithm == algorithm) & (runs.prior == prior) & (runs.budget == "paper")].set_index("fit seed")


def _p(tests, kind, prior, a, measure, b=None):
    rows = tests[tests.test.str.startswith(kind) & (tests.prior == prior) & (tests.a == a) & (tests.measure == measure)]
    if b is not None:
        rows = rows[rows.b == b]
    assert len(rows) == 1, (kind, prior, a, measure, b)
    return rows.iloc[0]


def test_the_ring_headline_meets_the_goal_at_the_papers_budget(summary, runs, tests):
    _says("On the ring the headline, trained for the paper's samples, meets the study's goal by the mean over its "
          "three fit seeds, and two fit seeds of three meet all three goals.")
    ring = summary.loc[(HEAD, "ring", "paper")]
    assert ring["goals met by the mean"] == "all" and ring["fits"] == 3
    assert len(ring["seeds meeting all goals"].split(",")) == 2
    _says("From notebook 2's budget its off-support mass falls significantly and its share left rises "
          "significantly, staying under the goal.")
    off, share = (_p(tests, "paper budget", "ring", HEAD, m) for m in ("off support", "share left"))
    assert off["difference"] < 0 and off["p (BH-adjusted)"] < LEVEL
    assert share["difference"] > 0 and share["p (BH-adjusted)"] < LEVEL and ring["share left"] <= GOALS["share left"]
    for prior, alg in (("nine_discs", HEAD), ("nine_discs", AUTH), ("nine_discs", DRAWN), ("ring", AUTH), ("ring", DRAWN)):
        assert summary.loc[(alg, prior, "paper"), "goals met by the mean"] != "all"
        assert summary.loc[(alg, prior, "paper"), "fits"] >= 3


def test_one_nine_disc_headline_seed_comes_close_and_the_budget_decides_nothing_on_average(runs, tests, summary):
    _says("On the nine discs no algorithm meets the goal, and the budget decides nothing on average: one fit seed of "
          "three comes close to the paper's picture.** That seed ends with nine separate clusters and few midpoints in "
          "the gaps, within the off-support and balance goals but not the share goal")
    head = _paper(runs, HEAD, "nine_discs")
    close = head[(head["off support"] <= GOALS["off support"]) & (head["balance"] <= GOALS["balance"])]
    assert len(head) == 3 and len(close) == 1 and (close["share left"] > GOALS["share left"]).all()
    assert close.index[0] == 0  # fig5-long's row is fit seed 0
    _says("the other two keep a sixth and more than a third of their midpoints in the gaps")
    rest = sorted(head.drop(close.index)["off support"])
    assert 0.14 < rest[0] < 0.2 and rest[1] > 1 / 3
    _says("the paired tests show no difference from notebook 2's budget on any measure")
    for m in GOALS:
        assert _p(tests, "paper budget", "nine_discs", HEAD, m)["p (BH-adjusted)"] > LEVEL
    _says("the share left rises after notebook 2's budget while the off-support mass falls")
    for prior in ("nine_discs", "ring"):
        nb2, paper = summary.loc[(HEAD, prior, "notebook 2")], summary.loc[(HEAD, prior, "paper")]
        assert nb2["share left"] < paper["share left"] and paper["off support"] < nb2["off support"]


def test_the_authors_algorithm_does_not_reproduce_their_figure(runs, tests, summary):
    _says("On the nine discs it ends further from the prior than LineIntp by the energy distance on every fit seed "
          "(share left above one), with about two-fifths of its midpoints in the gaps")
    nine = _paper(runs, AUTH, "nine_discs")
    assert (nine["share left"] > 1).all() and nine["off support"].mean() == pytest.approx(0.4, abs=0.05)
    _says("its balance is as far from the prior's as LineIntp's")
    lin = summary.loc[("LineIntp", "nine_discs", "none"), "balance"]
    assert abs(nine["balance"].mean() - lin) < 0.02 and lin > 0.2
    _says("Training it longer made the share left and the balance significantly worse and the off-support mass better")
    for m, sign in (("share left", 1), ("balance", 1), ("off support", -1)):
        t = _p(tests, "paper budget", "nine_discs", AUTH, m)
        assert sign * t["difference"] > 0 and t["p (BH-adjusted)"] < LEVEL, m
    _says("at the paper's budget it is significantly worse than the headline on the share left (not separated on "
          "the other two measures)")
    for m in GOALS:
        t = _p(tests, "authors", "nine_discs", AUTH, m, b=HEAD)
        assert (t["p (BH-adjusted)"] < LEVEL) == (m == "share left") and t["difference"] > 0, m
    _says("about a third of them off the support, significantly worse than the headline on all three measures")
    ring = _paper(runs, AUTH, "ring")
    assert ring["off support"].mean() == pytest.approx(1 / 3, abs=0.05)
    for m in GOALS:
        t = _p(tests, "authors", "ring", AUTH, m, b=HEAD)
        assert t["difference"] > 0 and t["p (BH-adjusted)"] < LEVEL, m
    _says("it is worse on the nine discs and spreads most midpoints off the ring")
    drawn = summary.loc[(DRAWN, "nine_discs", "paper")]
    assert all(drawn[m] > summary.loc[(AUTH, "nine_discs", "paper"), m] for m in GOALS)
    assert summary.loc[(DRAWN, "ring", "paper"), "off support"] > 0.5
    _says("the port, which would tell their loop's part from their settings', is not in the committed run")
    assert not runs.algorithm.str.contains("factorized loop").any()


def test_held_out_priors(summary):
    _says("neither algorithm meets the share or the off-support goal. On two discs both end with under a tenth of "
          "their midpoints off the support, from more than a fifth at notebook 2's budget; on two rings the "
          "headline leaves more than a third off the support and the authors' loop more than half.")
    for alg in (HEAD, AUTH):
        for prior in ("two_discs", "two_rings"):
            r = summary.loc[(alg, prior, "paper")]
            assert r["share left"] > GOALS["share left"] and r["off support"] > GOALS["off support"]
        assert summary.loc[(alg, "two_discs", "paper"), "off support"] < 0.1
        assert summary.loc[(alg, "two_discs", "notebook 2"), "off support"] > 0.2
    assert summary.loc[(HEAD, "two_rings", "paper"), "off support"] > 1 / 3
    assert summary.loc[(AUTH, "two_rings", "paper"), "off support"] > 0.5


def test_the_readme_says_how_long_the_long_profile_took():
    _says("The committed run trained 16 fits under the pin on a 2-core AMD EPYC with AVX-512: about three and a "
          "half hours of fit time")
    timings = json.loads((ROOT / "figures" / "timings.json").read_text())["scripts/advai_long.py"]
    assert len(timings["fit_s"]) == 16 and timings["fit_s total"] / 3600 == pytest.approx(3.5, abs=0.25)
    assert timings["models trained"] == 16
    _says("just under two hours of wall time with two fits at a time, training and scoring in one run")
    assert 100 < timings["notebook_s"] / 60 < 120
    made = [e for e in json.loads((ROOT / "figures" / "manifest.json").read_text()).values()
            if e["notebook"] == "scripts/advai_long.py"]
    assert made and all(e["numerics"]["mode"] == "pinned" and "avx512f" in e["numerics"]["cpu_flags"] for e in made)
