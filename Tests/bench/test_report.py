"""bench/report.py: targets are parsed strictly, a miss or a missing measurement fails `make bench` by name, RSS that
was not measured prints as n/a (never 0), and BENCHMARKS.md is rendered from the results alone."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "bench"))
import report  # noqa: E402


def sample(wall, rss_kib=20 * 1024, code=0):
    return {"wall": wall, "rss_kib": rss_kib, "cpu": wall / 2, "code": code}


def results(cold=0.40, boto3=0.9, rss_kib=20 * 1024, code=0):
    layer = {"kind": "layers", "name": "20,000 layers / 50 repositories", "blobs": 20200, "repositories": 50, "latency_ms": 20,
             "concurrency": 16, "runs": 3, "minimum": 250, "requests": [250, 250, 250, 250], "concurrency_bound_s": 0.32,
             "quota_bound_s": 0.27, "lower_bound_s": 0.32,
             "samples": {"verify-layers cold": [sample(cold, rss_kib, code), sample(cold + 0.01, rss_kib), sample(cold - 0.01, rss_kib)],
                         "boto3, 16 threads": [sample(boto3)] * 3},
             "formats": {"check --format json": [sample(0.4, None)] * 3}, "first_run": sample(0.5),
             "emulator_cpu_ms_per_request": 0.5, "client_call_ms_median": 22, "client_call_ms_p90": 25,
             "emulator_answer_ms_median": 20.5, "emulator_answer_ms_p90": 21.0}
    return {"date": "2026-12-02 08:00 UTC", "commit": "abc", "binary_version": "verify-layers 0.0.0", "runs": 3, "quick": False,
            "machine": {"arch": "x86_64", "cores": 2, "cpu": "cpu", "platform": "Linux", "python": "3.11", "load_at_start": 0.5},
            "scenarios": {"s20k": layer}, "elapsed_s": 100.0}


TARGETS = """# comment
s20k.wall_over_bound   <=  1.25  wall / bound
s20k.vs_boto3_threads  >=  2     boto3 16 / cold
s20k.rss_json_mib      <=  32    json rss
s20k.failed_runs       <=  0     all exit 0
s20k.vs_awscli         report 100  shown only
"""


def run(tmp_path, data, targets=TARGETS):
    (tmp_path / "results.json").write_text(json.dumps(data))
    (tmp_path / "targets").write_text(targets)
    md = tmp_path / "BENCHMARKS.md"
    done = subprocess.run([sys.executable, os.path.join(ROOT, "bench", "report.py"), str(tmp_path / "results.json"),
                           "--targets", str(tmp_path / "targets"), "--markdown", str(md)], capture_output=True, text=True)
    return done, md.read_text() if md.exists() else ""


def test_targets_parse_and_reject_bad_lines():
    parsed = report.parse_targets(TARGETS)
    assert [(t.metric, t.op, t.limit) for t in parsed][:2] == [("s20k.wall_over_bound", "<=", 1.25), ("s20k.vs_boto3_threads", ">=", 2.0)]
    with pytest.raises(ValueError, match="line 1"):
        report.parse_targets("s20k.x == 3 nope")
    with pytest.raises(ValueError, match="not a number"):
        report.parse_targets("s20k.x <= fast nope")


def test_the_shipped_targets_file_parses_and_names_known_metrics():
    parsed = report.parse_targets(open(os.path.join(ROOT, "bench", "targets")).read())
    assert len(parsed) >= 20
    assert {t.metric.split(".")[0] for t in parsed} == {"s20k", "s200k", "registry", "sized", "push"}


def test_a_missed_target_and_an_unmeasured_one_fail_by_name(tmp_path):
    done, md = run(tmp_path, results(cold=0.5, boto3=0.8))
    assert done.returncode == 1
    assert "MISSED s20k.wall_over_bound" in done.stderr  # 0.5 / 0.32 > 1.25
    assert "MISSED s20k.vs_boto3_threads" in done.stderr  # 0.8 / 0.5 < 2
    assert "MISSED s20k.rss_json_mib = n/a" in done.stderr  # never measured: a miss, not a pass
    assert "s20k.vs_awscli" not in done.stderr  # report-only
    assert "**MISSED**" in md


def test_all_met_exits_zero_and_renders_figures_from_the_results(tmp_path):
    data = results(cold=0.38, boto3=0.9)
    data["scenarios"]["s20k"]["formats"]["check --format json"] = [sample(0.4, 24 * 1024)] * 3
    done, md = run(tmp_path, data)
    assert done.returncode == 0, done.stderr
    assert "every target met" in done.stdout
    assert "commit `abc`" in md and "2026-12-02 08:00 UTC" in md
    assert "380 ms (370 ms-390 ms)" in md  # median (min-max) of the cold runs
    assert "24.0 MiB" in md
    assert "| 0.0 MiB" not in md


def test_a_failed_run_fails_the_bench(tmp_path):
    data = results(cold=0.38, boto3=0.9, code=69)
    data["scenarios"]["s20k"]["formats"]["check --format json"] = [sample(0.4, 24 * 1024)] * 3
    done, _ = run(tmp_path, data)
    assert done.returncode == 1
    assert "MISSED s20k.failed_runs = 1.00" in done.stderr


def test_rss_not_measured_is_na_never_zero():
    assert report.rss([sample(0.1, None)]) == "n/a"
    assert report.max_rss_mib([sample(0.1, 2048), sample(0.1, None)]) is None
    assert report.rss([sample(0.1, 2048)]) == "2.0 MiB"


def test_bench_measures_a_childs_own_peak_rss():
    sys.path.insert(0, os.path.join(ROOT, "bench"))
    import bench
    small = bench.measure([sys.executable, "-c", "pass"])
    big = bench.measure([sys.executable, "-c", "x = b'1' * (64 << 20)"])
    assert small["code"] == 0 and big["code"] == 0
    assert small["rss_kib"] < 30 * 1024, "the figure is the child's own, not the bench's"
    assert big["rss_kib"] - small["rss_kib"] > 60 * 1024
    assert bench.measure([sys.executable, "-c", "raise SystemExit(3)"])["code"] == 3


def test_the_machines_speed_is_shown_beside_the_figures_when_probed(tmp_path):
    data = results(cold=0.38, boto3=0.9)
    data["scenarios"]["s20k"]["formats"]["check --format json"] = [sample(0.4, 24 * 1024)] * 3
    data["cpu_probe_ms"] = {"s20k": 75.4, "end": 91.2}
    _, md = run(tmp_path, data)
    assert "before s20k 75 ms, at the end 91 ms" in md
    _, older = run(tmp_path, results(cold=0.38, boto3=0.9))  # a results file from before the probe: no line, no error
    assert "CPU probe" not in older
