"""Toolchain discovery order and version checks (fake compilers, no compiling)."""

import os
import stat

import pytest

from cpjit.stencil_build.errors import ToolchainNotFound
from cpjit.stencil_build.toolchain import find_toolchain


def fake_clang(directory, name, version):
    path = directory / name
    path.write_text("#!/bin/sh\necho 'clang version %s (fake)'\necho 'Target: x86_64'\n" % version)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)
    return path


def test_cc_option_beats_environment_which_beats_ziglang(tmp_path):
    cc = fake_clang(tmp_path, "my-clang", "20.1.2")
    env_cc = fake_clang(tmp_path, "env-clang", "21.0.0")
    found = find_toolchain(str(cc), environ={"CPJIT_CC": str(env_cc)})
    assert found.command == (str(cc),) and found.origin == "--cc"
    assert found.version == (20, 1, 2) and found.describe() == "clang 20.1.2 (--cc)"
    found = find_toolchain(None, environ={"CPJIT_CC": str(env_cc) + " --extra-arg"})
    assert found.command == (str(env_cc), "--extra-arg") and found.origin == "$CPJIT_CC"


def test_ziglang_comes_before_path(tmp_path, monkeypatch):
    pytest.importorskip("ziglang")
    fake_clang(tmp_path, "clang", "25.0.0")
    monkeypatch.setenv("PATH", str(tmp_path))
    found = find_toolchain(None, environ={})
    assert found.origin == "ziglang" and found.version[0] >= 19


def test_path_clang_is_version_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    fake_clang(tmp_path, "clang", "18.1.8")
    with pytest.raises(ToolchainNotFound, match=r"clang 18\.1\.8, too old"):
        find_toolchain(None, environ={}, use_ziglang=False)
    fake_clang(tmp_path, "clang-19", "19.1.7")
    found = find_toolchain(None, environ={}, use_ziglang=False)
    assert found.command == (os.path.join(str(tmp_path), "clang-19"),)
    assert found.origin == "PATH"


def test_explicit_old_or_broken_compilers_are_refused(tmp_path):
    old = fake_clang(tmp_path, "old", "17.0.1")
    with pytest.raises(ToolchainNotFound, match="is clang 17.0.1; clang >= 19"):
        find_toolchain(str(old), environ={})
    with pytest.raises(ToolchainNotFound, match="not a working clang"):
        find_toolchain(str(tmp_path / "missing"), environ={})
