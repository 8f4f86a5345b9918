"""A wheel built from the package files holds every module of advai, each imports from the wheel
alone, and it installs the batch command ``advai-study``; pyproject declares what the package imports."""
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_the_wheel_holds_every_module_and_each_imports_from_it(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):  # only what the wheel is built from
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

    prefix = tmp_path / "prefix"  # installed as pip installs it, console script included
    # --ignore-installed: without it pip uninstalls the project's own editable install first
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-compile", "--ignore-installed",
                    "--quiet", "--prefix",
                    str(prefix), str(wheel)], check=True, capture_output=True)
    (site_packages,) = prefix.glob("lib/python*/site-packages")
    out = subprocess.run([str(prefix / "bin" / "advai-study"), "--help"], cwd=tmp_path, capture_output=True, text=True,
                         env={"PYTHONPATH": str(site_packages), "MPLBACKEND": "Agg", "PATH": "/usr/bin:/bin"})
    assert out.returncode == 0, out.stderr
    assert "--profile" in out.stdout and "--only" in out.stdout and "--device" in out.stdout
    where = subprocess.run([sys.executable, "-c", "import advai; print(advai.__file__)"], cwd=tmp_path,
                           capture_output=True, text=True)
    assert where.stdout.strip() == str(ROOT / "advai" / "__init__.py"), "the project's own install was disturbed"


#: import name -> distribution name, where they differ
DISTRIBUTIONS = {"ot": "pot", "sklearn": "scikit-learn"}


def test_pyproject_declares_every_package_that_advai_imports():
    import ast

    imported = set()
    for path in (ROOT / "advai").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                imported.add(node.module.split(".")[0])
    third_party = {DISTRIBUTIONS.get(n, n) for n in imported - set(sys.stdlib_module_names) - {"advai"}}
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {d.split("=")[0].split("<")[0].split(">")[0].strip()
                for d in project["dependencies"] + project["optional-dependencies"]["cluster"]}
    assert third_party and third_party <= declared, sorted(third_party - declared)
    assert project["scripts"]["advai-study"] == "advai.study.driver:main"
