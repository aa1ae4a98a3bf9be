"""Rag: explanation chunks, the environment's vector index, its evaluation, and their job."""

from __future__ import annotations

import dagster as dg

from da_platform.defs.rag.assets import rag_chunks, rag_evaluation, rag_job, rag_vector_index
from da_platform.env import Settings


def build_defs(settings: Settings) -> dg.Definitions:
    """The explanation assets and the job that rebuilds them."""
    return dg.Definitions(assets=[rag_chunks, rag_vector_index, rag_evaluation], jobs=[rag_job])
