"""The batch command: run every notebook in order through papermill.

    python -m advai.study [--profile paper|quick] [--seed 0] [--only 01,02] [--recompute] [--device cpu]
                          [--scheduler tcp://host:8786]

The default run (profile ``paper``, seed 0) is the study itself: executed notebooks
replace the committed tutorials in ``notebooks/`` (cleaned of timings and progress noise)
and figures/tables go to ``figures/`` with ``figures/manifest.json``. Any other profile or
seed writes to ``build/<profile>-seed<seed>/{notebooks,figures}`` and leaves the committed
results alone; ``$ADVAI_FIGURES_DIR`` redirects the figures (and then the executed notebooks
go to ``build/`` too). ``--recompute`` retrains every model instead of reading it back from
the run cache, once per notebook (a later cell that asks for the same run reads back what the
notebook trained: ``resume="once"``). Each notebook's wall time is recorded in ``<figures>/timings.json``, and the
models it trained or read back are printed and counted there; ``<figures>/timings.md`` tabulates
the last wall time of each notebook, ``<figures>/provenance.md`` the commit, numeric environment
and CPU that made each notebook's files (from the manifest). ``--device cuda`` trains every model on the GPU (the
notebooks' ``device`` parameter, through ``$ADVAI_DEVICE``); the device is part of each run's
identity, so CPU and GPU runs never share a cache entry. ``--scheduler tcp://host:8786`` sends
the notebooks' batches of fits to a Dask cluster (its workers must see the run cache). After a committed run the README's and docs/ pages' quoted results
are refreshed from the figures folder (:mod:`advai.study.readme`).

Each notebook writes into a staging folder of its own run (``build/run-<profile>-seed<seed>-*/``,
removed when the run finishes, kept for inspection when it fails); only when the notebook has
finished are its figures, tables, manifest entries and timings moved into the figures folder
and the executed notebook into place, all at once (:func:`promote`: a journal makes the move one
step, and a kill in the middle of it is finished by the next run). A notebook that fails, or a run
that is interrupted (Ctrl-C, a kill), leaves every committed file as it was; the next run resumes its
models from their last checkpoints.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
import time
from pathlib import Path

import nbformat
import papermill as pm

from ..files import atomic_path, file_lock, project_root
from ..train import check_seed, resolve_device
from . import readme
from .outputs import record_timings, update_json, write_summaries
from .parallel import check_scheduler_address
from .profiles import PROFILE_NAMES

RECORDS = ("manifest.json", "timings.json")


def notebooks_dir() -> Path:
    folder = project_root() / "notebooks"
    if not folder.is_dir():
        raise SystemExit(f"no notebooks/ folder in {project_root()}: "
                         "run the batch command from a checkout of the study")
    return folder


def notebook_paths(only=None):
    folder = notebooks_dir()
    paths = sorted(folder.glob("[0-9][0-9]_*.ipynb"))
    if only:
        keys = [k.strip() for k in only.split(",") if k.strip()]
        paths = [p for p in paths if any(p.name.startswith(k) for k in keys)]
        if not paths:
            raise SystemExit(f"--only {only!r} matches no notebook in {folder}")
    return paths


def clean_notebook(path: Path) -> None:
    """Drop machine-specific noise (timings, paths, progress bars on stderr) in place."""
    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("papermill", None)
    for cell in nb.cells:
        cell.metadata.pop("papermill", None)
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
    nbformat.write(nb, path)


def _read(path: Path) -> dict:
    return json.loads(path.read_text()) if path.exists() else {}


#: The promotion journal in a figures folder: present only between the moment every file of a
#: finished notebook has been copied beside its target and the moment the last one is renamed into place.
JOURNAL = ".promotion.json"
PENDING = ".promoting"


def promote(stage: Path, figures: Path, also: tuple = ()) -> dict:
    """Move a finished notebook's files from ``stage`` into ``figures``, and each ``(source,
    target)`` pair of ``also`` (the executed notebook), all at once or not at all; returns the
    staged manifest.

    Every file is first copied beside its target as a hidden ``.<name>.promoting``; then a journal
    (:data:`JOURNAL`) listing every rename and the manifest and timings entries to merge is written
    atomically: that is the moment the promotion happens. :func:`finish_promotion` then renames each
    copy over its target, merges the entries (under their locks) and removes the journal. A kill
    before the journal leaves every old file in place (the copies are removed by the next run); a
    kill after it leaves a journal that the next run (or promotion) finishes, so the figures folder
    never keeps a mixture of two runs' files."""
    figures.mkdir(parents=True, exist_ok=True)
    with file_lock(figures / JOURNAL):
        _finish_locked(figures)
        manifest, timings = _read(stage / "manifest.json"), _read(stage / "timings.json")
        pairs = [(f, figures / f.name) for f in sorted(stage.iterdir())
                 if f.is_file() and f.name not in RECORDS and not f.name.endswith(".lock")] + list(also)
        moves = []
        for source, target in pairs:
            pending = Path(target).with_name(f".{Path(target).name}{PENDING}")
            with atomic_path(pending) as tmp:
                shutil.copyfile(source, tmp)
            moves.append([str(pending), str(target)])
        with atomic_path(figures / JOURNAL) as tmp:
            tmp.write_text(json.dumps({"moves": moves, "manifest": manifest, "timings": timings}))
        _finish_locked(figures)
    return manifest


def finish_promotion(figures: Path, *also: Path) -> int:
    """Finish a promotion a kill interrupted (:func:`promote`): rename every copy its journal lists
    that is still pending, merge its entries, remove the journal; without a journal, remove pending
    copies left by a promotion killed before its journal (in ``figures`` and the folders ``also``).
    Returns the number of files moved into place."""
    if not figures.is_dir():
        return 0
    with file_lock(figures / JOURNAL):
        moved = _finish_locked(figures)
        for folder in (figures, *also):
            for stale in Path(folder).glob(f".*{PENDING}"):
                stale.unlink()
    return moved


def _finish_locked(figures: Path) -> int:
    journal = figures / JOURNAL
    if not journal.exists():
        return 0
    try:
        plan = json.loads(journal.read_text())
        moves, manifest, timings = plan["moves"], plan["manifest"], plan["timings"]
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"the promotion journal {journal} is damaged ({exc}); the files it lists may be half "
                         "moved: re-run the notebooks it belongs to, then delete it") from exc
    moved = 0
    for pending, target in moves:
        if Path(pending).exists():
            os.replace(pending, target)
            moved += 1
    update_json(figures / "manifest.json", lambda entries: entries.update(manifest))
    update_json(figures / "timings.json", lambda entries: entries.update(timings))
    journal.unlink()
    return moved


class NotebookFailed(RuntimeError):
    """A notebook of the batch command raised: names the notebook file, the failing cell as the
    file counts its cells, and the folder kept for inspection."""


def failed_cell(executed: Path) -> tuple[int, str] | None:
    """``(index, source)`` of the cell that raised in papermill's ``executed`` notebook, the index
    counted as in the notebook file (papermill's injected-parameters cell and its error banners
    left out, the first cell 1), or ``None`` when no cell holds an error."""
    nb = nbformat.read(executed, as_version=4)
    added = ("injected-parameters", "papermill-error-cell-tag")
    own = [c for c in nb.cells if not set(c.metadata.get("tags", [])) & set(added)]
    for i, cell in enumerate(own, start=1):
        if cell.cell_type == "code" and any(o.get("output_type") == "error" for o in cell.get("outputs", [])):
            return i, cell.source
    return None


def kernel_environment(root: Path) -> None:
    """Make the notebook kernels import ``advai`` from the checkout ``root`` (first on
    ``PYTHONPATH``, ahead of any installed copy) and tell them which checkout that is
    (``$ADVAI_CHECKOUT``: :class:`advai.study.outputs.Run` records where the package came from
    and refuses another copy)."""
    rest = [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p and Path(p).resolve() != root.resolve()]
    os.environ["PYTHONPATH"] = os.pathsep.join([str(root)] + rest)
    os.environ["ADVAI_CHECKOUT"] = str(root)


def run_notebook(path: Path, figures: Path, nb_out: Path, params: dict, work: Path) -> dict:
    """Execute notebook ``path`` with its outputs staged under ``work``; promote them only if it finishes.

    The kernel imports ``advai`` from this checkout (:func:`kernel_environment`). A notebook that
    raises is a :class:`NotebookFailed` naming the file, the cell (:func:`failed_cell`) and the
    folder ``work`` kept with its staged outputs and executed notebook.
    Returns the notebook's wall time and the models it used (run names and what happened).
    """
    stage, executed = work / "staging" / path.stem, work / "executed" / path.name
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir(parents=True)
    executed.parent.mkdir(parents=True, exist_ok=True)
    os.environ["ADVAI_FIGURES_DIR"] = str(stage)  # the kernel inherits it
    kernel_environment(project_root())
    t0 = time.time()
    try:
        pm.execute_notebook(str(path), str(executed), parameters=params, cwd=str(path.parent),
                            kernel_name="python3", progress_bar=False)
    except pm.PapermillExecutionError as exc:
        cell = failed_cell(executed) if executed.exists() else None
        where = (f"cell {cell[0]} of the file (counting every cell from 1; it begins "
                 f"{cell[1].strip().splitlines()[0][:60]!r})" if cell else "a cell papermill could not place")
        raise NotebookFailed(f"{path} failed in {where}: {exc.ename}: {exc.evalue}\n"
                             f"kept for inspection: {work} (executed notebook {executed}, staged outputs {stage}); "
                             "the committed notebooks, figures and tables are untouched") from exc
    clean_notebook(executed)
    seconds = round(time.time() - t0, 1)
    record_timings(stage, path.stem, "notebook_s", seconds)
    manifest = promote(stage, figures, also=((executed, nb_out / path.name),))
    models = {}
    for entry in manifest.values():  # later entries list every model used before them
        for m in entry.get("models", []):
            models.setdefault(m["run"], m["status"])  # what happened first: trained, then read back
    return {"seconds": seconds, "models": models}


def seed_argument(text: str) -> int:
    """``--seed``: a whole number in [0, 2**63) (:func:`advai.train.check_seed`)."""
    try:
        return check_seed(int(text))
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is not a seed: a whole number from 0 to 2**63 - 1") from exc


def scheduler_argument(text: str) -> str:
    """``--scheduler``: a Dask scheduler address (:func:`advai.study.parallel.check_scheduler_address`)."""
    try:
        return check_scheduler_address(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from exc


def main(argv=None) -> int:
    """Every argument is checked before any notebook starts or any folder is made: an unknown profile,
    a seed that is not a whole number >= 0, a device this machine lacks, a scheduler that is not an
    address, or an ``--only`` that matches no notebook stops the command with a message naming it."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--profile", default="paper", choices=PROFILE_NAMES)
    ap.add_argument("--seed", type=seed_argument, default=0, help="a whole number >= 0 (default 0)")
    ap.add_argument("--only", help="comma-separated notebook prefixes, e.g. 01,02")
    ap.add_argument("--recompute", action="store_true", help="retrain cached models (each once per notebook) instead of reusing them")
    ap.add_argument("--device", help="cpu (default), cuda or cuda:<index>: where every model trains")
    ap.add_argument("--scheduler", type=scheduler_argument, help="a Dask scheduler address (tcp://host:8786) for the batches of fits; "
                                        "default: a local process pool")
    args = ap.parse_args(argv)
    if args.device is not None:
        try:
            resolve_device(args.device)
        except ValueError as exc:
            raise SystemExit(f"--device {args.device}: {exc}") from exc

    root, folder = project_root(), notebooks_dir()
    paths = notebook_paths(args.only)  # a bad --only stops here, before build/ holds a run folder
    base = root / "build" / f"{args.profile}-seed{args.seed}"
    committed = args.profile == "paper" and args.seed == 0 and not os.environ.get("ADVAI_FIGURES_DIR")
    figures = root / "figures" if committed else Path(os.environ.get("ADVAI_FIGURES_DIR") or base / "figures")
    nb_out = folder if committed else base / "notebooks"
    params = {} if args.profile == "paper" and args.seed == 0 else {"profile": args.profile, "seed": args.seed}
    env = {k: v for k, v in os.environ.items() if k != "ADVAI_PROFILE"}
    env.setdefault("ADVAI_PROGRESS", "log")  # progress in the kernels' logs: a line per 10%, no bars
    if args.device is not None:
        env["ADVAI_DEVICE"] = args.device  # read by every fit in the kernels (advai.train.default_device)
        params["device"] = args.device
    if args.scheduler is not None:
        env["ADVAI_SCHEDULER"] = args.scheduler  # read by advai.study.parallel.run_fits in the kernels
    if args.recompute:
        env["ADVAI_RECOMPUTE"] = "1"  # read once, by advai.study.setup in each notebook's kernel
    os.environ.clear()
    os.environ.update(env)  # the kernels inherit this environment

    moved = finish_promotion(figures, nb_out)
    if moved:
        print(f"[advai] finished the promotion an interrupted run had begun: {moved} file(s) moved into "
              f"{figures}", flush=True)
    (root / "build").mkdir(exist_ok=True)
    total, work = 0.0, Path(tempfile.mkdtemp(dir=root / "build", prefix=f"run-{args.profile}-seed{args.seed}-"))
    for path in paths:
        print(f"[advai] {path.name}: profile={args.profile} seed={args.seed}", flush=True)
        try:
            done = run_notebook(path, figures, nb_out, params, work)
        except NotebookFailed as exc:
            raise SystemExit(f"[advai] {exc}") from exc
        total += done["seconds"]
        statuses = list(done["models"].values())
        for key, status in (("models trained", "trained"), ("models read back", "read back")):
            record_timings(figures, path.stem, key, sum(s.startswith(status) for s in statuses))
        for status in ("trained", "resumed", "read back"):
            runs = sorted(name for name, s in done["models"].items() if s.startswith(status))
            if runs:
                print(f"[advai]   models {status}: {len(runs)}: " + ", ".join(runs), flush=True)
        print(f"[advai] {path.name}: done in {done['seconds']:.0f} s", flush=True)
    shutil.rmtree(work)
    write_summaries(figures)
    if committed and (root / "README.md").is_file():
        missing = readme.quote_pages(root, figures)
        print(f"[advai] README and docs/ results refreshed from {figures.name}/"
              + (f"; not yet written, left as they were: {', '.join(missing)}" if missing else ""), flush=True)
    print(f"[advai] total {total:.0f} s; timings in {figures / 'timings.json'}")
    return 0
