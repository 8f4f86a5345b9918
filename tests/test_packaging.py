"""A wheel built from the package files holds every module of advai, and each imports from the wheel alone."""
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_every_module_and_each_imports_from_it(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "advai", src / "advai", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "-w", str(tmp_path / "dist"), str(src)], check=True, capture_output=True)
    (wheel,) = (tmp_path / "dist").glob("advai-*.whl")
    in_wheel = {n for n in zipfile.ZipFile(wheel).namelist() if n.endswith(".py")}
    in_tree = {p.relative_to(ROOT).as_posix() for p in (ROOT / "advai").rglob("*.py")}
    assert in_tree and in_tree == in_wheel, sorted(in_tree ^ in_wheel)

    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    modules = sorted(p[:-3].replace("/", ".").removesuffix(".__init__") for p in in_wheel
                     if not p.endswith("__main__.py"))
    code = ("import importlib, advai, pathlib; "
            f"assert pathlib.Path(advai.__file__).is_relative_to({str(site)!r}), advai.__file__; "
            f"[importlib.import_module(m) for m in {modules!r}]; print(len({modules!r}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env={"PYTHONPATH": str(site), "MPLBACKEND": "Agg"},
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert int(out.stdout) == len(modules) > 20
