"""The dashboard page, its scripts and the charting library, all served by the API itself (no CDN)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from fastapi import APIRouter, FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles

from da_platform.api.problems import ApiProblem

STATIC = Path(__file__).parent.parent / "static"

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard() -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/static/vendor/plotly.min.js")
def plotly_bundle() -> FileResponse:
    return FileResponse(
        _plotly_bundle(), media_type="text/javascript", headers={"Cache-Control": "public, max-age=86400"}
    )


def mount_static(app: FastAPI) -> None:
    """Serve ``static/`` under ``/static`` (after :data:`router`, whose plotly route it would otherwise shadow)."""
    app.mount("/static", StaticFiles(directory=STATIC), name="static")


def _plotly_bundle() -> Path:
    """plotly.js as shipped inside the ``plotly`` wheel (installed from PyPI, served locally, no CDN)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise ApiProblem(503, "Charting library missing", "the plotly package is not installed", "plotly-missing")
    return Path(next(iter(spec.submodule_search_locations))) / "package_data" / "plotly.min.js"
