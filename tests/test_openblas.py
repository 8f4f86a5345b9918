"""NumPy's and SciPy's OpenBLAS run the pinned kernels (advai.openblas), whatever the CPU prefers."""
import ast
import json
import os
import subprocess
import sys
from pathlib import Path

from advai import openblas

ROOT = Path(__file__).resolve().parents[1]


def fresh(code, **env):
    """Run ``code`` in a fresh interpreter with ``env`` over a copy of this environment minus
    the variables under test; return its completed process."""
    base = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_CORETYPE", "ADVAI_NUMERICS")}
    return subprocess.run([sys.executable, "-c", code], env={**base, **env}, capture_output=True, text=True,
                          check=True)


REPORT = "import advai; from advai import openblas; k = openblas.kernels(); print(len(k), sorted(set(k.values())))"


def test_import_advai_pins_numpys_and_scipys_openblas():
    out = fresh(REPORT, OPENBLAS_CORETYPE="Sandybridge")  # a setting the pin overrides
    assert out.stdout.strip() == f"2 {[openblas.CORETYPE]}" and "RuntimeWarning" not in out.stderr  # NumPy's, SciPy's


def test_native_mode_leaves_openblas_alone():
    out = fresh(REPORT, ADVAI_NUMERICS="native", OPENBLAS_CORETYPE="Sandybridge")
    assert out.stdout.strip() == "2 ['Sandybridge']"
    env = {"ADVAI_NUMERICS": "native"}
    assert openblas.pin(env) == {"OPENBLAS_CORETYPE": None} and env == {"ADVAI_NUMERICS": "native"}
    env = {"OPENBLAS_CORETYPE": "Zen"}
    assert openblas.pin(env) == {"OPENBLAS_CORETYPE": openblas.CORETYPE} == env


def test_numpy_imported_first_keeps_its_kernels_and_is_warned_about():
    out = fresh("import numpy; import advai", OPENBLAS_CORETYPE="Sandybridge")
    assert "RuntimeWarning" in out.stderr and "Sandybridge" in out.stderr and "Import advai first" in out.stderr


def imports(code: str) -> list[str]:
    """The top-level modules ``code`` imports at its top level, in order (not the standard library's)."""
    found = []
    for node in ast.parse(code).body:
        if isinstance(node, ast.Import):
            found += [a.name.split(".")[0] for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.append(node.module.split(".")[0])
    return [m for m in found if m not in sys.stdlib_module_names and m != "__future__"]


def test_every_notebook_and_script_imports_advai_before_numpy():
    """A notebook or script that imported NumPy (or anything that loads it) before advai would run
    OpenBLAS's kernels for the CPU at hand; the order is what makes the pin hold."""
    sources = {p.name: p.read_text() for p in (ROOT / "scripts").glob("*.py")}
    for path in (ROOT / "notebooks").glob("*.ipynb"):
        cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        sources[path.name] = "\n".join("".join(c["source"]) for c in cells)
    assert len(sources) >= 18
    for name, code in sources.items():
        first = imports(code)[:1]
        assert first in ([], ["advai"]), f"{name} imports {first[0]} before advai"
    assert imports("import os\nimport numpy\nimport advai\n") == ["numpy", "advai"]  # the check can fail
