r"""A digit classifier trained here: the feature space for Fréchet distances and the confidence score.

The network is the shared encoder (:class:`advai.layers.Encoder`) with a 64-d output, a
LeakyReLU and a linear layer to the 10 classes; trained with cross-entropy (Adam 1e-3, batch
128) on MNIST-5k's training split by the study's harness. :meth:`DigitClassifier.features`
gives the 64-d penultimate activations used by :func:`advai.evaluate.frechet.frechet_distance`,
and :meth:`DigitClassifier.confidence` the softmax probability of the predicted class,
:math:`\max_k p(k \mid x)` (Agustsson et al., ICLR 2019, judge interpolants by a classifier in
the same spirit).
"""
from __future__ import annotations

import torch
from torch import nn

from ..data import pad_to
from ..layers import Encoder
from ..train import Minibatches, Trainable, data_fingerprint, fit

TRAIN = {"batch_size": 128, "lr": 1e-3}


class DigitClassifier(Trainable):
    def __init__(self, n_classes: int = 10, width: int = 64):
        super().__init__()
        self.body = nn.Sequential(Encoder(width), nn.LeakyReLU(0.2))
        self.head = nn.Linear(width, n_classes)

    def forward(self, x):
        return self.head(self.body(x))

    def parameter_groups(self):
        return {"classifier": list(self.parameters())}

    def configure_optimizers(self, train):
        return {"classifier": torch.optim.Adam(self.parameters(), lr=train["lr"])}

    def losses(self, x, y):
        loss = nn.functional.cross_entropy(self(x), y)
        return {"classifier": loss}, {"cross_entropy": loss.item()}

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


def fit_classifier(dataset, steps: int = 1500, seed: int = 0, device: str | None = None, cache=None, resume: bool = True,
                   progress: bool = True, **kw) -> DigitClassifier:
    """Train (or, with ``cache``, read back) a classifier on ``dataset``'s training split (padded to 32x32).

    ``kw`` goes to :func:`advai.train.fit` (``checkpoint``, ``callback``, ...).
    """
    x, y = pad_to(dataset.train[0], 32), dataset.train[1]
    n_classes = int(dataset.labels.max()) + 1
    identity = {"kind": "classifier", "dataset": dataset.name, "split": dataset.split_seed, "classes": n_classes,
                "data": data_fingerprint(x)}
    batches = Minibatches(x, y, batch_size=TRAIN["batch_size"])
    return fit(lambda: DigitClassifier(n_classes=n_classes), batches, identity, TRAIN, code=(DigitClassifier,),
               steps=steps, seed=seed, device=device, cache=cache, resume=resume, progress=progress,
               desc="classifier", **kw)
