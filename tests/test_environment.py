"""The conda route (environment.yml) and the pip route (requirements*.txt) pin the same packages."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def pins(lines):
    out = {}
    for line in lines:
        line = line.split("#")[0].strip().lstrip("-").strip()
        m = re.fullmatch(r"([A-Za-z0-9_.\-]+)==([^\s]+)", line)
        if m:
            out[m.group(1).lower().replace("_", "-")] = m.group(2)
    return out


def conda_pip_section():
    text = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, l in enumerate(text) if l.strip() == "- pip:")
    return [l for l in text[start + 1:] if l.strip().startswith("- ")]


def test_environment_yml_matches_requirements():
    req = pins((ROOT / "requirements.txt").read_text().splitlines())
    conda = pins(conda_pip_section())
    assert req and conda == req
    assert any("-c requirements-lock.txt" in l for l in conda_pip_section())
    assert "python=3.11" in (ROOT / "environment.yml").read_text()


def test_lock_agrees_with_direct_pins():
    req = pins((ROOT / "requirements.txt").read_text().splitlines())
    lock = pins((ROOT / "requirements-lock.txt").read_text().splitlines())
    for name, version in req.items():
        assert lock.get(name) == version, f"{name}: requirements.txt {version} vs lock {lock.get(name)}"
    assert req["torch"] == "2.13.0+cpu"  # the CPU build, named explicitly
