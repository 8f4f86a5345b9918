"""Fingerprints of every kind of fit: each trained briefly, its weights written to one file, so two
versions of the code (before and after a refactoring) can be compared bit for bit on one machine.

    .venv/bin/python scripts/fit_fingerprints.py OUT.pt                 # train and write
    .venv/bin/python scripts/fit_fingerprints.py --compare A.pt B.pt    # which fits are bit-identical

Run it with each version of the package first on ``PYTHONPATH`` (a git worktree of the older
commit), one torch thread, then compare. Covers AdvAI (factorized, joint, the authors' settings),
the three capacity oracles, R on Fourier features, the snap regressions and the fits started from
them, the authors' toy loop, the four autoencoders and the ablation, both GANs and the classifier.
"""
import argparse
import tempfile

import advai  # noqa: F401  (first: pins torch's kernels and NumPy's OpenBLAS before they load)

import torch

from advai import data
from advai.files import DIGEST_KEY, read_torch_file, write_torch_file
from advai.analyses import known_solution as ks
from advai.analyses.fourier import fit_fourier
from advai.latent.advai_fit import fit_advai
from advai.latent.advai_model import AUTHORS
from advai.latent.authors_toy import fit_authors_toy
from advai.models import fit_model
from advai.models.classifier import fit_classifier

S = 150


def fingerprints() -> dict:
    """``{fit: state_dict}`` of every kind of fit, trained from scratch, one thread."""
    torch.set_num_threads(1)
    out, kw = {}, dict(progress=False, resume=False)
    out["advai factorized"] = fit_advai("gaussian", 2, steps=S, seed=1, **kw).state_dict()
    out["advai joint multimodal"] = fit_advai("nine_discs", 2, mode="joint", steps=S, seed=2, n_scale=1.0, gp=10.0,
                                              **kw).state_dict()
    out["advai authors settings"] = fit_advai("ring", 2, mode="joint", steps=S, seed=0, **AUTHORS, **kw).state_dict()
    for obj in ("energy", "mmd", "ot"):
        out[f"oracle {obj}"] = fit_advai("nine_discs", 2, mode="joint", steps=60, seed=3, objective=obj,
                                         **kw).state_dict()
    out["fourier"] = fit_fourier("ring", steps=S, seed=4, **kw).state_dict()
    out["snap"] = ks.fit_snap(S, seed=5, **kw).state_dict()
    with tempfile.TemporaryDirectory() as c:
        out["from snap adversarial"] = ks.fit_from_snap("adversarial", 60, 60, seed=6, cache=c,
                                                        progress=False).state_dict()
        out["from snap mmd"] = ks.fit_from_snap("mmd", 60, 60, seed=6, cache=c, progress=False).state_dict()
        out["ring snap"] = ks.fit_snap(S, seed=7, prior="ring", cache=c, progress=False).state_dict()
    out["authors toy"] = fit_authors_toy("nine_discs", 2, steps=S, seed=8, **kw).state_dict()
    mnist = data.load("mnist5k", split_seed=0)
    for name in ("ae", "acai", "aae", "advai_ae", "advai_ae_factorized", "gan_gaussian", "gan_uniform"):
        extra = {"warmup_steps": 40} if name.startswith("advai_ae") else {}
        out[name] = fit_model(name, mnist, latent=16, steps=30, seed=9, **extra, **kw).state_dict()
    out["classifier"] = fit_classifier(mnist, steps=30, seed=10, **kw).state_dict()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("files", nargs="+", help="OUT.pt, or with --compare the two files A.pt B.pt")
    ap.add_argument("--compare", action="store_true")
    args = ap.parse_args()
    if not args.compare:
        write_torch_file(args.files[0], {k: dict(v) for k, v in fingerprints().items()})
        return
    # read as every torch file of the study is: no code runs, an altered file is refused
    a, b = ({k: v for k, v in read_torch_file(f, "fingerprints file").items() if k != DIGEST_KEY} for f in args.files)
    same = 0
    for k in a:
        equal = k in b and a[k].keys() == b[k].keys() and all(torch.equal(a[k][t], b[k][t]) for t in a[k])
        same += equal
        print(f"{k:24s} {'bit-identical' if equal else 'DIFFERENT'} ({len(a[k])} tensors)")
    print(f"{same} of {len(a)} fits bit-identical")


if __name__ == "__main__":
    main()
