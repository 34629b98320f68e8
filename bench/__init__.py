"""Benchmarks: speed as ratios measured in one run (see DEVELOPERS.md)."""
