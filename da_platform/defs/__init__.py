"""Dagster wiring: thin wrappers that turn the pure modules into assets, checks, sensors and schedules."""
