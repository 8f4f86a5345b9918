"""How long the study takes to read: for the README and every notebook, the words a reader reads
(markdown, and for a notebook also its printed text output), the printed characters, and the
reading time at 200 words a minute; the README's lines and the line where "What we found" starts.

    .venv/bin/python scripts/reading_time.py

The budgets it is read against (issue 42): README at most 2,500 words and 250 lines with its
findings in the first 60; each notebook at most 2,500 words of markdown, 4,000 characters of
printed text and 20 minutes. Code is not counted as reading (a reader skims it); figures neither.
"""
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
WORDS_A_MINUTE = 200
WORD = re.compile(r"[A-Za-z0-9][\w'’.,%/-]*")


def words(text: str) -> int:
    """Words of prose in ``text`` (runs of letters and digits; tables and formulas count by their tokens)."""
    return len(WORD.findall(text))


def printed_text(cell: dict) -> str:
    """What a code cell printed: its streams and the plain-text form of its results (not images)."""
    out = []
    for o in cell.get("outputs", []):
        if o.get("output_type") == "stream":
            out.append("".join(o.get("text", "")))
        elif o.get("output_type") in ("execute_result", "display_data"):
            data = o.get("data", {})
            if "image/png" not in data and "text/html" not in data:
                out.append("".join(data.get("text/plain", "")))
    return "".join(out)


def notebook_reading(path: Path) -> dict:
    cells = json.loads(path.read_text())["cells"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    printed = [printed_text(c) for c in cells if c["cell_type"] == "code"]
    md, pw = words(markdown), sum(words(p) for p in printed)
    return {"name": path.name, "markdown words": md, "printed characters": sum(map(len, printed)),
            "longest print (lines)": max((p.count("\n") for p in printed), default=0),
            "minutes": (md + pw) / WORDS_A_MINUTE}


def readme_reading(path: Path) -> dict:
    text = path.read_text()
    lines = text.splitlines()
    found = next((i + 1 for i, line in enumerate(lines) if line.lstrip("#").strip().lower() == "what we found"), None)
    return {"name": path.name, "words": words(text), "lines": len(lines), "what we found at line": found,
            "minutes": words(text) / WORDS_A_MINUTE}


def main() -> int:
    r = readme_reading(ROOT / "README.md")
    print(f"{r['name']}: {r['words']:,} words, {r['lines']} lines, 'What we found' at line "
          f"{r['what we found at line'] or 'none'}, {r['minutes']:.0f} min to read")
    print(f"{'notebook':34s} {'markdown words':>15s} {'printed chars':>14s} {'longest print':>14s} {'minutes':>8s}")
    for path in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")):
        n = notebook_reading(path)
        print(f"{n['name']:34s} {n['markdown words']:>15,d} {n['printed characters']:>14,d} "
              f"{n['longest print (lines)']:>10d} ln {n['minutes']:>8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
