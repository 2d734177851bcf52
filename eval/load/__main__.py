"""``python -m eval.load``: the web app under locust load (see ``eval.load.run``)."""
from __future__ import annotations

import sys

from eval.load.run import main

if __name__ == "__main__":
    sys.exit(main())
