"""Errors of the stencil build (CPython's Tools/jit raises plain exceptions)."""


class BuildError(RuntimeError):
    """The stencils could not be built (compiler error, unknown relocation, ...)."""


class ToolchainNotFound(BuildError):
    """No clang >= 19 was found by any of the supported ways."""
