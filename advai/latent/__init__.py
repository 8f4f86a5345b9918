"""Latent spaces: priors, interpolators, their closed-form references, and AdvAI.

* :mod:`.priors` -- the latent priors p(z) by name;
* :mod:`.interpolation` -- :func:`interpolate`: LineIntp, SpheIntp, OT-matched, AdvAI;
* :mod:`.analytic` -- closed-form references (Gaussian norms, trapezoid/triangular densities);
* :mod:`.advai_model` -- the AdvAI model on one screen: R, D_R, losses, one training step, settings;
* :mod:`.advai_fit` -- fitting it (:func:`fit_advai`, and :func:`fit_correction`, the one fit path every
  variant of R plugs into), the trained interpolator, :func:`load_advai`, save;
* :mod:`.whole_code` -- the AdvAI-AE's whole-code R and latent critic, and their warm-up;
* :mod:`.authors_toy` -- the authors' toy training loop as their code runs it (the long profile).

Analyses particular to this study (known solutions, Fourier features, landing) live in :mod:`advai.analyses`.
"""
