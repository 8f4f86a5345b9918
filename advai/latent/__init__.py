"""Latent spaces: priors, interpolators, their closed-form references, and AdvAI.

* :mod:`.priors` -- the latent priors p(z) by name;
* :mod:`.interpolation` -- :func:`interpolate`: LineIntp, SpheIntp, OT-matched, AdvAI;
* :mod:`.analytic` -- closed-form references (Gaussian norms, trapezoid/triangular densities);
* :mod:`.correction` -- the AdvAI model on one screen: R, D_R, losses, one training step, settings;
* :mod:`.interpolator` -- the trained interpolator: :func:`fit_advai`, :func:`load_advai`, save;
* :mod:`.whole_code` -- the AdvAI-AE's whole-code R and latent critic, and their warm-up;
* :mod:`.known_solution` -- the nine discs' gap-free tournament snap, R fitted to it, fits started from it.
"""
