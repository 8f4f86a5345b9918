"""``python -m advai.study``: the batch command (see :mod:`advai.study.driver`)."""
import sys

from .driver import main

sys.exit(main())
