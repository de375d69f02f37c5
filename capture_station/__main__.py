"""`python -m capture_station` runs the `capture-station` command."""

import sys

from capture_station.cli import main

sys.exit(main())
