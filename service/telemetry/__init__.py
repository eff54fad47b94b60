"""Prometheus metrics and JSON logging."""
