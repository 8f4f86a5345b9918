"""Reference values for reading AdvAI's training curves (notebook 2's fig-advai-training)."""
from __future__ import annotations

from ..checks import check_choice

#: The critic's loss at the best constant answer, per regression loss (closed forms below).
CONSTANT_GUESS_LOSS = {"l2": 5 / 96, "l1": 0.25}


def constant_guess_loss(loss: str = "l2") -> float:
    r"""AdvAI's critic loss :math:`L_D` (without gradient penalty) when D_R answers one constant
    c for every input, at the best c: what a critic that cannot tell interpolants from prior
    samples scores. Targets are 0 on prior samples and :math:`t \sim U(0, \tfrac12)` (the folded
    alpha, :mod:`advai.latent.advai_model`) on interpolants, equally weighted:

    * L2: :math:`\min_c c^2 + E(c - t)^2 = E t^2 - (E t)^2 / 2 = \tfrac1{12} - \tfrac1{32} = \tfrac5{96}`
      (at :math:`c = E t / 2 = \tfrac18`);
    * L1: :math:`\min_c |c| + E|c - t| = \min_c 2c^2 + \tfrac14 = \tfrac14` (at c = 0).

    A critic loss that settles at this value means D_R does no better than the constant: the
    correction keeps it from telling interpolants and prior samples apart."""
    check_choice("loss", loss, tuple(CONSTANT_GUESS_LOSS))
    return CONSTANT_GUESS_LOSS[loss]
