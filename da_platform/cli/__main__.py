"""``python -m da_platform.cli``: the ``datalive`` command."""

from da_platform.cli import console

console()
