"""Operational signals: Prometheus metrics."""
