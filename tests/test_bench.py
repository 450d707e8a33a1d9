"""Tests of the benchmark runner (``cpjit bench``), against fixture benchmarks and a fake
``cpjit exec`` whose misbehaviour each test chooses; no timing is asserted anywhere."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from cpjit import bench

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# A stand-in for ``cpjit exec``: runs the script natively, writes --stats=json counters,
# and misbehaves when FAKE_* variables tell it to (FAKE_X="name:mode,name:mode"; a name
# of "*" matches every script, including the runner's probe program).
FAKE_CPJIT = textwrap.dedent('''
    import json, os, runpy, sys
    MODES = {"--no-jit": "off", "--tier2=interp": "interp", "--tier2=jit": "jit"}
    args = sys.argv[1:]
    mode = "jit"
    extra = []
    while args and args[0].startswith("--"):
        option = args.pop(0)
        if option in MODES:
            mode = MODES[option]
        else:
            extra.append(option)
    if "--shout" in extra:
        print("SHOUTING")
    script = os.path.basename(args[0])
    name = script[3:-3] if script.startswith("bm_") else "probe"

    def wanted(var):
        for item in os.environ.get(var, "").split(","):
            if item:
                who, how = item.split(":")
                if who in (name, "*") and how == mode:
                    return True
        return False

    if wanted("FAKE_BROKEN"):
        sys.stderr.write("fake cpjit: this mode cannot start\\n")
        sys.exit(1)
    if wanted("FAKE_SLOW"):
        import time
        time.sleep(30)
    # Like cpjit exec: the run's summary on stderr; the counters either there too
    # (interp) or, like cpjit.stats, in $CPJIT_STATS_FILE under "tier2" (jit).
    stats = {"tier2_requested": mode, "tier2_active": mode != "off"}
    if wanted("FAKE_INACTIVE"):
        stats["tier2_active"] = False
        stats["tier2_unavailable"] = "fake: no optimizer here"
    counters = {"traces_created": 3, "uops_compiled": 200, "time_projection_s": 0.001,
                "time_optimization_s": 0.002, "time_stitching_s": 0.001,
                "time_tier1_s": 0.01}
    counters["engine"] = mode
    if wanted("FAKE_FALLBACK"):      # cpjit.optimizer's fallback when the JIT cannot start
        counters.update(engine="interp", jit_unavailable=1)
    if wanted("FAKE_NOTRACES"):
        counters["traces_created"] = 0
    if mode == "interp":
        counters["side_traces_created"] = 1
        stats["optimizer"] = counters
    elif mode == "jit":
        counters.update(side_traces=1, jit_code_bytes=8192, time_machine_code_s=0.005,
                        uops_machine_code_share=0.75)
    sys.argv = args
    status = 0
    try:
        runpy.run_path(args[0], run_name="__main__")
    except SystemExit as exc:
        status = exc.code if isinstance(exc.code, int) else 1
    if wanted("FAKE_WRONG"):
        print("an extra line CPython never printed")
    if wanted("FAKE_EXIT"):
        status = 3
    sys.stdout.flush()
    if os.environ.get("CPJIT_STATS") == "json" and not wanted("FAKE_NOSTATS"):
        sys.stderr.write(json.dumps({"cpjit_stats": stats}) + "\\n")
        if mode == "jit":
            with open(os.environ["CPJIT_STATS_FILE"], "w") as f:
                f.write(json.dumps({"tier2": counters}))
    sys.exit(status)
''')

TINY_BENCHMARK = textwrap.dedent('''
    import sys
    scale = float(sys.argv[1]) if len(sys.argv) > 1 else 1.0
    n = int(1000 * scale) + {offset}
    total = sum(i * i for i in range(n))
    assert total == (n - 1) * n * (2 * n - 1) // 6
    print("n=%d total=%d" % (n, total))
''')


@pytest.fixture
def suite(tmp_path):
    """Two tiny benchmarks and a fake cpjit; returns a function running ``cpjit bench``."""
    bench_dir = tmp_path / "benchmarks"
    bench_dir.mkdir()
    for offset, name in enumerate(["alpha", "beta"]):
        (bench_dir / ("bm_%s.py" % name)).write_text(TINY_BENCHMARK.format(offset=offset))
    (bench_dir / "helper.py").write_text("raise SystemExit('not a benchmark')\n")
    fake = tmp_path / "fake_cpjit.py"
    fake.write_text(FAKE_CPJIT)

    def run(*extra, runs=2):
        out = tmp_path / "report.json"
        argv = ["--benchmarks", str(bench_dir), "--cpjit", "%s %s" % (sys.executable, fake),
                "--runs", str(runs), "--scale", "0.5", "--json", str(out), "--quiet"]
        status = bench.main(argv + list(extra))
        return status, json.loads(out.read_text())

    run.bench_dir = bench_dir
    return run


def cell(report, name, mode):
    (entry,) = [b for b in report["benchmarks"] if b["name"] == name]
    return entry["results"][mode]


def test_tiny_suite_all_modes_json_shape(suite, capsys):
    status, report = suite()
    assert status == 0
    assert report["format_version"] == bench.JSON_FORMAT_VERSION
    assert report["runs"] == 2 and report["scale"] == 0.5
    assert [b["name"] for b in report["benchmarks"]] == ["alpha", "beta"]
    assert set(report["modes"]) == {"cpython", "tier1", "tier2-interp", "jit"}
    assert all(info["available"] for info in report["modes"].values())
    for b in report["benchmarks"]:
        assert list(b["results"]) == ["cpython", "tier1", "tier2-interp", "jit"]
        for mode, c in b["results"].items():
            assert c["status"] == "ok", (b["name"], mode, c)
            assert len(c["times_s"]) == 2
            assert c["min_s"] <= c["median_s"] <= c["max_s"]
            assert c["peak_rss_kb"] > 1000   # a Python process, in KB
            assert c["ratio"] > 0
        assert b["results"]["cpython"]["ratio"] == 1.0
    jit = cell(report, "alpha", "jit")["counters"]
    assert jit["traces_created"] == 3 and jit["machine_code_bytes"] == 8192
    assert jit["side_traces_created"] == 1 and jit["uops_machine_code_share"] == 0.75
    assert jit["time_compile_s"] == pytest.approx(0.004)
    assert jit["compile_us_per_uop"] == pytest.approx(20.0)
    assert jit["time_share"]["machine_code"] is not None
    # Counters printed on stderr (the interp mode of the fake) are read too.
    interp = cell(report, "beta", "tier2-interp")["counters"]
    assert interp["uops_compiled"] == 200 and interp["side_traces_created"] == 1
    assert interp["machine_code_bytes"] is None
    assert cell(report, "beta", "tier1")["counters"]["traces_created"] is None
    for mode in ("tier1", "tier2-interp", "jit"):
        geo = report["geometric_mean_ratio"][mode]
        assert geo["benchmarks"] == 2 and geo["of"] == 2 and geo["ratio"] > 0
    table = capsys.readouterr().out
    assert "geometric mean" in table and "alpha" in table and "FAILED" not in table


def test_peak_rss_is_the_childs_own(suite):
    """Linux folds the peak RSS of the process a child was forked from into the child's
    ru_maxrss: make the runner big, and check small children still report small peaks."""
    (suite.bench_dir / "bm_big.py").write_text(
        "block = b'x' * 120_000_000\nprint(len(block))\n")
    ballast = b"y" * 250_000_000   # the runner's (this process's) peak RSS now > 250 MB
    status, report = suite("--modes", "tier1", runs=1)
    del ballast
    assert status == 0
    small = cell(report, "alpha", "cpython")["peak_rss_kb"]
    big = cell(report, "big", "cpython")["peak_rss_kb"]
    assert small < 100_000, small
    assert 120_000 < big < 250_000, big
    assert cell(report, "big", "tier1")["peak_rss_kb"] > 120_000


def test_scale_reaches_the_benchmark(suite, tmp_path):
    # The runner passes --scale as argv[1]: n = 1000 * 0.5 + offset.
    out = subprocess.run([sys.executable, str(suite.bench_dir / "bm_beta.py"), "0.5"],
                         capture_output=True, text=True, check=True).stdout
    assert out.startswith("n=501 ")


def test_wrong_output_is_a_failure_not_a_timing(suite, monkeypatch, capsys):
    monkeypatch.setenv("FAKE_WRONG", "beta:jit")
    status, report = suite()
    assert status == 1
    failed = cell(report, "beta", "jit")
    assert failed["status"] == "FAILED"
    assert "stdout differs" in failed["reason"]
    assert "median_s" not in failed and "ratio" not in failed
    assert cell(report, "alpha", "jit")["status"] == "ok"
    assert cell(report, "beta", "tier1")["status"] == "ok"
    assert report["geometric_mean_ratio"]["jit"]["benchmarks"] == 1
    captured = capsys.readouterr()
    assert "FAILED" in captured.out and "beta" in captured.err


def test_exit_status_difference_is_a_failure(suite, monkeypatch):
    monkeypatch.setenv("FAKE_EXIT", "alpha:off")
    status, report = suite(runs=1)
    assert status == 1
    failed = cell(report, "alpha", "tier1")
    assert failed["status"] == "FAILED" and "exit status 3" in failed["reason"]


def test_mode_that_cannot_start_is_reported_not_available(suite, monkeypatch, capsys):
    monkeypatch.setenv("FAKE_BROKEN", "*:interp")
    status, report = suite(runs=1)
    assert status == 0
    info = report["modes"]["tier2-interp"]
    assert info["available"] is False and "cannot start" in info["reason"]
    assert cell(report, "alpha", "tier2-interp")["status"] == "not available"
    assert report["geometric_mean_ratio"]["tier2-interp"]["ratio"] is None
    assert cell(report, "alpha", "jit")["status"] == "ok"
    out = capsys.readouterr().out
    assert "NOT AVAILABLE" in out
    assert "tier2-interp  not available" in out   # in the geometric-mean summary


def test_tier2_mode_without_tier2_is_not_available(suite, monkeypatch):
    # cpjit runs, but says tier 2 is off (jit), or gives no counters at all (interp).
    monkeypatch.setenv("FAKE_INACTIVE", "*:jit")
    monkeypatch.setenv("FAKE_NOSTATS", "*:interp")
    status, report = suite(runs=1)
    assert report["modes"]["jit"]["available"] is False
    assert report["modes"]["jit"]["reason"] == "fake: no optimizer here"
    assert report["modes"]["tier2-interp"]["available"] is False
    assert "no tier-2 counters" in report["modes"]["tier2-interp"]["reason"]
    assert report["modes"]["tier1"]["available"] is True


def test_jit_mode_falling_back_to_the_uop_interpreter_is_not_available(suite, monkeypatch):
    monkeypatch.setenv("FAKE_FALLBACK", "*:jit")
    status, report = suite(runs=1)
    assert report["modes"]["jit"]["available"] is False
    assert "'interp' engine" in report["modes"]["jit"]["reason"]
    assert "could not be set up" in report["modes"]["jit"]["reason"]
    assert report["modes"]["tier2-interp"]["available"] is True


def test_tier2_mode_without_traces_is_noted(suite, monkeypatch, capsys):
    monkeypatch.setenv("FAKE_NOTRACES", "alpha:interp")
    status, report = suite(runs=1)
    assert status == 0
    assert cell(report, "alpha", "tier2-interp")["counters"]["traces_created"] == 0
    lines = [l for l in capsys.readouterr().out.splitlines() if "no traces" in l]
    assert len(lines) == 1 and "tier2-interp" in lines[0]


def test_tier2_losing_its_counters_in_a_benchmark_is_not_timed(suite, monkeypatch):
    monkeypatch.setenv("FAKE_INACTIVE", "beta:jit")
    status, report = suite(runs=1)
    assert report["modes"]["jit"]["available"] is True
    assert cell(report, "beta", "jit")["status"] == "not available"
    assert "ratio" not in cell(report, "beta", "jit")


def test_exec_options_reach_every_cpjit_run(suite):
    # The fake prints an extra line when given --shout: every cpjit run now differs.
    status, report = suite("--exec-option=--shout", "--modes", "tier1,jit", runs=1)
    assert report["modes"]["jit"]["options"] == ["--tier2=jit", "--shout"]
    assert report["modes"]["jit"]["available"] is False   # the probe's output differs too
    assert "SHOUTING" in report["modes"]["tier1"]["reason"]


def test_timeout_is_reported(suite, monkeypatch):
    monkeypatch.setenv("FAKE_SLOW", "alpha:jit")
    status, report = suite("--modes", "jit", "--timeout", "2", runs=1)
    assert cell(report, "alpha", "jit")["status"] == "timeout"
    assert cell(report, "beta", "jit")["status"] == "ok"
    assert list(report["modes"]) == ["cpython", "jit"]


def test_benchmark_failing_under_cpython(suite):
    (suite.bench_dir / "bm_broken.py").write_text("print('x')\nraise ValueError('oops')\n")
    status, report = suite("--filter", "broken", runs=1)
    assert status == 1
    assert [b["name"] for b in report["benchmarks"]] == ["broken"]
    assert cell(report, "broken", "cpython")["status"] == "cpython error"
    assert "ValueError: oops" in cell(report, "broken", "cpython")["reason"]
    assert cell(report, "broken", "jit")["status"] == "cpython error"


def test_plot_without_matplotlib_says_so(suite, monkeypatch, tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)   # import now raises ImportError
    status, report = suite("--modes", "tier1", "--plot", str(tmp_path / "chart.png"), runs=1)
    assert status == 1
    assert not (tmp_path / "chart.png").exists()
    assert "needs matplotlib" in capsys.readouterr().err
    assert cell(report, "alpha", "tier1")["status"] == "ok"   # the JSON is still written


def test_plot_with_matplotlib(suite, tmp_path):
    pytest.importorskip("matplotlib")
    png = tmp_path / "chart.png"
    status, _ = suite("--modes", "tier1,jit", "--plot", str(png), runs=1)
    assert status == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_extract_stats_merges_file_and_stderr_line():
    line = b'{"cpjit_stats": {"tier2_active": true, "optimizer": {"traces_created": 4}}}\n'
    stats, err = bench.extract_stats(None, b"warning\n" + line)
    assert stats["tier2_active"] is True and err == b"warning\n"
    assert bench.find_number(stats, "traces_created") == 4
    stats, err = bench.extract_stats(b'{"tier2": {"traces_created": 9, "jit_code_bytes": 64}}',
                                     line)
    assert stats["tier2_active"] is True and err == b""
    assert bench.find_number(stats, "traces_created") in (4, 9)
    assert bench.find_number(stats, "machine_code_bytes") == 64     # an accepted alias
    assert bench.extract_stats(b"not json", b"Traceback\n") == (None, b"Traceback\n")
    assert bench.find_number({"a": {"x": True}}, "x") is None   # bools are not counters


def test_command_line_errors():
    with pytest.raises(SystemExit) as exc:
        bench.parse_args(["--modes", "tier1,turbo"])
    assert exc.value.code == 2
    with pytest.raises(SystemExit):
        bench.parse_args(["--runs", "0"])
    proc = subprocess.run([sys.executable, "-m", "cpjit", "bench", "--help"], cwd=REPO,
                          capture_output=True, text=True)
    assert proc.returncode == 0 and "--timeout" in proc.stdout


def test_real_suite_programs_check_themselves_under_cpython():
    """Each program of the real suite, tiny, under plain CPython: exits 0, deterministic."""
    programs = bench.discover(bench.default_benchmark_dir(), [])
    assert len(programs) >= 12
    for name, path in programs:
        runs = [subprocess.run([sys.executable, path, "0.01"], capture_output=True, text=True,
                               timeout=60) for _ in range(2)]
        assert runs[0].returncode == 0, (name, runs[0].stderr)
        assert runs[0].stdout.strip(), name
        assert runs[0].stdout == runs[1].stdout, name
    # BENCH_SCALE is the other way to size a program.
    env = dict(os.environ, BENCH_SCALE="0.01")
    via_env = subprocess.run([sys.executable, programs[0][1]], capture_output=True, text=True,
                             env=env)
    via_argv = subprocess.run([sys.executable, programs[0][1], "0.01"], capture_output=True,
                              text=True)
    assert via_env.stdout == via_argv.stdout and via_env.returncode == 0
