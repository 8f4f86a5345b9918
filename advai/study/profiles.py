"""Every notebook's sizes, in one visible place: the ``paper`` and ``quick`` profiles.

``paper`` produces the study's results (the default of the batch command); ``quick`` runs
the same code path at small sizes, for nbval in CI. A notebook calls
``resolve(notebook, profile)`` and reads its settings from the returned dict.
"""
from __future__ import annotations

import os

from ..checks import check_choice
from ..latent.advai_model import AUTHORS

PROFILE_NAMES = ("paper", "quick")

PROFILES = {
    "01_distribution_mismatch": {
        "paper": dict(n_cloud=3000, n_2d=20000, n_norm=20000, n_mismatch=4000, n_seeds=10,
                      n_curve=2000, dims=(2, 8, 32, 128, 512), n_alphas=21, n_permutations=200, n_draws=5),
        "quick": dict(n_cloud=500, n_2d=2000, n_norm=2000, n_mismatch=600, n_seeds=2,
                      n_curve=300, dims=(2, 8, 32), n_alphas=5, n_permutations=50, n_draws=2),
    },
    "02_train_advai": {
        "paper": dict(steps={"default": 3000, "surface": 8000}, n_table=4000, n_small=1000, n_seeds=5, n_permutations=100,
                      n_alpha_grid=2000, alpha_grid=(0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9), n_density=20000,
                      n_paths=200, snapshot_every=250, n_steps_eval=2000, snap_steps=6000, n_share_draws=20),
        "quick": dict(steps={"default": 200}, n_table=400, n_small=200, n_seeds=2, n_permutations=20,
                      n_alpha_grid=300, alpha_grid=(0.25, 0.5, 0.75), n_density=2000,
                      n_paths=20, snapshot_every=100, n_steps_eval=300, snap_steps=100, n_share_draws=3),
    },
    "03_advai_autoencoder": {
        # at most 45 min on 2 CPU cores: AdvAI-AE (the authors' 1,200-unit R) trains at ~900 images/s,
        # AE at ~6,300 (scripts/bench_autoencoders.py); 1,500 steps took 52 min (measured), so 1,100;
        # budgets: the learning-curve points, in steps of 64 images, read from snapshots of the
        # same runs (the last is the full run). Longer lines budgets: scripts/lines_long.py
        # fit_threads: torch threads a fit; the fits run side by side, cores // fit_threads at a time
        # (on 2 cores: in turn; two 1-thread workers were measured no faster there)
        "paper": dict(models=("ae", "acai", "aae", "advai_ae"), ablation="advai_ae_factorized", n_seeds=5, fit_threads=2,
                      n_ablation_seeds=3, latent=32, warmup_steps=1000, steps=1100, budgets=(110, 220, 550, 1100),
                      n_lines=10_000, n_paths=16, n_path_steps=16, n_strip_pairs=3, n_strip_steps=10, n_samples=32),
        "quick": dict(models=("ae", "acai", "aae", "advai_ae"), ablation="advai_ae_factorized", n_seeds=2, fit_threads=2,
                      n_ablation_seeds=1, latent=32, warmup_steps=5, steps=10, budgets=(5, 10),
                      n_lines=1000, n_paths=4, n_path_steps=8, n_strip_pairs=2, n_strip_steps=6, n_samples=8),
    },
    "04_generator_latent_paths": {
        "paper": dict(latent=32, priors=("gaussian", "uniform"), gan_steps=10_000, gan_lr=2e-4, classifier_steps=1500,
                      advai_steps=3000, alphas=(0.1, 0.3, 0.5), n_eval=500, n_draws=5, n_path_pairs=4, n_path_steps=10,
                      n_midpoints=12),
        "quick": dict(latent=32, priors=("gaussian", "uniform"), gan_steps=30, gan_lr=2e-4, classifier_steps=30,
                      advai_steps=50, alphas=(0.5,), n_eval=100, n_draws=2, n_path_pairs=2, n_path_steps=5,
                      n_midpoints=6),
    },
    # reads the committed tables of scripts/image_budget.py (profile IMAGE_BUDGET below): no training
    "05_autoencoder_budget": {"paper": dict(), "quick": dict()},
}

#: scripts/lines_long.py: the lines benchmark for AE and ACAI past notebook 3's paper budget
#: (its learning-curve points beyond 45 minutes; ~20 min on 2 CPU cores, not part of `make figures`).
#: Everything not named here is notebook 3's paper profile (data, latent, seeds, paths).
LINES_LONG = dict(models=("ae", "acai"), n_seeds=5, steps=4400, budgets=(440, 1100, 2200, 4400))

#: scripts/image_budget.py: the four autoencoders on the lines along a log budget curve, 2^14 to
#: 2^max_log2 training images (batch 64), with R warmed up on the authors' 2,097,152 prior samples
#: (train_int_kimg 2048 of AdvAI_AE.py). The paper trains on 2^24 images (max_log2=24, a GPU run);
#: 2^20 is this machine's aim. Everything not named here is notebook 3's paper profile.
IMAGE_BUDGET = dict(models=("ae", "acai", "aae", "advai_ae"), n_seeds=3, min_log2=14, max_log2=20,
                    warmup_samples=2**21)

# The setting of notebook 2's multimodal priors (nine discs and the held-out two discs and two
# rings), beyond advai.latent.advai_model.DEFAULTS: inputs not scaled up (n_scale 1 instead of 10;
# R's output is scaled by 1/n_scale, so a smaller scale lets R move a midpoint farther) and a
# zero-centred gradient penalty (weight 10) on D_R. Chosen on the nine discs, seed 0
# (tab-advai-settings); the held-out priors then test it.
MULTIMODAL = {"n_scale": 1.0, "gp": 10.0}

# Which AdvAI fits notebook 2 makes: key -> (prior, dim, mode, settings beyond DEFAULTS).
# Steps per fit are in the profile ("steps"); the surface gets 8,000 (4.9x -> 1.6x the floor, measured).
# Factorized fits see batch_size * dim coordinates per step, so d = 64 uses 8 codes a batch
# (512 coordinates, the same work per step as 256 codes in 2-D).
ADVAI_FITS = {
    "uniform": ("uniform", 2, "factorized", {}),
    "gaussian": ("gaussian", 2, "factorized", {}),
    "ring": ("ring", 2, "joint", {}),
    "nine_discs": ("nine_discs", 2, "joint", MULTIMODAL),
    "surface": ("surface", 3, "joint", {}),
    "gaussian_d64": ("gaussian", 64, "factorized", {"batch_size": 8}),
    "two_discs": ("two_discs", 2, "joint", MULTIMODAL),
    "two_rings": ("two_rings", 2, "joint", MULTIMODAL),
}
def advai_fit_job(key: str, P: dict, seed: int) -> dict:
    """The :func:`advai.fit_advai` keyword arguments of notebook 2's headline fit of prior ``key``
    (:data:`ADVAI_FITS`) under the notebook's profile settings ``P`` with fit seed ``seed``: steps
    from ``P["steps"]`` (its ``default`` unless the prior has its own), snapshots every
    ``P["snapshot_every"]`` steps for the 2-D joint fits (fig-advai-steps follows them)."""
    prior, dim, mode, extra = ADVAI_FITS[key]
    snap = P["snapshot_every"] if mode == "joint" and dim == 2 else None
    return dict(sampler=prior, dim=dim, mode=mode, steps=P["steps"].get(key, P["steps"]["default"]), seed=seed,
                snapshot_every=snap, **extra)


#: scripts/flow_priors.py: the flow-matched interpolator's settings beyond advai.latent.flow.FLOW_DEFAULTS
#: (5,000 steps of 512 samples) for a prior of ADVAI_FITS. In 64-d the defaults' spline layers hold
#: 3.2 M weights and a step took 0.9 s on one core (a fit 75 minutes); the 64-d Gaussian needs no
#: sharp spline, so 8 bins, 64 codes a batch and 3,000 steps (0.06 s a step, measured).
FLOW_FITS = {"gaussian_d64": dict(steps=3000, bins=8, batch_size=64)}


def flow_jobs(keys, fit_seeds: int, steps: int = 5000) -> dict:
    """``{(prior key, fit seed): keyword arguments of advai.fit_flow}`` for the priors ``keys`` of
    :data:`ADVAI_FITS` and fit seeds ``0..fit_seeds-1``: ``steps`` training steps, overridden by a
    prior's :data:`FLOW_FITS` (``scripts/flow_priors.py`` fits them, ``scripts/flow_grid.py`` reads
    seed 0 back from the run cache)."""
    return {(key, s): dict(sampler=ADVAI_FITS[key][0], dim=ADVAI_FITS[key][1], seed=s,
                           **{"steps": steps, **FLOW_FITS.get(key, {})})
            for key in keys for s in range(fit_seeds)}


#: Priors that appear nowhere else in the study: the generalisation test (goal: share left <= 2%).
HELD_OUT = ("two_discs", "two_rings")
#: Priors with gaps or holes, where the off-support mass is a goal (<= 1% at alpha = 0.5).
GAPPED = ("ring", "nine_discs", "two_discs", "two_rings")

#: The rows of tab-advai-settings (nine discs): settings beyond DEFAULTS, one change per row. The
#: authors' row takes their settings into this notebook's joint loop for 3,000 steps: not their
#: algorithm (factorized per coordinate, their loop, 262,144 steps: the long profile, ADVAI_LONG).
AUTHORS_ROW = ("authors' settings, our joint loop, 3,000 steps (AUTHORS: L1, beta1 0.9, batch 64, EMA overwrites R, "
               "simultaneous update)")
SETTINGS_ROWS = {
    AUTHORS_ROW: dict(AUTHORS),
    "authors with our sequential update": dict(AUTHORS, update="sequential"),
    "authors + L2 losses": dict(AUTHORS, loss="l2"),
    "ours (DEFAULTS)": {},
    "MULTIMODAL without gp (DEFAULTS + n_scale 1)": dict(MULTIMODAL, gp=0.0),
    "MULTIMODAL (headline: DEFAULTS + n_scale 1 + gp 10)": MULTIMODAL,
    "MULTIMODAL with gp 1": dict(MULTIMODAL, gp=1.0),
    "DEFAULTS + n_scale 3 + 200-unit layers + gp 1 (wider)": {"n_scale": 3.0, "hidden": 200, "gp": 1.0},
    "MULTIMODAL + lr 1e-3": dict(MULTIMODAL, lr=1e-3),
    "MULTIMODAL + EMA 0.999": dict(MULTIMODAL, ema=0.999),
}


#: scripts/advai_long.py (profile ``long``, not part of `make figures`): AdvAI on the gapped 2-D
#: priors at the paper's training budget, 2**14 k-samples (16.8 M prior samples per fit):
#: the authors' loop (advai.latent.authors_toy, batch 64: 262,144 steps) and notebook 2's headline
#: fit of each prior (ADVAI_FITS, batch 256: 65,536 steps, the same samples); on ``port_priors``
#: also the authors' settings in the study's factorized loop (fit_advai, **AUTHORS, 262,144 steps). Snapshots every
#: 4,096 and 1,000 steps (the headline's step-3,000 snapshot is notebook 2's fit). Measured on
#: the 2-core machine, two fits side by side: about 25-40 and 10-17 minutes a fit (the port about 40).
#: ``n_seeds`` fit seeds per notebook prior, ``n_held_out_seeds`` per held-out prior, ``n_port_seeds`` for the port:
#: sized to what one working session trains (the committed run: 3, 1 and 0; raise them and rerun
#: the script to add fits, the ones already in the cache are read back).
ADVAI_LONG = dict(priors=("nine_discs", "ring", "two_discs", "two_rings"), port_priors=("nine_discs", "ring"),
                  n_seeds=3, n_held_out_seeds=1, n_port_seeds=0,
                  authors_steps=262_144, authors_snapshot_every=4096, headline_steps=65_536,
                  headline_snapshot_every=1000, checkpoint_every=4096,
                  n_share=4000, n_share_draws=20, n_land=20_000, n_trace=2000, n_density=20_000)
#: The same code path at CI size (``scripts/advai_long.py --profile quick``, tests/test_advai_long.py).
ADVAI_LONG_QUICK = dict(ADVAI_LONG, priors=("nine_discs", "two_rings"), port_priors=("nine_discs",), n_seeds=2, n_port_seeds=1, authors_steps=128, authors_snapshot_every=32,
                        headline_steps=32, headline_snapshot_every=12, checkpoint_every=32, n_share=300,
                        n_share_draws=3, n_land=1000, n_trace=200, n_density=1000)
LONG_PROFILES = {"long": ADVAI_LONG, "quick": ADVAI_LONG_QUICK}
ALGORITHMS = ("authors", "headline", "port")


def resolve(notebook: str, profile: str | None = None) -> dict:
    """Settings for ``notebook`` under ``profile`` (None: ``$ADVAI_PROFILE`` or ``paper``)."""
    profile = profile or os.environ.get("ADVAI_PROFILE") or "paper"
    check_choice("profile", profile, PROFILE_NAMES)
    check_choice("notebook", notebook, tuple(PROFILES))
    return dict(PROFILES[notebook][profile], profile=profile)
