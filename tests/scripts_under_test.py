"""Load a file of ``scripts/`` as a module, so tests can call its functions (scripts are not a package)."""
import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIGURES = ROOT / "figures"


def load_script(name: str):
    """The module ``scripts/<name>.py``, executed once per call (its ``main`` is not run)."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
