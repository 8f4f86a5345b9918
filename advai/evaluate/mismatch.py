r"""Distribution-mismatch metrics between two samples X ~ P, Y ~ Q (rows are points).

* :func:`energy_distance` -- the (squared) energy distance of Szekely & Rizzo, V-statistic:
  :math:`\mathcal{E}^2 = 2\,\overline{\|x-y\|} - \overline{\|x-x'\|} - \overline{\|y-y'\|}`,
  means over all pairs including i = j; >= 0, and 0 iff the samples coincide.
* :func:`mmd` -- squared maximum mean discrepancy, V-statistic, with a sum of Gaussian
  kernels :math:`k(x,y) = \sum_s \exp(-\|x-y\|^2 / (2 (s\sqrt{d})^2))` over the bandwidth
  factors ``s`` (default :data:`MMD_BANDWIDTHS`, scaled by sqrt(d) because distances between
  points grow like sqrt(d)).
* :func:`sliced_wasserstein` -- POT's Monte-Carlo sliced 2-Wasserstein distance.

Both V-statistics are biased upwards by O(1/n): two independent samples of the *same* law
give a positive value, the *noise floor* (:func:`noise_floor`). Compare every mismatch
with the floor at the same sample size; a method is "matched" when it sits near the floor.
A ratio to the floor grows with n for any real mismatch, so the measures that do not depend
on n are :func:`energy_distance_unbiased` (U-statistic; expectation 0 for an exact method),
:func:`share_left` (a method's unbiased energy over LineIntp's; many draws of both:
:func:`share_left_draws`, :func:`share_left_with_se`), permutation-test pass rates at
a stated n, and :func:`off_support_mass` (share of codes where the prior has no mass). A local
check beside them: the pass rate of a nearest-neighbour classifier two-sample test
(:func:`advai.evaluate.classifier_test.knn_two_sample_test`), which sees mass piled up on rims
and in gaps that the energy distance, weighing the whole spread, barely registers.

Between interpolants and the prior: :func:`at_alpha` (one coefficient), :func:`curve` and
:func:`off_support_curve` (a grid of them, fresh draws per alpha), :func:`summarize` (averaged
over seeds, with floors and a permutation test), :func:`report` (notebook 2's table row) and
:func:`along_training` (the measures at every training snapshot).
"""
from __future__ import annotations

import numpy as np
import ot
import torch

from ..checks import as_tensor, check_choice, check_finite, check_positive_int
from ..distances import MMD_BANDWIDTHS, energy_from_distances, energy_squared, mmd_squared
from ..latent.interpolation import interpolate
from ..latent.priors import get_prior
from .classifier_test import knn_two_sample_test

METRICS = ("energy", "mmd", "sliced_wasserstein")


def _pair(x, y):
    x = as_tensor("x", x).double()
    y = as_tensor("y", y).double()
    if x.dim() != 2 or y.dim() != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"x and y must be [n, d] with the same d, got {tuple(x.shape)} and {tuple(y.shape)}")
    check_finite("x", x)
    check_finite("y", y)
    return x, y


def energy_distance(x, y) -> float:
    """Squared energy distance (V-statistic) between samples ``x`` [n, d] and ``y`` [m, d]."""
    x, y = _pair(x, y)
    return float(energy_squared(x, y, unbiased=False))


def energy_distance_unbiased(x, y) -> float:
    """Squared energy distance, bias-corrected (U-statistic; :func:`advai.distances.energy_squared`).

    Its expectation is the population energy distance whatever n and m are, so it is 0 on
    average for two samples of one law (single draws scatter around 0 and can be negative)
    and a ratio of two such estimates does not drift with the sample size, unlike
    :func:`energy_distance`, whose O(1/n) bias is the noise floor. Needs n, m >= 2.
    """
    x, y = _pair(x, y)
    return float(energy_squared(x, y, unbiased=True))


def mmd(x, y, bandwidths=MMD_BANDWIDTHS) -> float:
    """Squared MMD (V-statistic) of two samples, as a float: :func:`mmd_squared` in float32."""
    x, y = _pair(x, y)
    with torch.no_grad():
        return float(mmd_squared(x.float(), y.float(), bandwidths))


def sliced_wasserstein(x, y, n_projections: int = 200, seed: int = 0) -> float:
    """Sliced 2-Wasserstein distance (POT), ``n_projections`` random directions."""
    x, y = _pair(x, y)
    return float(ot.sliced_wasserstein_distance(x.numpy(), y.numpy(), n_projections=n_projections, seed=seed))


def metric_fn(name: str):
    """The metric function for ``name`` in :data:`METRICS`."""
    check_choice("metric", name, METRICS)
    return {"energy": energy_distance, "mmd": mmd, "sliced_wasserstein": sliced_wasserstein}[name]


def noise_floor(prior: str, n: int, dim: int | None = None, metric: str = "energy", seed: int = 0,
                draws: int = 1) -> float:
    """The metric between two independent ``n``-samples of the same prior (its O(1/n) bias),
    averaged over ``draws`` independent pairs (one draw scatters by tens of percent; use at
    least 5 wherever a ratio to the floor is shown)."""
    draws = check_positive_int("draws", draws)
    g = torch.Generator().manual_seed(int(seed))
    p = get_prior(prior)
    return float(np.mean([metric_fn(metric)(p.sample(n, dim, g), p.sample(n, dim, g)) for _ in range(draws)]))


def off_support_mass(prior: str, z, tol: float | None = None) -> float:
    """Share of the rows of ``z`` farther than ``tol`` from the prior's support
    (:meth:`~advai.latent.priors.Prior.distance_to_support`; ``tol`` defaults to the prior's
    ``tolerance``). 0 for every sample of the prior itself; "7% of the in-between codes land in
    the gaps" reads 0.07. Always 0 for a prior whose support is all of R^d (the Gaussian)."""
    p = get_prior(prior)
    tol = p.tolerance if tol is None else float(tol)
    if tol < 0:
        raise ValueError(f"tol must be >= 0, got {tol!r}")
    return float((p.distance_to_support(z) > tol).double().mean())


def interpolant_sample(prior: str, n: int, dim: int | None, alpha: float, method: str,
                       generator: torch.Generator, model=None) -> torch.Tensor:
    """``n`` interpolants f(z1, z2, alpha) with z1, z2 drawn independently from the prior."""
    p = get_prior(prior)
    z1, z2 = p.sample(n, dim, generator), p.sample(n, dim, generator)
    with torch.no_grad():
        return interpolate(z1, z2, alpha, method=method, prior=p.name, model=model)


def at_alpha(prior: str, method: str, alpha: float = 0.5, n: int = 2000, dim: int | None = None,
             metric: str = "energy", seed: int = 0, model=None) -> float:
    """The metric between ``n`` interpolants at ``alpha`` and ``n`` fresh prior samples."""
    n = check_positive_int("n", n)
    g = torch.Generator().manual_seed(int(seed))
    f = interpolant_sample(prior, n, dim, alpha, method, g, model)
    return metric_fn(metric)(f, get_prior(prior).sample(n, dim, g))


def off_support_curve(prior: str, method: str, alphas, n: int = 2000, dim: int | None = None, seed: int = 0,
                      model=None) -> np.ndarray:
    """:func:`off_support_mass` of ``n`` interpolants at every alpha in ``alphas`` (fresh draws per
    alpha, :func:`alpha_seed`); its mean over alpha in [0.1, 0.9] is the "averaged over alpha" figure."""
    n = check_positive_int("n", n)
    out = []
    for i, a in enumerate(alphas):
        g = torch.Generator().manual_seed(alpha_seed(seed, i))
        out.append(off_support_mass(prior, interpolant_sample(prior, n, dim, float(a), method, g, model)))
    return np.array(out)


def alpha_seed(seed: int, index: int) -> int:
    """The seed of the ``index``-th alpha of a curve: a fresh, independent draw per alpha
    (so sampling noise does not move a whole curve together), the same for every method at
    that alpha (so methods are compared on common draws)."""
    return int(np.random.SeedSequence([int(seed), int(index)]).generate_state(1)[0])


def curve(prior: str, method: str, alphas, n: int = 2000, dim: int | None = None,
          metric: str = "energy", seed: int = 0, model=None) -> np.ndarray:
    """:func:`at_alpha` at every alpha in ``alphas``, each from its own draw (:func:`alpha_seed`)."""
    return np.array([at_alpha(prior, method, float(a), n, dim, metric, alpha_seed(seed, i), model)
                     for i, a in enumerate(alphas)])


def permutation_test(x, y, n_permutations: int = 200, seed: int = 0) -> float:
    """p-value of the two-sample permutation test with the energy statistic
    (:func:`permutation_pvalue` on the pooled distance matrix of ``x`` and ``y``)."""
    x, y = _pair(x, y)
    z = torch.cat([x, y]).float()
    return permutation_pvalue(torch.cdist(z, z), len(x), n_permutations, seed)


def permutation_pvalue(dist: torch.Tensor, n: int, n_permutations: int = 200, seed: int = 0) -> float:
    """p-value of the energy permutation test from the pooled distance matrix ``dist``
    ``[n + m, n + m]`` of two samples (the first ``n`` rows: sample X).

    Evaluates the V-statistic for the observed split and ``n_permutations`` random relabellings
    in one batched matrix product; the p-value is
    ``(1 + #{perm stat >= observed}) / (1 + n_permutations)``.
    """
    n_permutations = check_positive_int("n_permutations", n_permutations)
    m = len(dist) - n
    g = torch.Generator().manual_seed(int(seed))
    labels = torch.zeros(n_permutations + 1, n + m, dtype=dist.dtype)
    labels[0, :n] = 1
    for i in range(1, n_permutations + 1):
        labels[i, torch.randperm(n + m, generator=g)[:n]] = 1
    a = labels.T  # [N, P], 1 marks group X
    b = 1 - a
    da, db = dist @ a, dist @ b
    s_aa = (a * da).sum(0) / n**2
    s_bb = (b * db).sum(0) / m**2
    s_ab = (a * db).sum(0) / (n * m)
    stat = 2 * s_ab - s_aa - s_bb
    return float((1 + (stat[1:] >= stat[0]).sum()) / (1 + n_permutations))


def _seed_statistics(f, x, x2, n_permutations: int, seed: int, with_mmd: bool) -> tuple:
    """Per seed of :func:`summarize`: V- and U-energy of (f, x), the floor V-energy of (x2, x),
    MMDs (or NaN), the permutation p-value (or NaN), from one set of float64 distance matrices."""
    f, x, x2 = (t.double() for t in (f, x, x2))
    dff, dfx, dxx = torch.cdist(f, f), torch.cdist(f, x), torch.cdist(x, x)
    e_v, e_u = (float(energy_from_distances(dfx, dff, dxx, unbiased=u)) for u in (False, True))
    floor = float(energy_from_distances(torch.cdist(x2, x), torch.cdist(x2, x2), dxx, unbiased=False))
    p = np.nan
    if n_permutations:
        pooled = torch.cat([torch.cat([dff, dfx], 1), torch.cat([dfx.T, dxx], 1)]).float()
        p = permutation_pvalue(pooled, len(f), n_permutations, seed)
    m, mf = (mmd(f, x), mmd(x2, x)) if with_mmd else (np.nan, np.nan)
    return e_v, floor, m, mf, p, e_u


def summarize(prior: str, method: str, dim: int | None = None, n: int = 4000, seeds=range(10),
              alpha: float = 0.5, model=None, n_permutations: int = 200, level: float = 0.05,
              with_mmd: bool = True, far: float | None = None, classifier: bool = False) -> dict:
    """Mismatch at ``alpha`` averaged over ``seeds``, next to the equally averaged noise floor.

    Per seed: ``n`` interpolants vs ``n`` fresh prior samples (energy distance, MMD unless
    ``with_mmd`` is false, and a permutation-test p-value), and the same metrics between two
    independent prior samples (the floor). Returns means, the ratio ``energy / floor``, the
    fraction of seeds whose permutation test does *not* reject equality at ``level``
    (``pass_rate``), and the measures that do not depend on ``n``: the bias-corrected energy
    distance (:func:`energy_distance_unbiased`, mean ``energy_u`` and its standard deviation over
    seeds ``energy_u_std``) and the off-support mass of the interpolants (:func:`off_support_mass`);
    with ``far`` also ``off_support_far``, the share farther than ``far`` from the support (the
    same interpolants), which tells codes deep in a gap from codes just past a rim. With
    ``classifier`` also the nearest-neighbour classifier test on the same interpolants and prior
    samples (:func:`~advai.evaluate.classifier_test.knn_two_sample_test`, split by the seed):
    its mean held-out accuracy ``c2st_accuracy`` and the share of seeds it does not reject at
    ``level``, ``c2st_pass_rate``.
    """
    p = get_prior(prior)
    rows, tests = [], []
    for s in seeds:
        g = torch.Generator().manual_seed(10_000 + int(s))
        f = interpolant_sample(p.name, n, dim, alpha, method, g, model)
        x, x2 = p.sample(n, dim, g), p.sample(n, dim, g)
        check_finite("interpolants", f)
        rows.append(_seed_statistics(f, x, x2, n_permutations, int(s), with_mmd) + (off_support_mass(p.name, f),)
                    + ((off_support_mass(p.name, f, far),) if far is not None else ()))
        if classifier:
            tests.append(knn_two_sample_test(f, x, seed=int(s)))
    e, ef, m, mf, pv, eu, off, *off_far = np.array(rows).T
    return {"prior": p.name, "method": method, "dim": p.check_dim(dim), "alpha": alpha, "n": n,
            "seeds": len(rows), "energy": e.mean(), "energy_floor": ef.mean(), "energy_ratio": e.mean() / ef.mean(),
            "mmd": m.mean(), "mmd_floor": mf.mean(), "mmd_ratio": m.mean() / mf.mean(),
            "perm_p_median": float(np.median(pv)), "pass_rate": float((pv > level).mean()),
            "energy_u": eu.mean(), "energy_u_std": eu.std(ddof=1) if len(eu) > 1 else np.nan,
            "off_support": off.mean(), **({"off_support_far": off_far[0].mean()} if far is not None else {}),
            **(_classifier_summary(tests, level) if classifier else {})}


def _classifier_summary(tests: list[tuple[float, float]], level: float) -> dict:
    accuracy, p = np.array(tests).T
    return {"c2st_accuracy": float(accuracy.mean()), "c2st_pass_rate": float((p > level).mean())}


def share_left(method_energy_u: float, linear_energy_u: float) -> float:
    """AdvAI's headline measure: the share of LineIntp's mismatch a method leaves,
    bias-corrected energy of the method / bias-corrected energy of LineIntp (both from
    :func:`summarize` at the same alpha). 1 = no better than LineIntp, 0 = exact; does not
    depend on n because both estimates are unbiased."""
    if not linear_energy_u > 0:
        raise ValueError(f"LineIntp's bias-corrected energy must be > 0 to compare with, got {linear_energy_u!r}")
    return float(method_energy_u / linear_energy_u)


def share_left_draws(prior: str, method: str, dim: int | None = None, model=None, n: int = 4000,
                     seeds=range(20), alpha: float = 0.5) -> np.ndarray:
    r"""Per evaluation seed, the bias-corrected energy distances of ``method``'s and of LineIntp's
    interpolants at ``alpha`` to one prior sample, on the same draws: an array ``[len(seeds), 2]``.

    The draws are :func:`summarize`'s (generator ``10_000 + seed``: z1, z2, then the prior
    sample), so on common seeds both give the same numbers; no permutation test and one prior
    sample matrix per draw, so many draws are cheap. The share left over them is the ratio of the
    column means, :math:`\bar e_{\text{method}} / \bar e_{\text{LineIntp}}`. One draw's share
    scatters by about as much as the 1 % goal at n = 4,000, so a verdict on that goal needs
    more draws than the permutation test's five."""
    n = check_positive_int("n", n)
    p = get_prior(prior)
    rows = []
    for s in seeds:
        g = torch.Generator().manual_seed(10_000 + int(s))
        z1, z2 = p.sample(n, dim, g), p.sample(n, dim, g)
        x = p.sample(n, dim, g).double()
        with torch.no_grad():
            f = interpolate(z1, z2, alpha, method=method, prior=p.name, model=model).double()
            lin = interpolate(z1, z2, alpha).double()
        check_finite("interpolants", f)
        dxx = torch.cdist(x, x)
        rows.append([float(energy_from_distances(torch.cdist(a, x), torch.cdist(a, a), dxx)) for a in (f, lin)])
    return np.array(rows).reshape(-1, 2)


def share_left_with_se(draws: np.ndarray) -> tuple[float, float]:
    r"""The share left and its standard error from :func:`share_left_draws`' ``[k, 2]`` array:
    :func:`share_left` of the column means, and the spread of the method's per-draw energies over
    LineIntp's mean energy (which scatters far less) divided by :math:`\sqrt{k}`. Needs k >= 2."""
    draws = np.asarray(draws, dtype=float)
    if draws.ndim != 2 or draws.shape[1] != 2 or len(draws) < 2:
        raise ValueError(f"draws must be [k, 2] with k >= 2, got shape {draws.shape}")
    method, linear = draws[:, 0], draws[:, 1].mean()
    return share_left(method.mean(), linear), float(method.std(ddof=1) / linear / np.sqrt(len(draws)))


def report(prior: str, method: str, dim: int | None = None, model=None, n: int = 4000, n_small: int = 1000,
           seeds=range(5), alphas=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9), n_alpha: int = 2000,
           n_permutations: int = 100) -> dict:
    """Everything notebook 2's mismatch table says about one interpolator on one prior.

    :func:`summarize` at alpha = 0.5 with ``n`` a side over ``seeds`` (energy only: bias-corrected
    and its spread, V-statistic with floors averaged over the seeds, permutation pass rate
    ``pass_rate``), the pass rate at ``n_small`` a side over as many other seeds
    (``pass_rate_small``), the off-support mass averaged over ``alphas``
    (``off_support_avg``, :func:`off_support_curve`, ``n_alpha`` points per alpha), and the
    nearest-neighbour classifier test on the same draws: held-out accuracy and pass rate at ``n``
    (``c2st_accuracy``, ``c2st_pass_rate``) and at ``n_small`` (``c2st_accuracy_small``,
    ``c2st_pass_rate_small``)."""
    seeds = list(seeds)
    r = summarize(prior, method, dim, n, seeds, 0.5, model, n_permutations, with_mmd=False, classifier=True)
    small = summarize(prior, method, dim, n_small, [1000 + s for s in seeds], 0.5, model, n_permutations,
                      with_mmd=False, classifier=True)
    r.update(n_small=n_small, pass_rate_small=small["pass_rate"], c2st_accuracy_small=small["c2st_accuracy"],
             c2st_pass_rate_small=small["c2st_pass_rate"],
             off_support_avg=float(off_support_curve(prior, method, alphas, n_alpha, dim, seeds[0], model).mean()))
    return {k: v for k, v in r.items() if not k.startswith("mmd")}


def along_training(prior: str, interpolator, dim: int | None = None, n: int = 2000, seed: int = 0) -> list[dict]:
    """Share of LineIntp's mismatch left and off-support mass at alpha = 0.5 for every snapshot
    of a fit (``interpolator.snapshots``; fit with ``snapshot_every``): how the training got
    there, oscillations included. One draw of ``n`` pairs per snapshot; LineIntp's bias-corrected
    energy from the same draws."""
    p = get_prior(prior)
    g = torch.Generator().manual_seed(int(seed))
    z1, z2, x = p.sample(n, dim, g), p.sample(n, dim, g), p.sample(n, dim, g)
    with torch.no_grad():
        linear = energy_distance_unbiased(interpolate(z1, z2, 0.5), x)
    rows = []
    for step, _ in interpolator.snapshots:
        f = interpolator.at_step(step)(z1, z2, 0.5)
        rows.append({"step": step, "share_left": share_left(energy_distance_unbiased(f, x), linear),
                     "off_support": off_support_mass(p.name, f)})
    return rows
