"""Tests of the composition roots: team config, database, telemetry."""
