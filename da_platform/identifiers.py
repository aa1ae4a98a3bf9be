"""What a well, field or facility id may look like: one pattern for the register and the API's filters.

Ids are spelled as NPD writes them ("15/9-F-12", "VOLVE", "MÆRSK INSPIRER"): a letter or digit first
(any script), then up to 63 letters, digits, spaces, ``_``, ``/``, ``.`` or ``-``. The register is
validated against it in silver, and the API refuses any filter outside it, so every id in gold can be
asked for, and no id can start a spreadsheet formula (``=``, ``+``, ``-``, ``@``) or carry markup
(``<script>``, quotes).
"""

from __future__ import annotations

import re

# The form FastAPI's Query(pattern=...) takes (pydantic-core's regex, where $ is the end of the text).
ID_PATTERN = r"^[\w][\w /.\-]{0,63}$"
# The same for Python's re, matched whole: Python's $ also matches before a final newline.
_ID = re.compile(ID_PATTERN.removeprefix("^").removesuffix("$"))


def is_valid_id(text: object) -> bool:
    """Whether ``text`` is a string that matches :data:`ID_PATTERN` as a whole."""
    return isinstance(text, str) and _ID.fullmatch(text) is not None
