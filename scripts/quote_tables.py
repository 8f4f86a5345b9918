"""Refresh the result tables the README quotes from ``figures/`` (run after ``make figures``).

    .venv/bin/python scripts/quote_tables.py

Every ``<!-- table: NAME -->`` ... ``<!-- /table -->`` block of README.md is replaced by the
current ``figures/NAME.md``; ``tests/test_readme_tables.py`` fails while they differ.
"""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    readme = ROOT / "README.md"
    text = readme.read_text()
    new = re.sub(r"(<!-- table: ([\w-]+) -->\n).*?(<!-- /table -->)",
                 lambda m: m[1] + (ROOT / "figures" / f"{m[2]}.md").read_text() + m[3], text, flags=re.S)
    readme.write_text(new)
    print("README tables", "refreshed" if new != text else "already current")


if __name__ == "__main__":
    main()
