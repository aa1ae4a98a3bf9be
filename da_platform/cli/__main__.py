"""``python -m da_platform.cli``: the ``datalive`` command."""

import sys

from da_platform.cli import main

sys.exit(main())
