"""Which Python functions tier 1 takes under the ``--tier1=reach`` policy.

Tier 1 is slower than CPython, so it only pays where tier 2 can take over: in loops. Under
the default policy (``loops``) a function whose own code has no loop runs natively, and
then everything it calls runs natively too, so the loops below it are never seen: a
``main()`` without a loop that calls ``simulate()``, which loops, keeps the whole program
out of tier 2. The ``reach`` policy takes a function when its code *reaches a loop*: it
has a back edge, or a nested code object (a comprehension, an inner function) does, or it
names a module-level function, or a method of a module-level class, that reaches a loop,
a few calls deep.

This is a static guess made once per code object from the names it uses, not a call
graph: it can take a function that never calls the loop it names (it then runs in tier 1,
correctly, only slower) or miss a loop reached through a name it cannot resolve (a
parameter, an attribute of an imported module), which then runs natively as before.
"""

from cpjit._hostbuiltins import *  # noqa: F401,F403  (cpjit keeps the original builtins)

import types

from .opcodes311 import COUNTED_BACK_EDGES

# How many calls deep a name is followed: main -> run -> step -> the loop.
REACH_DEPTH = 3
_FunctionType = types.FunctionType
_CodeType = types.CodeType


def code_has_loop(code):
    """True if ``code`` has a back edge (the same test as ``CodeInfo.has_loop``)."""
    raw = code.co_code
    return any(raw[i] in COUNTED_BACK_EDGES for i in range(0, len(raw), 2))


def _methods_by_name(globals_dict):
    """Functions defined in the module's classes, by attribute name (what ``obj.name(...)``
    may call)."""
    methods = {}
    for value in list(globals_dict.values()):
        if type(value) is type or isinstance(value, type):
            try:
                items = list(vars(value).items())
            except TypeError:
                continue
            for name, attr in items:
                if type(attr) in (staticmethod, classmethod):
                    attr = attr.__func__
                if type(attr) is _FunctionType:
                    methods.setdefault(name, []).append(attr)
    return methods


class ReachesLoop:
    """``reaches_loop(code, globals)`` with the answers remembered per code object (a
    function's code keeps its globals, so one answer per code is enough)."""

    def __init__(self):
        self._answers = {}      # id(code) -> (code, bool)
        self._methods = {}      # id(globals) -> (globals, methods_by_name)

    def clear(self):
        self._answers.clear()
        self._methods.clear()

    def __call__(self, code, globals_dict):
        hit = self._answers.get(id(code))
        if hit is not None and hit[0] is code:
            return hit[1]
        answer = self._search(code, globals_dict, REACH_DEPTH, set())
        self._answers[id(code)] = (code, answer)
        return answer

    def _methods_of(self, globals_dict):
        hit = self._methods.get(id(globals_dict))
        if hit is None or hit[0] is not globals_dict:
            hit = self._methods[id(globals_dict)] = (globals_dict,
                                                     _methods_by_name(globals_dict))
        return hit[1]

    def _search(self, code, globals_dict, depth, seen):
        if id(code) in seen:
            return False
        seen.add(id(code))
        if code_has_loop(code):
            return True
        for const in code.co_consts:
            if type(const) is _CodeType and self._search(const, globals_dict, depth, seen):
                return True
        if depth == 0 or type(globals_dict) is not dict:
            return False
        methods = None
        for name in code.co_names:
            value = globals_dict.get(name)
            if type(value) is _FunctionType:
                if self._search(value.__code__, value.__globals__, depth - 1, seen):
                    return True
                continue
            if methods is None:
                methods = self._methods_of(globals_dict)
            for func in methods.get(name, ()):
                if self._search(func.__code__, func.__globals__, depth - 1, seen):
                    return True
        return False


reaches_loop = ReachesLoop()
