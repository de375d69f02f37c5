"""python -m qc."""

import sys

from qc.cli import main

sys.exit(main())
