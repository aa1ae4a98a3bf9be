"""DatAlive: an open production-analytics lakehouse for oil and gas operators."""
