r"""The summary tables of notebooks 1 and 2 and the goals they are read against, shared with the scripts
that rescore notebook 2's fits (``scripts/fit_seed_spread.py``, ``scripts/fourier_features.py``).

Goals (notebook 2): the share of LineIntp's mismatch left, :math:`\hat{\mathcal{E}}^2_U(\text{AdvAI}) /
\hat{\mathcal{E}}^2_U(\text{LineIntp})` at alpha = 0.5, at most :func:`share_goal` (1 %, 2 % on the
held-out priors); at most :data:`OFF_SUPPORT_GOAL` of the midpoints off the support on the gapped
priors; the permutation test (and the nearest-neighbour classifier test) passed on at least
:data:`PASS_GOAL` of the evaluation seeds at n = 1,000 -- the classifier test counted only where it
rejects LineIntp on every seed (else "n/a": it has no power there).
"""
from __future__ import annotations

import pandas as pd

from ..analyses import known_solution
from ..evaluate import mismatch
from ..latent.advai_fit import fit_advai
from . import plotting, profiles

OFF_SUPPORT_GOAL = 0.01
PASS_GOAL = 0.5
#: Notebook 2's "deep in a gap": farther than this from the support.
FAR = 0.1


def share_goal(key: str) -> float:
    """The share-left goal of prior ``key``: 2 % on the held-out priors, 1 % on the others."""
    return 0.02 if key in profiles.HELD_OUT else 0.01


def verdict(value: float, goal: float, at_least: bool = False) -> str:
    """``"met"`` when ``value`` is at most (``at_least``: at least) ``goal``, else ``"not met"``."""
    return "met" if (value >= goal if at_least else value <= goal) else "not met"


def share_left_of_fit(key: str, model, n: int, seeds, method: str = "advai") -> tuple[float, float]:
    """The share of LineIntp's mismatch that a fitted interpolator ``model`` (AdvAI, or the flow with
    ``method="flow"``) leaves on notebook 2's prior ``key`` over the draws of ``seeds`` (it and
    LineIntp on the same draws), with its standard error over them."""
    prior, dim = profiles.ADVAI_FITS[key][:2]
    return mismatch.share_left_with_se(mismatch.share_left_draws(prior, method, dim, model, n=n, seeds=seeds))


def ratio_and_passes(row) -> str:
    """``"<ratio to floor>x (<passed>/<seeds>)"`` of a tab-mismatch-baselines row."""
    return f"{row.energy_ratio:.3g}x ({round(row.pass_rate * row.seeds)}/{int(row.seeds)})"


def baselines_summary(table: pd.DataFrame, methods, priors=("uniform", "gaussian"), dims=(2, 64)) -> pd.DataFrame:
    """Notebook 1's tab-mismatch-baselines-summary from tab-mismatch-baselines: per prior and d, each
    method's ratio to the noise floor with its permutation-test passes, SpheIntp's off-support mass,
    and the bias-corrected energy of LineIntp and OT-matched."""
    t = table.set_index(["prior", "dim", "method"])
    return pd.DataFrame([{"prior": name, "d": d,
                          **{f"{plotting.LABELS[m]}: ratio (passed)": ratio_and_passes(t.loc[(name, d, m)])
                             for m in methods},
                          "SpheIntp off support": t.loc[(name, d, "spherical"), "off_support"],
                          "LineIntp bias-corrected energy": t.loc[(name, d, "linear"), "energy_u"],
                          "OT-matched bias-corrected energy": t.loc[(name, d, "ot"), "energy_u"]}
                         for name in priors for d in dims])


def headline_summary(table: pd.DataFrame, models: dict, n: int, seeds) -> pd.DataFrame:
    """Notebook 2's tab-mismatch-summary: per prior of :data:`~advai.study.profiles.ADVAI_FITS`,
    AdvAI's share left (over the draws of ``seeds``, :func:`share_left_of_fit`) and, from
    tab-mismatch (``table``: :func:`advai.evaluate.mismatch.report` rows of AdvAI and LineIntp at
    ``n`` a side), its off-support mass, pass rates and classifier accuracy, each against its goal."""
    t = table.set_index(["prior", "method"])
    rows = []
    for key in profiles.ADVAI_FITS:
        adv, lin = t.loc[(key, "advai")], t.loc[(key, "linear")]
        share, se = share_left_of_fit(key, models[key], n, seeds)
        goal = share_goal(key)
        rows.append({
            "prior": key, "share left": share, "share left se": se,
            "AdvAI off support": adv.off_support, "LineIntp off support": lin.off_support,
            "AdvAI off support (alpha avg)": adv.off_support_avg,
            "pass rate n=1000": adv.pass_rate_small, f"pass rate n={n}": adv.pass_rate,
            "share goal": goal, "share": verdict(share, goal),
            "off support": verdict(adv.off_support, OFF_SUPPORT_GOAL) if key in profiles.GAPPED else "n/a",
            "pass": verdict(adv.pass_rate_small, PASS_GOAL, at_least=True),
            f"classifier accuracy n={n}": adv.c2st_accuracy,
            f"LineIntp classifier accuracy n={n}": lin.c2st_accuracy,
            "classifier pass rate n=1000": adv.c2st_pass_rate_small,
            "classifier pass": "n/a" if lin.c2st_pass_rate_small > 0
            else verdict(adv.c2st_pass_rate_small, PASS_GOAL, at_least=True),
        })
    return pd.DataFrame(rows)


def known_solution_fits(P: dict, seed: int, headline, cached: dict) -> dict:
    """Notebook 2's fits on the nine discs around the tournament snap, ``{(start, training): interpolator}``:
    the headline fit (``headline``), the capacity oracle (MMD), R regressed onto the snap, and AdvAI and
    the oracle started from that regression (:mod:`advai.analyses.known_solution`)."""
    prior, dim, mode, extra = profiles.ADVAI_FITS["nine_discs"]
    steps, snap_steps = P["steps"]["default"], P["snap_steps"]
    return {
        ("random", "adversarial (headline)"): headline,
        ("random", "capacity oracle (MMD)"): fit_advai(prior, dim, mode=mode, steps=steps, seed=seed, objective="mmd",
                                                       **cached, **extra),
        ("random", "least squares onto the snap"): known_solution.fit_snap(snap_steps, seed=seed, **cached, **extra),
        ("snap fit", "adversarial"): known_solution.fit_from_snap("adversarial", steps, snap_steps, seed=seed,
                                                                  **cached, **extra),
        ("snap fit", "capacity oracle (MMD)"): known_solution.fit_from_snap("mmd", steps, snap_steps, seed=seed,
                                                                            **cached, **extra),
    }


def known_solution_table(candidates: dict, n: int, seeds, n_permutations: int) -> pd.DataFrame:
    """tab-advai-known-solution: LineIntp and each fit of :func:`known_solution_fits` on the nine discs
    at alpha = 0.5 (``n`` a side over ``seeds``): share left, off-support mass (all of it, and farther
    than :data:`FAR`), permutation-test pass rate, classifier accuracy and pass rate."""
    prior, dim = profiles.ADVAI_FITS["nine_discs"][:2]
    passes, accuracy, c_passes = f"pass rate n={n}", f"classifier accuracy n={n}", f"classifier pass rate n={n}"

    def scored(method, model=None):
        return mismatch.summarize(prior, method, dim, n=n, seeds=seeds, model=model, n_permutations=n_permutations,
                                  with_mmd=False, far=FAR, classifier=True)

    def row(r, share):
        return {"share left": share, "off support": r["off_support"], "off support > 0.1": r["off_support_far"],
                passes: r["pass_rate"], accuracy: r["c2st_accuracy"], c_passes: r["c2st_pass_rate"]}

    lin = scored("linear")
    rows = [{"start": "-", "training": "LineIntp (no training)", "steps": 0, **row(lin, 1.0)}]
    for (start, training), m in candidates.items():
        r = scored("advai", m)
        rows.append({"start": start, "training": training, "steps": m.meta["steps"],
                     **row(r, mismatch.share_left(r["energy_u"], lin["energy_u"]))})
    return pd.DataFrame(rows)
