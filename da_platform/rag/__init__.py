"""Explanations in natural language over a per-environment index (issue 4); pure Python, no Dagster.

``service.open_explainer(settings).explain(question)`` is the entry point; see README "Explanations".
"""
