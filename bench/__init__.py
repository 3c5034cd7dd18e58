"""Benchmarks of the Marketing Insights API; run them with scripts/bench (see bench/run.py)."""
