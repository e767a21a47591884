"""Harvesters for communes' sources, and the shared SCDL detector."""
