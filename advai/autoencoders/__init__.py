"""The autoencoders of notebook 3: AE, ACAI, AAE and AdvAI-AE over one shared conv family and one trainer.

The tree mirrors the study: :mod:`.layers` (encoder, decoder, critics), :mod:`.base` (what
every model shares), one short module per model holding only its losses (:mod:`.ae`,
:mod:`.acai`, :mod:`.aae`, :mod:`.advai_ae`), and :mod:`.trainer` (training, checkpoints, cache).
"""
from .trainer import LABELS, MODELS, TRAIN, build_model, cached_autoencoder, fit_autoencoder

__all__ = ["MODELS", "LABELS", "TRAIN", "build_model", "fit_autoencoder", "cached_autoencoder"]
