"""Run with -m by tests/test_exec_cli.py: shows what python -m gives a module."""
import os
import sys

print(__name__, __spec__.name, os.path.basename(__file__), os.path.basename(sys.argv[0]),
      sys.argv[1:], sys.path[0] == os.getcwd(), __package__ == "", type(__loader__).__name__)


def fail(kind):
    if kind == "raise":
        raise ValueError("raised in a -m module")
    if kind == "exit":
        sys.exit("exit message from -m")


if __name__ == "__main__" and sys.argv[1:]:
    fail(sys.argv[1])
