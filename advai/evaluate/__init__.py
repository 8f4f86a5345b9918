"""How the study scores things.

* :mod:`.mismatch` -- distribution mismatch between interpolants and the prior (energy distance,
  MMD, sliced Wasserstein, noise floors, permutation test);
* :mod:`.representation` -- linear probe and K-means (Hungarian) accuracy of frozen codes;
* :mod:`.lines` -- ACAI's lines benchmark (mean distance, smoothness) and its protocol;
* :mod:`.frechet` -- the Fréchet distance in a classifier's features;
* :mod:`.realism` -- how realistic decoded interpolants are (notebook 4's protocol);
* :mod:`.decoding` -- codes, decoded images and decoded interpolation paths of a model;
* :mod:`.summary` -- per-seed results summarised as mean and spread.
"""
