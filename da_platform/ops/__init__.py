"""Operating an environment: audit trail, restore, retention and the disaster-recovery drill."""
