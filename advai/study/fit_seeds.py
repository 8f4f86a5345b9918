"""Notebook 2's AdvAI fits over *fit* seeds (``scripts/fit_seed_spread.py``, and the scripts that
compare with it): the fits, each fit's evaluation draws, its score as notebook 2 scores the headline
fit, and the summary over fits against notebook 2's goals (:mod:`advai.study.toy_tables`)."""
from __future__ import annotations

import pandas as pd
from scipy import stats

from ..evaluate import mismatch
from ..evaluate.summary import mean_and_interval
from . import profiles
from .toy_tables import OFF_SUPPORT_GOAL, PASS_GOAL, share_goal, share_left_of_fit

MEASURES = ["share left", "off support", "off support (alpha avg)", "pass rate n=1000", "pass rate n=4000",
            "classifier accuracy n=4000", "classifier pass rate n=1000"]


def fit_jobs(P: dict, keys, fit_seeds: int) -> dict:
    """``{(key, seed): fit_advai keyword arguments}``: notebook 2's headline fit of each prior
    (:func:`advai.study.profiles.advai_fit_job`) with fit seeds 0..fit_seeds-1, longest first."""
    jobs = {(key, s): profiles.advai_fit_job(key, P, s) for key in keys for s in range(fit_seeds)}
    return dict(sorted(jobs.items(), key=lambda kv: -kv[1]["steps"]))


def evaluation_seeds(n_draws: int, fit_seed: int) -> range:
    """The ``n_draws`` evaluation seeds of fit ``fit_seed``, disjoint from every other fit's, so
    the interval over fits carries the evaluation noise as well as the training noise (with one set
    of draws for all fits, a draw that flatters one fit flatters them all). Fit seed 0 gets
    notebook 2's seeds ``0..n_draws-1``. Used with ``n_seeds`` for the measures of ``report`` and
    with ``n_share_draws`` for the share left."""
    return range(fit_seed * n_draws, (fit_seed + 1) * n_draws)


def score(P: dict, key: str, model, fit_seed: int = 0, method: str = "advai") -> dict:
    """Notebook 2's headline measures of one fit (its tab-mismatch-summary columns), evaluated on
    :func:`evaluation_seeds` of ``fit_seed`` (fit seed 0: the notebook's own draws), except the
    share left: over the notebook's ``n_share_draws`` draws, LineIntp on the same draws, with its
    standard error over them (``share left se``, :func:`advai.evaluate.mismatch.share_left_with_se`).
    ``method="flow"`` scores a flow-matched interpolator (:func:`advai.fit_flow`) on the same draws."""
    prior, dim = profiles.ADVAI_FITS[key][:2]
    seeds = evaluation_seeds(P["n_seeds"], fit_seed)
    share, se = share_left_of_fit(key, model, P["n_table"], evaluation_seeds(P["n_share_draws"], fit_seed), method)
    r = mismatch.report(prior, method, dim, model, n=P["n_table"], n_small=P["n_small"], seeds=seeds,
                        alphas=P["alpha_grid"], n_alpha=P["n_alpha_grid"], n_permutations=P["n_permutations"])
    return {"share left": share, "share left se": se,
            "off support": r["off_support"], "off support (alpha avg)": r["off_support_avg"],
            "pass rate n=1000": r["pass_rate_small"], "pass rate n=4000": r["pass_rate"],
            "classifier accuracy n=4000": r["c2st_accuracy"], "classifier pass rate n=1000": r["c2st_pass_rate_small"]}


def goals(runs: pd.DataFrame) -> pd.DataFrame:
    """Per prior: mean and 95 % interval over fit seeds, range, and the fits that meet each goal."""
    table = mean_and_interval(runs, ["prior"], MEASURES[:4] + MEASURES[5:])
    table = table.drop(columns=[c for c in table.columns if c.endswith("_std")]).rename(columns={"n": "fits"})
    by = runs.groupby("prior", sort=False)
    table["share left min"] = by["share left"].min().values
    table["share left max"] = by["share left"].max().values
    table["share left se per fit"] = by["share left se"].mean().values  # the evaluation's part of the spread
    table["share goal"] = [share_goal(k) for k in table["prior"]]
    goal = runs["prior"].map(dict(zip(table["prior"], table["share goal"])))
    table["fits meeting share goal"] = (runs["share left"] <= goal).groupby(runs["prior"], sort=False).sum().values
    table["share left vs goal p"] = [  # two-sided one-sample t-test of the fits' shares against the goal
        stats.ttest_1samp(runs.loc[runs["prior"] == k, "share left"], g).pvalue
        for k, g in zip(table["prior"], table["share goal"])]
    gapped = table["prior"].isin(profiles.GAPPED)
    off_met = (runs["off support"] <= OFF_SUPPORT_GOAL).groupby(runs["prior"], sort=False).sum().values
    table["fits meeting off-support goal"] = [str(k) if g else "n/a" for k, g in zip(off_met, gapped)]
    table["fits passing at n=1000"] = (runs["pass rate n=1000"] >= PASS_GOAL).groupby(runs["prior"], sort=False).sum().values
    passing = (runs["classifier pass rate n=1000"] >= PASS_GOAL).groupby(runs["prior"], sort=False).sum().values
    powerless = (runs["LineIntp classifier pass rate n=1000"] > 0).groupby(runs["prior"], sort=False).any().values
    table["fits passing the classifier test at n=1000"] = ["n/a" if p else str(k) for k, p in zip(passing, powerless)]
    order = ["prior", "fits", "share goal", "share left", "share left_ci", "share left se per fit", "share left min",
             "share left max", "fits meeting share goal", "share left vs goal p", "off support", "off support_ci",
             "fits meeting off-support goal",
             "off support (alpha avg)", "off support (alpha avg)_ci", "pass rate n=1000", "pass rate n=1000_ci",
             "fits passing at n=1000", "classifier accuracy n=4000", "classifier accuracy n=4000_ci",
             "classifier pass rate n=1000", "classifier pass rate n=1000_ci", "fits passing the classifier test at n=1000"]
    return table[order]
