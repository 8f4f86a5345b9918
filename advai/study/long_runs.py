"""The long profile's fits (``scripts/advai_long.py``): AdvAI at the paper's training budget.

:func:`long_jobs` lists every fit of :data:`advai.study.profiles.ADVAI_LONG` in the order a
session should train them (the notebook priors' seeds first, both algorithms, then the held-out
priors), and :func:`fit_long` trains or reads back one of them:

* ``"authors"``: the authors' toy loop (:func:`advai.latent.authors_toy.fit_authors_toy`, their
  settings, factorized per coordinate, batch 64, 262,144 steps);
* ``"headline"``: notebook 2's fit of the prior (:data:`~advai.study.profiles.ADVAI_FITS`, joint,
  batch 256) for the same number of samples, 65,536 steps;
* ``"port"`` (on ``port_priors`` only): the authors' settings in the study's own factorized loop
  (:func:`advai.fit_advai` with ``mode="factorized", **AUTHORS``, 262,144 steps at batch 64): what
  the authors' loop and the study's differ by, measured at the paper's budget.

Both go to the run cache, checkpointed every ``checkpoint_every`` steps: an interrupted batch
continues where it stopped and a finished fit is read back.
"""
from __future__ import annotations

import torch

from ..checks import check_choice
from ..latent.authors_toy import fit_authors_toy
from ..latent.advai_model import AUTHORS
from ..latent.advai_fit import AdvAIInterpolator, fit_advai
from .profiles import ADVAI_FITS, ALGORITHMS, HELD_OUT


def fit_long(algorithm: str, **kwargs) -> AdvAIInterpolator:
    """One long fit: ``algorithm`` ``"authors"`` (:func:`fit_authors_toy`), ``"headline"`` or ``"port"``
    (:func:`advai.fit_advai`), with the other keyword arguments of that function."""
    check_choice("algorithm", algorithm, ALGORITHMS)
    return (fit_authors_toy if algorithm == "authors" else fit_advai)(**kwargs)


def job(algorithm: str, prior: str, seed: int, L: dict) -> dict:
    """The keyword arguments of :func:`fit_long` for one fit of the long profile ``L``."""
    check_choice("algorithm", algorithm, ALGORITHMS)
    if algorithm == "authors":
        return dict(algorithm="authors", sampler=prior, dim=2, steps=L["authors_steps"], seed=seed,
                    snapshot_every=L["authors_snapshot_every"], checkpoint_every=L["checkpoint_every"])
    if algorithm == "port":
        return dict(algorithm="port", sampler=prior, dim=2, mode="factorized", steps=L["authors_steps"], seed=seed,
                    snapshot_every=L["authors_snapshot_every"], checkpoint_every=L["checkpoint_every"], **AUTHORS)
    name, dim, mode, extra = ADVAI_FITS[prior]
    return dict(algorithm="headline", sampler=name, dim=dim, mode=mode, steps=L["headline_steps"], seed=seed,
                snapshot_every=L["headline_snapshot_every"], checkpoint_every=L["checkpoint_every"], **extra)


def seeds_of(prior: str, L: dict, algorithm: str = "authors") -> range:
    """The fit seeds of ``prior``: ``n_port_seeds`` for the port, ``n_held_out_seeds`` for a held-out
    prior, else ``n_seeds``."""
    key = "n_port_seeds" if algorithm == "port" else "n_held_out_seeds" if prior in HELD_OUT else "n_seeds"
    return range(L[key])


def long_jobs(L: dict) -> dict[tuple, dict]:
    """Every fit of the long profile ``L``, keyed ``(algorithm, prior, seed)``, in training order:
    the notebook's priors seed by seed (the authors' loop and the headline), then seed by seed the
    held-out priors and the port; the slower authors' fits first within a seed. A session that
    stops early has the most needed fits."""
    keys = [(a, p, s) for p in L["priors"] for a in ("authors", "headline") for s in seeds_of(p, L, a)]
    keys += [("port", p, s) for p in L["port_priors"] for s in seeds_of(p, L, "port")]

    def order(k):
        algorithm, prior, seed = k
        late = algorithm == "port" or prior in HELD_OUT
        return (late, seed, algorithm == "port", ALGORITHMS.index(algorithm), L["priors"].index(prior))
    return {k: job(*k, L) for k in sorted(keys, key=order)}


# --- scoring -----------------------------------------------------------------------------------

#: Goals at the paper's budget (issue: mean over the fit seeds): share of LineIntp's mismatch left,
#: off-support mass at alpha = 0.5, and balance (TV of the landing over the prior's cells).
GOALS = {"share left": 0.02, "off support": 0.02, "balance": 0.05}
#: Notebook 2's training budget in prior samples (3,000 steps at batch 256).
NOTEBOOK2_SAMPLES = 3000 * 256
#: How each algorithm's fits are shown: the authors' loop both as trained and as their plots draw it.
VARIANTS = {"authors": ("authors' loop (as trained)", "authors' loop (as their plots draw it)"),
            "headline": ("headline (notebook 2's setting)",), "port": ("authors' settings, our factorized loop",)}


def batch_size(algorithm: str, L: dict | None = None) -> int:
    """Prior samples per step: the authors' 64 (their loop and the port), the headline's 256
    (:data:`~advai.latent.advai_model.DEFAULTS`)."""
    from ..latent.advai_model import DEFAULTS
    check_choice("algorithm", algorithm, ALGORITHMS)
    return DEFAULTS["batch_size"] if algorithm == "headline" else AUTHORS["batch_size"]


def variants(algorithm: str, model: AdvAIInterpolator) -> dict[str, AdvAIInterpolator]:
    """``{label: interpolator}`` of :data:`VARIANTS` for one fit of ``algorithm``."""
    from ..latent.authors_toy import as_drawn
    if algorithm == "authors":
        return dict(zip(VARIANTS["authors"], (model, as_drawn(model))))
    return {VARIANTS[algorithm][0]: model}


def at(model: AdvAIInterpolator, step: int) -> AdvAIInterpolator:
    """``model`` after ``step`` steps: a snapshot, or the fit itself at its last step (a fit whose
    length is not a multiple of its snapshot interval ends between snapshots)."""
    last = model.meta.get("steps")
    return model if step == last and step not in dict(model.snapshots) else model.at_step(step)


def steps_of(model: AdvAIInterpolator) -> list[int]:
    """Every snapshot's step and the fit's last step."""
    steps = [s for s, _ in model.snapshots]
    return steps + [model.meta["steps"]] if model.meta.get("steps") not in (None, *steps) else steps


def notebook2_step(algorithm: str, model: AdvAIInterpolator) -> int:
    """The snapshot of ``model`` whose samples seen are closest to notebook 2's budget
    (:data:`NOTEBOOK2_SAMPLES`): step 3,000 of a headline fit (notebook 2's fit itself), step
    12,288 (786,432 samples) of an authors' loop with snapshots every 4,096 steps."""
    steps = [s for s, _ in model.snapshots if s > 0]
    if not steps:
        raise ValueError("the fit has no snapshots (fit with snapshot_every)")
    return min(steps, key=lambda s: abs(s * batch_size(algorithm) - NOTEBOOK2_SAMPLES))


def _draws(prior: str, n: int, seed: int):
    from ..latent.priors import get_prior
    g = torch.Generator().manual_seed(int(seed))
    p = get_prior(prior)
    return p.sample(n, 2, g), p.sample(n, 2, g), p.sample(n, 2, g)


def score(prior: str, f_model, fit_seed: int, L: dict, method: str = "advai") -> dict:
    """One fit's measures at alpha = 0.5 (``f_model``: an interpolator of ``method``, AdvAI's or the
    flow's, or ``"linear"`` for LineIntp):

    * ``share left``: over ``n_share_draws`` draws of ``n_share`` pairs (fit seed k: evaluation seeds
      ``k * n_share_draws ...``, :func:`advai.evaluate.mismatch.share_left_draws`), with its standard error;
    * ``off support`` and ``balance`` (:func:`advai.evaluate.balance.balance`) of ``n_land``
      interpolants of one draw (generator seed ``50_000 + k``)."""
    from ..evaluate import balance as B
    from ..evaluate import mismatch
    from ..latent.interpolation import interpolate
    k = int(fit_seed)
    z1, z2, _ = _draws(prior, L["n_land"], 50_000 + k)
    if isinstance(f_model, str):
        check_choice("f_model", f_model, ("linear",))
        share, se = 1.0, 0.0
        f = interpolate(z1, z2, 0.5)
    else:
        seeds = range(k * L["n_share_draws"], (k + 1) * L["n_share_draws"])
        share, se = mismatch.share_left_with_se(mismatch.share_left_draws(prior, method, 2, f_model, n=L["n_share"],
                                                                          seeds=seeds))
        f = f_model(z1, z2, 0.5)
    return {"share left": share, "share left se": se, "off support": mismatch.off_support_mass(prior, f),
            "balance": B.balance(prior, f, seed=k)}


def trace(prior: str, model: AdvAIInterpolator, fit_seed: int, L: dict, steps=None) -> list[dict]:
    """Share left (one draw of ``n_trace`` pairs, LineIntp on the same draw), off-support mass and
    balance at alpha = 0.5 of every snapshot of ``model`` and its last step (or of ``steps``), one draw per fit
    (generator seed ``60_000 + fit_seed``) shared by its snapshots."""
    from ..evaluate import balance as B
    from ..evaluate import mismatch
    from ..latent.interpolation import interpolate
    z1, z2, x = _draws(prior, L["n_trace"], 60_000 + int(fit_seed))
    with torch.no_grad():
        linear = mismatch.energy_distance_unbiased(interpolate(z1, z2, 0.5), x)
    rows = []
    for step in (steps if steps is not None else steps_of(model)):
        f = at(model, step)(z1, z2, 0.5)
        rows.append({"step": step, "share left": mismatch.share_left(mismatch.energy_distance_unbiased(f, x), linear),
                     "off support": mismatch.off_support_mass(prior, f), "balance": B.balance(prior, f, seed=fit_seed)})
    return rows
