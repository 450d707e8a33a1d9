#!/usr/bin/env python3
"""Build the stencil table (same as ``cpjit build-stencils``).

CPython counterpart: Tools/jit/build.py.  Thin wrapper so a source checkout
(and CMakeLists.txt) can build without installing cpjit.
"""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent))

from cpjit.stencil_build.build import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
