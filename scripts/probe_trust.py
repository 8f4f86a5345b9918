"""Hostile probes of everything the study reads (issue 55): prints what each kind of probe did.

    .venv/bin/python scripts/probe_trust.py [--kills 12] [--seed 0]

1. *Malicious files*: a pickle that would create a marker file when loaded, planted where each
   loader reads (an interpolator, a flow, a checkpoint, a fingerprints file, a CIFAR-10 batch),
   with ``TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD=1`` set. Every one must be a ``ValueError`` and the
   marker must not exist.
2. *Edited fields with recomputed digests*: every leaf of a real AdvAI checkpoint (each number,
   tensor, string of the configuration, optimizer state, RNG state, history) replaced in turn by
   NaN, -5, 1e6, a tensor of the wrong shape, a string and ``None``, the digest recomputed, then
   resumed. Each must end in a ``ValueError`` or in a finished fit with finite weights.
3. *Absurd sizes* under a 4 GB address-space limit (``ulimit -v``), each in a fresh process: every
   one must be a ``ValueError`` raised before allocation.
4. *Command-line values*: each must stop the batch command with a usage error before any notebook.
5. *Kills*: AdvAI, flow and autoencoder fits killed by SIGINT or SIGKILL at random moments, then
   resumed: each must end bit-identical to an uninterrupted fit.
6. *A kill during promotion* at a random rename: the next run must finish it (every file new).

Outcomes are counted by kind; anything else (another exception, code that ran, a resume that
differs) is listed and makes the script exit 1.
"""
import argparse
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import advai  # noqa: F401  (first: pins torch's kernels)

import torch

from advai.files import DIGEST_KEY, read_torch_file, write_torch_file
from advai.latent.advai_fit import fit_advai

ROOT = Path(__file__).resolve().parents[1]
SMALL = dict(hidden=8, layers=1, batch_size=16, progress=False)
LIMIT = 4 * 10**9


def python(code: str, limit: int | None = None, env=None, timeout: float = 300):
    """Run ``code`` in a fresh interpreter (with an address-space limit); return the completed process."""
    pre = f"import resource; resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))\n" if limit else ""
    return subprocess.run([sys.executable, "-c", pre + textwrap.dedent(code)], cwd=ROOT, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=timeout)


OUTCOME = """
import sys, traceback
try:
    {call}
    print("OUTCOME finished")
except ValueError as exc:
    print("OUTCOME ValueError", str(exc)[:200].replace(chr(10), " "))
except BaseException as exc:
    print("OUTCOME", type(exc).__name__, str(exc)[:200].replace(chr(10), " "))
"""


def outcome(proc) -> str:
    lines = [line for line in proc.stdout.splitlines() if line.startswith("OUTCOME ")]
    return lines[-1][8:] if lines else f"died (exit {proc.returncode}): {proc.stderr.strip()[-200:]}"


def malicious_files(work: Path) -> list:
    marker = work / "code-ran"
    planted = {
        "load_advai": "from advai.latent.advai_fit import load_advai; load_advai(P)",
        "load_flow": "from advai.latent.flow import load_flow; load_flow(P)",
        "fit checkpoint": "from advai.latent.advai_fit import fit_advai; fit_advai('gaussian', 2, steps=2, "
                          "checkpoint=P, hidden=8, layers=1, batch_size=16, progress=False)",
        "read_torch_file": "from advai.files import read_torch_file; read_torch_file(P)",
        "fingerprints": "import runpy, sys; sys.argv = ['f', '--compare', P, P]; "
                        "runpy.run_path('scripts/fit_fingerprints.py', run_name='__main__')",
    }
    results = []
    for what, call in planted.items():
        path = work / f"{what.replace(' ', '_')}.pt"
        python(f"""
            import torch
            class Evil:
                def __reduce__(self):
                    return (open, ({str(marker)!r}, "w"))
            torch.save({{"format": "advai-interpolator", "config": Evil(), "sha256": "0"}}, {str(path)!r})
        """)
        proc = python(f"P = {str(path)!r}\n" + OUTCOME.format(call=call), env={"TORCH_FORCE_NO_WEIGHTS_ONLY_LOAD": "1"})
        results.append((f"malicious file: {what}", outcome(proc), marker.exists()))
    cifar = work / "cifar-10-batches-py"
    cifar.mkdir()
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        python(f"""
            import pickle
            class Evil:
                def __reduce__(self):
                    return (open, ({str(marker)!r}, "w"))
            pickle.dump({{b"data": Evil(), b"labels": [1]}}, open({str(cifar / name)!r}, "wb"))
        """)
    proc = python(OUTCOME.format(call=f"from advai import data; data.load('cifar10', data_dir={str(work)!r})"))
    results.append(("malicious file: CIFAR-10 batch", outcome(proc), marker.exists()))
    return results


def leaves(obj, path=()):
    """Every (path, value) leaf of a nested payload."""
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from leaves(v, path + (k,))
    elif isinstance(obj, (list, tuple)) and obj and not isinstance(obj[0], (int, float)):
        for i, v in enumerate(obj):
            yield from leaves(v, path + (i,))
    else:
        yield path, obj


def replaced(obj, path, value):
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(obj, dict):
        return {**obj, head: replaced(obj[head], rest, value)}
    items = list(obj)
    items[head] = replaced(items[head], rest, value)
    return type(obj)(items) if isinstance(obj, tuple) else items


def mutations(value):
    yield "None", None
    yield "a string", "x"
    if isinstance(value, torch.Tensor) and value.numel():
        if value.is_floating_point():
            yield "NaN", torch.full_like(value, float("nan"))
            yield "1e6", torch.full_like(value, 1e6)
        yield "-5", torch.full_like(value, -5)
        yield "wrong shape", torch.zeros(3, 7, dtype=value.dtype)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        yield "NaN", float("nan")
        yield "-5", -5
        yield "1e6", 1e6
    elif isinstance(value, list):
        yield "NaN entries", [float("nan")] * len(value)


def edited_fields(work: Path, rng: random.Random, limit: int) -> list:
    ckpt = work / "run.pt"
    fit_advai("gaussian", 2, steps=4, seed=0, checkpoint=ckpt, log_every=1, **SMALL)
    blob = {k: v for k, v in read_torch_file(ckpt).items() if k != DIGEST_KEY}
    edits = [(p, name, v) for p, leaf in leaves(blob) for name, v in mutations(leaf)]
    rng.shuffle(edits)
    results = []
    for path, name, value in edits[:limit]:
        edited = work / "edited.pt"
        write_torch_file(edited, replaced(blob, path, value))  # the digest recomputed over the edit
        call = (f"from advai.latent.advai_fit import fit_advai; import torch\n"
                f"    m = fit_advai('gaussian', 2, steps=8, seed=0, checkpoint={str(edited)!r}, log_every=1, "
                "hidden=8, layers=1, batch_size=16, progress=False)\n"
                "    assert all(torch.isfinite(t).all() for t in m.state_dict().values()), 'non-finite weights'")
        results.append((f"edited {'/'.join(map(str, path))} = {name}", outcome(python(OUTCOME.format(call=call))), False))
    return results


SIZES = {
    "fit_flow hidden=10**6": "from advai.latent.flow import fit_flow; fit_flow('ring', steps=2, hidden=10**6, progress=False)",
    "fit_flow bins=10**6": "from advai.latent.flow import fit_flow; fit_flow('ring', steps=2, bins=10**6, progress=False)",
    "fit_flow transforms=10**6": "from advai.latent.flow import fit_flow; fit_flow('ring', steps=2, transforms=10**6, progress=False)",
    "fit_flow layers=10**5": "from advai.latent.flow import fit_flow; fit_flow('ring', steps=2, layers=10**5, progress=False)",
    "fit_flow n_standardize=10**10": "from advai.latent.flow import fit_flow; fit_flow('ring', steps=2, n_standardize=10**10, progress=False)",
    "fit_flow dim=10**6": "from advai.latent.flow import fit_flow; fit_flow('gaussian', dim=10**6, steps=2, progress=False)",
    "fit_flow batch_size=10**9": "from advai.latent.flow import fit_flow; fit_flow('ring', steps=2, batch_size=10**9, progress=False)",
    "fit_advai hidden=10**6": "from advai.latent.advai_fit import fit_advai; fit_advai('gaussian', 2, steps=2, hidden=10**6, progress=False)",
    "fit_advai layers=10**6": "from advai.latent.advai_fit import fit_advai; fit_advai('gaussian', 2, steps=2, layers=10**6, progress=False)",
    "fit_advai batch_size=10**9": "from advai.latent.advai_fit import fit_advai; fit_advai('gaussian', 2, steps=2, batch_size=10**9, progress=False)",
    "fit_advai joint dim=10**5": "from advai.latent.advai_fit import fit_advai; fit_advai('gaussian', 10**5, mode='joint', steps=2, progress=False)",
    "fit_model latent=10**8": "import torch; from advai.models import fit_model; fit_model('ae', torch.zeros(4, 1, 32, 32), latent=10**8, steps=2, progress=False)",
    "fit_model batch_size=10**7": "import torch; from advai.models import fit_model; fit_model('ae', torch.zeros(4, 1, 32, 32), steps=2, train={'batch_size': 10**7}, progress=False)",
    "sample_prior gaussian 10**12 x 64": "from advai.latent.priors import sample_prior; sample_prior('gaussian', 10**12, 64)",
    "sample_prior nine_discs 10**11": "from advai.latent.priors import sample_prior; sample_prior('nine_discs', 10**11)",
    "sample_prior uniform dim=10**10": "from advai.latent.priors import sample_prior; sample_prior('uniform', 10, 10**10)",
    "data.load lines n_lines=10**10": "from advai import data; data.load('lines', n_lines=10**10)",
    "render_lines 10**9": "import torch; from advai.data import render_lines; render_lines(torch.zeros(10**8))",
}


def absurd_sizes() -> list:
    return [(f"size: {what}", outcome(python(OUTCOME.format(call=call), limit=LIMIT)), False)
            for what, call in SIZES.items()]


CLI = [["--seed", "-1"], ["--seed", "1.5"], ["--seed", "x"], ["--seed", str(2**63)], ["--scheduler", "localhost"],
       ["--scheduler", "tcp://h:0"], ["--profile", "fast"], ["--device", "tpu"], ["--only", "99"]]


def command_line() -> list:
    results = []
    for argv in CLI:
        proc = subprocess.run([sys.executable, "-m", "advai.study", *argv], cwd=ROOT, capture_output=True, text=True)
        started = "[advai] 0" in proc.stdout
        ok = proc.returncode != 0 and not started and "Traceback" not in proc.stderr
        results.append((f"command line {' '.join(argv)}", "usage error" if ok else
                        f"exit {proc.returncode}: {proc.stderr.strip()[-200:]}", False))
    return results


FITS = {
    "advai": "from advai.latent.advai_fit import fit_advai as f\n"
             "m = f('nine_discs', 2, mode='joint', steps=STEPS, seed=3, checkpoint=P, checkpoint_every=7, "
             "hidden=32, layers=2, batch_size=64, progress=False)",
    "flow": "from advai.latent.flow import fit_flow as f\n"
            "m = f('ring', steps=STEPS, seed=3, checkpoint=P, checkpoint_every=7, transforms=2, bins=8, hidden=32, "
            "batch_size=256, n_standardize=4096, progress=False)",
    "ae": "import torch; from advai.models import fit_model as f\n"
          "m = f('acai', torch.rand(64, 1, 32, 32, generator=torch.Generator().manual_seed(0)), latent=8, steps=STEPS, "
          "seed=3, checkpoint=P, checkpoint_every=7, train={'batch_size': 16}, progress=False)",
}
STEPS = {"advai": 400, "flow": 300, "ae": 60}


def weights_of(kind: str, ckpt: Path, out: Path):
    return python(f"P, STEPS = {str(ckpt)!r}, {STEPS[kind]}\n" + FITS[kind] +
                  f"\nfrom advai.files import write_torch_file; write_torch_file({str(out)!r}, dict(m.state_dict()))")


def weights(path: Path) -> dict:
    return {k: v for k, v in read_torch_file(path, "weights").items() if k != DIGEST_KEY}


def kills(work: Path, rng: random.Random, n: int) -> list:
    results, reference = [], {}
    for kind in FITS:
        t0 = time.perf_counter()
        weights_of(kind, work / f"ref-{kind}.pt", work / f"ref-{kind}.w")
        reference[kind] = (weights(work / f"ref-{kind}.w"), time.perf_counter() - t0)
    for i in range(n):
        kind, sig = rng.choice(list(FITS)), rng.choice([signal.SIGINT, signal.SIGKILL])
        ckpt, out = work / f"kill{i}.pt", work / f"kill{i}.w"
        code = f"P, STEPS = {str(ckpt)!r}, {STEPS[kind]}\n" + FITS[kind]
        proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(2.5, 2.5 + reference[kind][1] * 0.6))  # past the import, before the end
        proc.send_signal(sig)
        proc.wait()
        weights_of(kind, ckpt, out)
        w = weights(out)
        same = w.keys() == reference[kind][0].keys() and all(torch.equal(w[k], reference[kind][0][k]) for k in w)
        step = read_torch_file(ckpt)["step"] if ckpt.exists() else "none"
        results.append((f"kill {kind} by {signal.Signals(sig).name}", "bit-identical" if same else
                        f"DIFFERENT (checkpoint step {step})", False))
    return results


def promotion_kills(work: Path, rng: random.Random, n: int) -> list:
    results = []
    for i in range(n):
        figures, stage = work / f"figures{i}", work / f"stage{i}"
        for tag, folder in (("old", figures), ("new", stage)):
            folder.mkdir()
            for j in range(6):
                (folder / f"t{j}.csv").write_text(tag)
            (folder / "manifest.json").write_text(json.dumps({f"t{j}.csv": tag for j in range(6)}))
        at = rng.randrange(6)
        python(f"""
            import os, signal
            from pathlib import Path
            from advai.study import driver
            real, done = os.replace, []
            def replace(src, dst):
                if str(dst).endswith(".csv"):
                    if len(done) == {at}:
                        os.kill(os.getpid(), signal.SIGKILL)
                    done.append(dst)
                real(src, dst)
            driver.os.replace = replace
            driver.promote(Path({str(stage)!r}), Path({str(figures)!r}))
        """)
        mixed = sorted({p.read_text() for p in figures.glob("t*.csv")})
        proc = python(f"from pathlib import Path; from advai.study import driver; "
                      f"print(driver.finish_promotion(Path({str(figures)!r})))")
        after = sorted({p.read_text() for p in figures.glob("t*.csv")})
        manifest = json.loads((figures / "manifest.json").read_text())
        ok = after == ["new"] and set(manifest.values()) == {"new"} and proc.returncode == 0
        results.append((f"kill promotion after {at} of 6 renames", f"finished by the next run (was {mixed})" if ok
                        else f"NOT FINISHED: {after}, {proc.stderr[-200:]}", False))
    return results


GOOD = ("ValueError", "finished by the next run", "finished", "usage error", "bit-identical")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--kills", type=int, default=12, help="fits killed and resumed (default 12)")
    ap.add_argument("--edits", type=int, default=60, help="edited checkpoint fields tried (default 60)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--only", help="comma-separated kinds of probe (their first words: malicious, edited, absurd, "
                                   "command-line, kills, promotion)")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        probes = {"malicious files": lambda: malicious_files(work / "m"),
                  "edited fields (digest recomputed)": lambda: edited_fields(work / "e", rng, args.edits),
                  "absurd sizes (4 GB address space)": absurd_sizes, "command-line values": command_line,
                  "kills and resumes": lambda: kills(work / "k", rng, args.kills),
                  "kills during promotion": lambda: promotion_kills(work / "p", rng, 4)}
        bad = []
        wanted = [k.strip() for k in (args.only or "").split(",") if k.strip()]
        for title, probe in probes.items():
            if wanted and not any(w in title for w in wanted):
                continue
            for sub in ("m", "e", "k", "p"):
                (work / sub).mkdir(exist_ok=True)
            t0 = time.perf_counter()
            results = probe()
            counts = {}
            for what, result, ran_code in results:
                kind = "code ran" if ran_code else next((g for g in GOOD if result.startswith(g)), "other")
                counts[kind] = counts.get(kind, 0) + 1
                if kind in ("code ran", "other"):
                    bad.append(f"{what}: {result}")
                elif kind == "finished":
                    print(f"  accepted and finished: {what}")
            print(f"{title}: {len(results)} probes, " + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
                  + f" ({time.perf_counter() - t0:.0f} s)", flush=True)
    for line in bad:
        print("  UNEXPECTED", line)
    print(f"{'no unexpected outcome' if not bad else f'{len(bad)} unexpected outcome(s)'}")
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
