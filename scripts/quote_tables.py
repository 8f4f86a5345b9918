"""Refresh the results the README and the docs/ pages quote from ``figures/`` (``make figures``
does this itself after a committed run; use this after copying tables in by hand, e.g. from a
bench script).

    .venv/bin/python scripts/quote_tables.py
"""
from pathlib import Path

from advai.study.readme import quote_pages

ROOT = Path(__file__).resolve().parents[1]

if __name__ == "__main__":
    missing = quote_pages(ROOT, ROOT / "figures")
    print("README and docs/ results refreshed" + (f"; no file yet for: {', '.join(missing)}" if missing else ""))
