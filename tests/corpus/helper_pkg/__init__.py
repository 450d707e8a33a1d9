"""A package run with -m (its __main__ runs)."""
