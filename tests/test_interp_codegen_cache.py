"""Generated handlers compiled once (cpjit/interpreter/codegen_cache.py)."""

from cpjit.interpreter.codegen_cache import CodegenCache


def _module(tmp_path, text="x = 1\n"):
    path = tmp_path / "mod.py"
    path.write_text(text)
    return str(path)


def test_compiled_once_then_loaded(tmp_path, monkeypatch):
    monkeypatch.setenv("CPJIT_STENCIL_CACHE", str(tmp_path / "cache"))
    module = _module(tmp_path)
    made = []

    def source():
        made.append(1)
        return "def f():\n    return 42\n"

    first = CodegenCache("t", module)
    ns = {}
    exec(first.compile("f", source), ns)
    assert ns["f"]() == 42 and made == [1]
    assert ns["f"].__code__.co_filename == module     # frames are the module's
    first.save()
    second = CodegenCache("t", module)
    ns = {}
    exec(second.compile("f", source), ns)
    assert ns["f"]() == 42 and made == [1]            # not compiled again
    assert not second.dirty


def test_a_changed_module_or_a_corrupt_cache_compiles_again(tmp_path, monkeypatch):
    monkeypatch.setenv("CPJIT_STENCIL_CACHE", str(tmp_path / "cache"))
    module = _module(tmp_path)
    cache = CodegenCache("t", module)
    cache.compile("y = 2\n")
    cache.save()
    (path,) = (tmp_path / "cache").glob("codegen-t-*.marshal")
    path.write_bytes(b"garbage")
    again = CodegenCache("t", module)
    assert again.codes == {}
    again.compile("y = 2\n")
    again.save()
    _module(tmp_path, "x = 2\n")                        # the module changed: new digest
    changed = CodegenCache("t", module)
    assert changed.codes == {} and changed.path != again.path
    changed.compile("y = 2\n")
    changed.save()
    assert [p.name for p in (tmp_path / "cache").glob("codegen-t-*.marshal")] == \
        [changed.path.rsplit("/", 1)[1]]               # the old cache file is gone
