"""Operating the platform: freshness, alerts (pure logic; the Dagster wiring is in ``da_platform.defs``)."""
