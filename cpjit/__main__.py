"""``python -m cpjit``: the command line (CPython counterpart: Modules/main.c)."""

import sys

if sys.version_info[:2] != (3, 11):
    sys.stderr.write(
        "cpjit: needs CPython 3.11, this is Python %d.%d.%d\n" % sys.version_info[:3])
    sys.exit(2)

from cpjit.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
