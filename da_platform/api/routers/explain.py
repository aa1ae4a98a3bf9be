"""``/rag/explain``: a question about production answered by the explain engine, with citations, or refused."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from da_platform.api.auth import AUTH_RESPONSES, Authorized
from da_platform.api.models import ExplainRequest, Explanation, Problem
from da_platform.api.state import State

router = APIRouter(tags=["explain"])


@router.post(
    "/rag/explain",
    response_model=Explanation,
    responses={**AUTH_RESPONSES, 503: {"model": Problem, "description": "explain engine unavailable"}},
    summary="Answer a question about production with citations and the facts used, or refuse",
)
async def explain(_key: Authorized, body: ExplainRequest, state: State) -> Explanation:
    # Opening the engine and answering both read the index: off the event loop.
    engine = await run_in_threadpool(state.explain.get)
    result = await run_in_threadpool(engine.explain, body.question)
    payload = result.to_dict() if hasattr(result, "to_dict") else result
    answer = Explanation.model_validate(payload)
    state.metrics.explained(answer.refused)
    return answer
