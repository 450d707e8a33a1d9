"""setup.py: only the build step that pyproject.toml cannot express.

Copies the stencil sources (stencils/) into the wheel as ``cpjit/_stencils``
so the lazy builder finds them after a normal install, then tries to build
the stencil table into ``cpjit/_generated`` of the wheel (needs pyelftools and
a clang >= 19 in the build environment).  A failure is reported and ignored:
cpjit builds the table on first use instead.  Editable installs use the
checkout's stencils/ directly and build lazily.
"""

import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = pathlib.Path(__file__).resolve().parent


class build_py_with_stencils(build_py):
    """build_py + stencil sources + (best effort) the stencil table."""

    def run(self):
        super().run()
        if getattr(self, "editable_mode", False):
            return
        package = pathlib.Path(self.build_lib) / "cpjit"
        sources = package / "_stencils"
        shutil.copytree(ROOT / "stencils", sources, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("_generated", "*.o"))
        if os.environ.get("CPJIT_SKIP_STENCIL_BUILD"):
            return
        env = dict(os.environ, PYTHONPATH=str(self.build_lib))
        command = [sys.executable, "-c",
                   "import sys; from cpjit.stencil_build.build import main; "
                   "sys.exit(main(['--cache-dir', sys.argv[1]]))",
                   str(package / "_generated")]
        try:
            result = subprocess.run(command, env=env, capture_output=True, text=True,
                                    timeout=900)
        except (OSError, subprocess.SubprocessError) as error:
            print("cpjit: stencil table not built at install time (%s); it will be built "
                  "on first use" % error, file=sys.stderr)
            return
        for lock in (package / "_generated").glob("*.lock"):
            lock.unlink()
        if result.returncode == 0:
            print(result.stdout.strip().splitlines()[-1])
        else:
            reason = (result.stderr.strip().splitlines() or ["unknown error"])[-1]
            print("cpjit: stencil table not built at install time (%s); it will be built "
                  "on first use" % reason, file=sys.stderr)


setup(cmdclass={"build_py": build_py_with_stencils})
