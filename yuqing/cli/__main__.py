"""`python -m yuqing.cli ...`: the same as the `yuqing` script."""

from __future__ import annotations

import sys

from yuqing.cli import main

if __name__ == "__main__":
    sys.exit(main())
