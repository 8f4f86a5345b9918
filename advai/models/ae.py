r"""AE: the unregularized baseline. :math:`L_{AE} = \lVert x - G(E(x))\rVert^2`."""
from __future__ import annotations

from .autoencoder import AutoencoderModel


class AE(AutoencoderModel):
    name = "ae"

    def losses(self, x):
        _, _, rec = self.reconstruction_loss(x)
        return {"autoencoder": rec}, {"rec": rec.item()}
