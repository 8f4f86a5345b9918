r"""A digit classifier trained here: the feature space for Fréchet distances and the confidence score.

The network is the autoencoders' encoder (:class:`advai.autoencoders.layers.Encoder`) with a
64-d output, a LeakyReLU and a linear layer to the 10 classes; trained with cross-entropy
(Adam 1e-3, batch 128) on MNIST-5k's training split. :meth:`DigitClassifier.features` gives
the 64-d penultimate activations used by :func:`advai.frechet.frechet_distance`, and
:meth:`DigitClassifier.confidence` the softmax probability of the predicted class,
:math:`\max_k p(k \mid x)` (Agustsson et al., ICLR 2019, judge interpolants by a classifier in
the same spirit).
"""
from __future__ import annotations

import os
from pathlib import Path

import torch
from torch import nn
from tqdm.auto import tqdm

from .autoencoders.layers import Encoder
from .correction import read_checkpoint
from .data import pad_to
from .outputs import atomic_path, cache_dir


class DigitClassifier(nn.Module):
    def __init__(self, n_classes: int = 10, width: int = 64):
        super().__init__()
        self.body = nn.Sequential(Encoder(width), nn.LeakyReLU(0.2))
        self.head = nn.Linear(width, n_classes)

    def forward(self, x):
        return self.head(self.body(x))

    @torch.no_grad()
    def features(self, x, batch: int = 1000) -> torch.Tensor:
        """Penultimate activations ``[n, 64]`` of images ``[n, 1, 32, 32]``."""
        return torch.cat([self.body(x[i:i + batch]) for i in range(0, len(x), batch)])

    @torch.no_grad()
    def probabilities(self, x, batch: int = 1000) -> torch.Tensor:
        return torch.cat([self(x[i:i + batch]).softmax(1) for i in range(0, len(x), batch)])

    def confidence(self, x) -> torch.Tensor:
        """Probability of the predicted class, per image."""
        return self.probabilities(x).max(1).values

    def accuracy(self, x, y) -> float:
        return float((self.probabilities(x).argmax(1) == y).float().mean())


def fit_classifier(dataset, steps: int = 1500, seed: int = 0, cache=None, progress: bool = True) -> DigitClassifier:
    """Train (or read back from ``<cache>/classifier-...pt``) a classifier on ``dataset``'s training split."""
    path = cache_dir(cache) / f"classifier-{dataset.name}-split{dataset.split_seed}-steps{steps}-seed{seed}.pt"
    model = DigitClassifier(n_classes=int(dataset.labels.max()) + 1)
    if path.exists() and os.environ.get("ADVAI_RECOMPUTE") != "1":
        blob = read_checkpoint(path)
        try:
            model.load_state_dict(blob["state"])
        except (KeyError, RuntimeError) as exc:
            raise ValueError(f"classifier file {path} is corrupt or does not match the model: {exc}") from exc
        return model.eval().requires_grad_(False)
    x, y = pad_to(dataset.train[0], 32), dataset.train[1]
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        model = DigitClassifier(n_classes=int(dataset.labels.max()) + 1)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        for _ in tqdm(range(steps), desc="classifier", leave=False, disable=not progress):
            idx = torch.randint(len(x), (128,))
            loss = nn.functional.cross_entropy(model(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp:
        torch.save({"kind": "classifier", "state": model.state_dict()}, tmp)
    return model.eval().requires_grad_(False)
