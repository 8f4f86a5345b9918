"""The checkpointed training loop shared by AdvAI's and the autoencoders' trainers."""
from __future__ import annotations

from typing import Callable

from tqdm.auto import tqdm


def checkpointed_loop(state, steps: int, one_step: Callable[[], dict | None], save: Callable[[], None],
                      checkpoint_every: int, desc: str, progress: bool = True) -> None:
    """Call ``one_step()`` until ``state.step == steps``, with a progress bar.

    ``one_step`` advances ``state.step`` by one and may return a dict for the bar's postfix.
    ``save()`` runs every ``checkpoint_every`` steps, at the end, and on any exception
    (Ctrl-C included) before it propagates: the checkpoint then holds the last finished step,
    so resuming continues exactly there.
    """
    bar = tqdm(total=steps, initial=state.step, disable=not progress or state.step >= steps, desc=desc, leave=False)
    try:
        while state.step < steps:
            postfix = one_step()
            if postfix:
                bar.set_postfix(postfix, refresh=False)
            bar.update(1)
            if state.step % checkpoint_every == 0 and state.step < steps:
                save()
    except BaseException:
        save()
        raise
    finally:
        bar.close()
    save()
