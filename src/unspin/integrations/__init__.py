"""Adapters to engines and pipelines outside unspin (Ray, data-curation frameworks).

Each module here imports its framework at import time, so the core never
imports this package; it is reached lazily, by name, from the edge.
"""
