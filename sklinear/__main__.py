"""Run the command line as ``python -m sklinear``."""

import sys

from sklinear.cli import main

if __name__ == "__main__":
    sys.exit(main())
