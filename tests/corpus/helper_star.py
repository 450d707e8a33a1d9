"""Helper without __all__: `import *` takes every public name."""

alpha = 1
beta = "two"
_gamma = 3


def delta(x):
    return x * 10
