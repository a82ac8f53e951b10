"""Escalation history (HubSpot or an export) -> DuckDB -> metrics, charts, reviews."""
