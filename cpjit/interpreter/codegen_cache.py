"""Code objects that ceval generates from templates at import, compiled once.

ceval builds ~150 handlers from source templates when it is imported (one per operator,
fused statements, megamorphic twins read back with ``inspect.getsource``): ~35 ms of every
``cpjit exec`` start, a third of it. The compiled code objects only depend on ceval.py
itself and the Python version, so they are marshalled (as a .pyc is) into one file in the
stencil cache directory, named by a digest of those, and loaded at the next import. A
missing or unreadable cache just compiles again.
"""

from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import hashlib
import marshal
import os
import sys


class CodegenCache:
    """``compile`` with the results kept in ``<cache dir>/codegen-<name>-<digest>.marshal``."""

    def __init__(self, name, module_file):
        self.name = name
        self.filename = module_file
        self.codes = {}
        self.dirty = False
        self.path = None
        try:
            with open(module_file, "rb") as f:
                source = f.read()
            digest = hashlib.sha256(source + b"\0" + sys.version.encode() + b"\0" +
                                    module_file.encode()).hexdigest()[:20]
            from cpjit.stencil_build.paths import cache_dir
            self.path = os.path.join(str(cache_dir()), "codegen-%s-%s.marshal" % (name, digest))
            with open(self.path, "rb") as f:
                codes = marshal.load(f)
            if type(codes) is dict:
                self.codes = codes
        except Exception:    # no cache yet, unreadable, another Python: compile
            pass

    def compile(self, key, source=None):
        """The code object of ``source`` (or of ``source()`` when it is callable, so a
        costly source is only made on a miss), compiled under the module's file name."""
        code = self.codes.get(key)
        if code is None:
            text = source() if callable(source) else (key if source is None else source)
            code = compile(text, self.filename, "exec")
            self.codes[key] = code
            self.dirty = True
        return code

    def save(self):
        """Write the cache if anything was compiled (old caches of this name go)."""
        if not self.dirty or self.path is None:
            return
        try:
            directory = os.path.dirname(self.path)
            prefix = "codegen-%s-" % self.name
            for entry in os.listdir(directory):
                if entry.startswith(prefix) and entry.endswith(".marshal"):
                    os.unlink(os.path.join(directory, entry))
            tmp = "%s.%d.tmp" % (self.path, os.getpid())
            with open(tmp, "wb") as f:
                marshal.dump(self.codes, f)
            os.replace(tmp, self.path)
            self.dirty = False
        except OSError:
            pass
