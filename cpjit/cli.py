"""The ``cpjit`` command (CPython counterpart: Modules/main.c).

Each subcommand lives in its own module and is imported only when used, so
``cpjit exec`` does not pay for the benchmark runner or the stencil builder.
"""

import sys

USAGE = """\
usage: cpjit <command> [options] ...

commands:
  exec [options] (script.py | -m module | -c code) [args...]
                      run a Python program under cpjit (see 'cpjit exec --help')
  dis [options] script.py
                      run a program and show each executor's uops and machine code
  build-stencils [--force] [--cc CLANG] [--jobs N] [--verbose]
                      compile the uop stencils with clang and write the stencil table
  bench [--filter NAME] [--runs N] [--json FILE] [--plot FILE.png]
                      run the benchmark suite against CPython

environment:
  CPJIT_CC                  the clang to build stencils with (>= 19)
  CPJIT_BACKEDGE_THRESHOLD  back edges before a loop is optimized
  CPJIT_SIDE_EXIT_THRESHOLD exits before a side exit gets its own trace
  CPJIT_TIER1=loops|reach|all  which calls tier 1 takes (like --tier1)
  CPJIT_TIER2=off|interp|jit  tier 2 mode (like --tier2; CPJIT_NO_JIT=1 is --no-jit)
  CPJIT_STATS=text|json     report statistics at exit (like --stats)
  CPJIT_STATS_FILE=PATH     write the statistics there instead of stderr
  CPJIT_UOPS_OPTIMIZE=0     turn the trace analysis passes off
  CPJIT_LLTRACE=1..4        print traces as they are projected and optimized
"""

COMMANDS = {
    "exec": "cpjit.run",
    "dis": "cpjit.dis",
    "build-stencils": "cpjit.stencil_build.build",
    "bench": "cpjit.bench",
}


def main(argv=None):
    """Dispatch ``cpjit <command>`` to the module that owns the command."""
    if argv is None:
        argv = sys.argv[1:]
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(USAGE)
        return 0 if argv else 2
    if argv[0] == "--version":
        from cpjit import __version__
        print("cpjit", __version__)
        return 0
    command, rest = argv[0], argv[1:]
    module_name = COMMANDS.get(command)
    if module_name is None:
        sys.stderr.write("cpjit: unknown command %r\n\n%s" % (command, USAGE))
        return 2
    import importlib
    module = importlib.import_module(module_name)
    return module.main(rest)


if __name__ == "__main__":
    sys.exit(main())
