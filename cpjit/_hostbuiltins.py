"""The builtins as they were when cpjit started, for cpjit's own code.

A program may rebind or delete builtins (``builtins.len = ...``, ``del builtins.zip``).
cpjit's modules run in the same process, so each binds the builtin names it uses as its
own module globals with ``from cpjit._hostbuiltins import *``: module globals are found
before builtins, so cpjit keeps the originals. The modules' ``__builtins__`` stay the real
ones, because C code looks builtins up in the *calling frame's* builtins
(``_PyEval_GetBuiltin``: e.g. an iterator's ``__reduce__`` fetching ``iter``), and when
that frame is one of tier 1's handlers it must see the program's builtins, as under CPython.

``cpjit/__init__.py`` imports this module first, before any program runs.
"""

import builtins as _builtins

# Public names only: __import__ and __build_class__ must stay the program's (imports and
# class statements in cpjit's own code look them up in the real builtins, as CPython does).
__all__ = sorted(name for name in vars(_builtins) if not name.startswith("_"))
HOST = {name: getattr(_builtins, name) for name in __all__}
globals().update(HOST)
