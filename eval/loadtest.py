"""``python -m eval.loadtest``: the old name of ``python -m eval.load`` (the load benchmark, ``eval/load/``)."""
from __future__ import annotations

import sys

from eval.load.run import main

if __name__ == "__main__":
    sys.exit(main())
