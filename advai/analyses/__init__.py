"""Analyses particular to this study, built on the core (:mod:`advai.latent`, :mod:`advai.evaluate`).

* :mod:`.known_solution` -- the nine discs' gap-free tournament snap and the ring's, R fitted to
  them, fits started from them (notebook 2, ``scripts/snap_capacity.py``);
* :mod:`.fourier` -- R on random Fourier features (``scripts/fourier_features.py``);
* :mod:`.landing` -- where nine-disc interpolants land, by the kind of pair (notebook 2);
* :mod:`.critic` -- reference values for reading AdvAI's training curves (notebook 2).
"""
