"""JSON answers serialised by orjson, which writes dates and datetimes natively."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import Response


def orjson_response(payload: Any, status: int = 200) -> Response:
    """``payload`` as an ``application/json`` response; the route's ``response_model`` documents it."""
    return Response(orjson.dumps(payload), status_code=status, media_type="application/json")
