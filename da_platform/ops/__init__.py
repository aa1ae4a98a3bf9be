"""Operating an environment: freshness and alerts, the audit trail, restore, retention and the disaster-recovery
drill (pure logic; the Dagster wiring is in ``da_platform.defs``)."""
