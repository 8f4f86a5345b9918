"""The committed figures follow the study's figure style (advai.study.plotting): every PNG in
figures/ was written at 150 dpi or more and has its PDF twin, and every figure the manifest
lists exists."""
import json
from pathlib import Path

from PIL import Image

from advai.study.plotting import SAVE_DPI

FIGURES = Path(__file__).resolve().parents[1] / "figures"


def test_every_committed_png_is_saved_at_the_study_dpi_with_a_pdf():
    pngs = sorted(FIGURES.glob("*.png"))
    assert pngs, "no committed figures"
    for png in pngs:
        dpi = Image.open(png).info.get("dpi", (0, 0))[0]
        assert dpi >= SAVE_DPI - 0.5, f"{png.name} is saved at {dpi:.0f} dpi, below {SAVE_DPI}"
        assert png.with_suffix(".pdf").exists(), f"{png.name} has no PDF"


def test_the_manifest_lists_only_files_that_exist():
    manifest = json.loads((FIGURES / "manifest.json").read_text())
    missing = [name for name in manifest if not (FIGURES / name).exists()]
    assert not missing, f"manifest.json lists files that figures/ lacks: {missing}"
