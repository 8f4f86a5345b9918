"""advai: a study of Adversarial Adaptive Interpolation (AdvAI) in latent spaces.

Public entry points: :func:`interpolate` and :func:`combine` (k codes), the priors (:func:`get_prior`, :func:`sample_prior`)
AdvAI itself (:func:`fit_advai`, :func:`load_advai`, :class:`AdvAIInterpolator`) and the
flow-matched reference for any prior (:func:`fit_flow`, :func:`load_flow`, :class:`FlowInterpolator`).

The package is laid out as the study: :mod:`advai.latent` (priors, interpolators, the AdvAI
model), :mod:`advai.models` (autoencoders, GANs, the digit classifier), :mod:`advai.evaluate`
(mismatch, representation, lines, Fréchet, realism), :mod:`advai.study` (profiles, outputs,
figures, the batch driver), over a shared base: :mod:`advai.train` (the one training
harness), :mod:`advai.layers`, :mod:`advai.data`, :mod:`advai.files`, :mod:`advai.checks`.
"""
import sys

from . import numerics, openblas

numerics.pin()  # before torch computes anything: the kernels read these variables once
openblas.pin()  # before NumPy loads: OpenBLAS reads its variable once, when it loads
if "numpy" in sys.modules:  # too late for this process: say so instead of computing other bits silently
    openblas.check()
from .latent.interpolation import METHODS, interpolate  # noqa: E402
from .latent.combination import COMBINE_METHODS, combine  # noqa: E402
from .latent.advai_fit import AdvAIInterpolator, fit_advai, load_advai  # noqa: E402
from .latent.flow import FlowInterpolator, fit_flow, load_flow  # noqa: E402
from .latent.priors import PRIORS, get_prior, sample_prior  # noqa: E402

__all__ = ["interpolate", "METHODS", "combine", "COMBINE_METHODS", "get_prior", "sample_prior", "PRIORS", "fit_advai", "load_advai",
           "AdvAIInterpolator", "fit_flow", "load_flow", "FlowInterpolator"]
__version__ = "0.1.0"
