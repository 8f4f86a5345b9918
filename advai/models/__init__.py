"""The image models of notebooks 3 and 4, over the shared layers (:mod:`advai.layers`) and the one harness.

* autoencoders: :mod:`.autoencoder` (what all four share) and one short module per model
  holding only its losses: :mod:`.ae`, :mod:`.acai`, :mod:`.aae`, :mod:`.advai_ae`;
* :mod:`.gan`: the GANs of notebook 4 (Gaussian and uniform prior);
* :mod:`.classifier`: the digit classifier whose features score realism.

:mod:`.fitting`: :func:`fit_model` trains any of :data:`MODELS` (or reads it back from a cache folder).
"""
from __future__ import annotations

from .autoencoder import TRAIN
from .fitting import AUTOENCODERS, LABELS, MODELS, at_step, build_model, fit_model

__all__ = ["AUTOENCODERS", "LABELS", "MODELS", "TRAIN", "at_step", "build_model", "fit_model"]
