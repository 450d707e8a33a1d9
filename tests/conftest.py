"""Session-wide set-up for the test suite."""

import os
import sys

import pytest


def pytest_sessionstart(session):
    """Build (or load) the stencil table before any test runs.

    The table is built lazily on first use; doing it here means no test's own timeout
    pays for a cold build, and under pytest-xdist the workers share one build (a file
    lock serializes them). On CI a build failure stops the run: the JIT tests would
    otherwise be skipped and the run would look greener than it is.
    """
    from cpjit.stencil_build import load_stencils
    try:
        load_stencils()
    except Exception as error:  # no toolchain, build error: report it once, clearly
        message = "cpjit: the stencil table could not be built: %s: %s" % (
            type(error).__name__, error)
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.exit(message, returncode=1)
        sys.stderr.write(message + "\n(JIT tests will be skipped)\n")
