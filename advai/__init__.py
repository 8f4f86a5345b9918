"""advai: a study of Adversarial Adaptive Interpolation (AdvAI) in latent spaces.

Public entry points: :func:`interpolate`, the priors (:func:`get_prior`, :func:`sample_prior`),
the mismatch metrics (:mod:`advai.metrics`) and their analytic references (:mod:`advai.analytic`),
and AdvAI itself (:func:`fit_advai`, :func:`load_advai`).
"""
from .correction import AdvAIInterpolator, load_advai
from .interpolation import METHODS, interpolate
from .priors import PRIORS, get_prior, sample_prior
from .train_advai import fit_advai

__all__ = ["interpolate", "METHODS", "get_prior", "sample_prior", "PRIORS", "fit_advai", "load_advai",
           "AdvAIInterpolator"]
__version__ = "0.1.0"
