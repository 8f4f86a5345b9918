"""advai: a study of Adversarial Adaptive Interpolation (AdvAI) in latent spaces.

Public entry points: :func:`interpolate`, the priors (:func:`get_prior`, :func:`sample_prior`),
the mismatch metrics (:mod:`advai.metrics`) and their analytic references (:mod:`advai.analytic`).
"""
from .interpolation import METHODS, interpolate
from .priors import PRIORS, get_prior, sample_prior

__all__ = ["interpolate", "METHODS", "get_prior", "sample_prior", "PRIORS"]
__version__ = "0.1.0"
