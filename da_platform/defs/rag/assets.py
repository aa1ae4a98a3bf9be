"""Explanation assets: chunks from gold/events/runbooks, the environment's vector index, and its evaluation.

Thin wiring over ``da_platform.rag``. Asset keys are the same in every environment; the collection name
(``rag_dev``, ``rag_qa_pr<N>``, ``rag_prod``) comes from the environment through the ``rag`` resource.
"""

import dagster as dg

from da_platform import catalog
from da_platform.defs.policy import RETRY, asset_key
from da_platform.defs.resources import LakeResource, RagResource

CHUNKS_TABLE = catalog.RAG_CHUNKS.path
GOLD_DEPS = [
    asset_key(catalog.Table("gold", name))
    for name in (
        "fct_well_daily_production",
        "fct_field_daily_production",
        "fct_well_monthly_production",
        "fct_field_monthly_production",
        "dim_well",
    )
]


@dg.asset(
    key=asset_key(catalog.RAG_CHUNKS),
    group_name="rag",
    deps=[*GOLD_DEPS, asset_key(catalog.RAW_LANDED_FILES)],
    kinds={"delta", "polars"},
    retry_policy=RETRY,
    description="Report cards per field/well and day/month from gold, operator events from raw, forecast "
    "notes and runbook sections, one row per chunk with its stable id and content hash.",
)
def rag_chunks(lake: LakeResource, rag: RagResource) -> dg.MaterializeResult:
    """Cut every document of the environment into chunks and store them as a Delta table."""
    from da_platform.rag.build import chunks_frame, environment_chunks

    chunks = environment_chunks(rag.settings())
    frame = chunks_frame(chunks)
    lake.lake().overwrite(CHUNKS_TABLE, frame)
    return dg.MaterializeResult(
        metadata={"chunks": frame.height, "by_kind": dg.MetadataValue.json(dict(frame.group_by("kind").len().rows()))}
    )


@dg.asset(
    key=asset_key(catalog.RAG_VECTOR_INDEX),
    group_name="rag",
    deps=[asset_key(catalog.RAG_CHUNKS)],
    kinds={"duckdb"},
    retry_policy=RETRY,
    description="Embeddings (all-MiniLM-L6-v2, int8 ONNX) of the chunks in the environment's collection; "
    "only new or changed chunks are embedded.",
)
def rag_vector_index(lake: LakeResource, rag: RagResource) -> dg.MaterializeResult:
    """Bring the environment's collection up to date with the chunks table."""
    from da_platform.rag.build import build_index, frame_chunks

    chunks = frame_chunks(lake.lake().read(CHUNKS_TABLE))
    stats = build_index(rag.settings(), chunks=chunks)
    return dg.MaterializeResult(
        metadata={
            "collection": stats.collection,
            "chunks": stats.chunks,
            "embedded": stats.embedded,
            "model_calls": stats.model_calls,
            "unchanged": stats.unchanged,
            "removed": stats.removed,
            "seconds": round(stats.seconds, 2),
        }
    )


@dg.asset(
    key=asset_key(catalog.RAG_EVALUATION),
    group_name="rag",
    deps=[asset_key(catalog.RAG_VECTOR_INDEX)],
    kinds={"python"},
    description="Runs the committed evaluation set through the explain engine and records its scores.",
)
def rag_evaluation(context: dg.AssetExecutionContext, rag: RagResource) -> dg.MaterializeResult:
    """Score the engine (recall@5, citation validity, numeric faithfulness, driver, refusals, latency)."""
    from da_platform.rag.evaluation import TARGETS, load_eval_set, score
    from da_platform.rag.service import open_explainer

    scores = score(open_explainer(rag.settings(), use_llm=False), load_eval_set())
    if not scores.meets_targets():
        context.log.warning(f"evaluation below target: {scores.failures[:5]}")
    data = scores.as_dict()
    return dg.MaterializeResult(
        metadata={
            **{k: float(v) for k, v in data.items() if isinstance(v, int | float)},
            "meets_targets": scores.meets_targets(),
            "targets": dg.MetadataValue.json(TARGETS),
            "failures": dg.MetadataValue.json(data["failures"]),
        }
    )


rag_job = dg.define_asset_job(
    "rag_job",
    selection=dg.AssetSelection.groups("rag"),
    description="Rebuild the explanation chunks and the environment's vector index, then evaluate the engine.",
)
