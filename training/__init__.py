"""Training and evaluation: datasets, heads, packs built from labelled data, reports."""
