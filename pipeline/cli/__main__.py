"""`python -m pipeline.cli`: the `stance` command."""

import sys

from pipeline.cli import main

sys.exit(main())
