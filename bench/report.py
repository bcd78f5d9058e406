#!/usr/bin/env python3
"""Turns bench/bench.py's results into figures: checks them against bench/targets and writes BENCHMARKS.md.

  report.py RESULTS.json [--targets bench/targets] [--markdown BENCHMARKS.md]
Exits 1 naming every missed target (a target whose metric the run did not measure is missed too).
Every figure in the Markdown comes from the results file; nothing is typed by hand.
"""
import argparse
import json
import os
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
MIB = 1024


class Target:
    def __init__(self, metric, op, limit, text):
        self.metric, self.op, self.limit, self.text = metric, op, limit, text

    def met(self, value):
        if self.op == "report":
            return True
        if value is None:
            return False
        return value <= self.limit if self.op == "<=" else value >= self.limit


def parse_targets(text):
    targets = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 3)
        if len(parts) < 3 or parts[1] not in ("<=", ">=", "report"):
            raise ValueError(f"bench/targets line {number}: expected `metric <=|>=|report limit description`: {line}")
        try:
            limit = float(parts[2])
        except ValueError:
            raise ValueError(f"bench/targets line {number}: the limit {parts[2]!r} is not a number") from None
        targets.append(Target(parts[0], parts[1], limit, parts[3] if len(parts) > 3 else ""))
    return targets


def walls(samples):
    return [s["wall"] for s in samples]


def median_wall(samples):
    return statistics.median(walls(samples)) if samples else None


def max_rss_mib(samples):
    values = [s["rss_kib"] for s in samples if s.get("rss_kib")]
    return max(values) / MIB if values and len(values) == len(samples) else None


def failed(*groups):
    return sum(1 for group in groups for samples in group.values() for s in samples if s["code"] != 0)


def ratio(a, b):
    return a / b if a is not None and b else None


def metrics(results):
    """metric name -> value (None when the run did not measure it)."""
    m = {}
    scenarios = results.get("scenarios", {})
    for key in ("s20k", "s200k"):
        s = scenarios.get(key)
        if not s:
            continue
        cold = median_wall(s["samples"].get("verify-layers cold", []))
        m[f"{key}.failed_runs"] = failed(s["samples"], s.get("formats", {}))
        m[f"{key}.requests_extra"] = max(s["requests"]) - s["minimum"] if s["requests"] else None
        m[f"{key}.wall_over_bound"] = ratio(cold, s["lower_bound_s"])
        m[f"{key}.vs_boto3_threads"] = ratio(median_wall(s["samples"].get("boto3, 16 threads", [])), cold)
        m[f"{key}.vs_boto3_sequential"] = ratio(median_wall(s["samples"].get("boto3, sequential", [])), cold)
        m[f"{key}.vs_awscli"] = ratio(median_wall(s["samples"].get("AWS CLI loop", [])), cold)
        m[f"{key}.rss_mib"] = max_rss_mib(s["samples"].get("verify-layers cold", []))
        for name, samples in s.get("formats", {}).items():
            m[f"{key}.rss_{name.split()[-1]}_mib"] = max_rss_mib(samples)
    m["s200k.rss_over_20k"] = ratio(m.get("s200k.rss_mib"), m.get("s20k.rss_mib"))
    m["s200k.rss_json_over_text"] = ratio(m.get("s200k.rss_json_mib"), m.get("s200k.rss_mib"))
    sized = scenarios.get("sized")
    if sized:
        packed, lfs = sized.get("packed", {}).get("samples", {}), sized.get("lfs", {}).get("samples", {})
        m["sized.failed_runs"] = failed(packed, lfs)
        m["sized.packed_wall_over_floor"] = ratio(median_wall(packed.get("verify-layers cold", [])),
                                                  median_wall(packed.get("git cat-file --batch | sha256sum", [])))
        rss = max_rss_mib(packed.get("verify-layers cold", []))
        m["sized.packed_rss_over_blob_mib"] = rss - sized["packed"]["largest_bytes"] / (1 << 20) if rss is not None else None
        present = median_wall(lfs.get("verify-layers cold, LFS objects present", []))
        pointers = median_wall(lfs.get("verify-layers cold, pointers only", []))
        m["sized.lfs_extra_ms"] = (present - pointers) * 1000 if present is not None and pointers is not None else None
        m["sized.lfs_rss_mib"] = max_rss_mib(lfs.get("verify-layers cold, LFS objects present", []))
    registry = scenarios.get("registry")
    if registry:
        ours = median_wall(registry["samples"].get("verify-layers cold, --via registry", []))
        m["registry.failed_runs"] = failed(registry["samples"])
        m["registry.requests_extra"] = max(registry["requests"]) - registry["minimum"] if registry["requests"] else None
        m["registry.wall_over_bound"] = ratio(ours, registry["lower_bound_s"])
        m["registry.vs_requests_threads"] = ratio(median_wall(registry["samples"].get("requests HEAD, 16 threads", [])), ours)
    push = scenarios.get("push")
    if push:
        m["push.failed_runs"] = failed(push["new_branch"], push["noop"])
        m["push.requests_extra"] = max(push["requests"]) - push["minimum"] if push["requests"] else None
        ours = median_wall(push["new_branch"].get("verify-layers pre-push, cold", []))
        m["push.new_branch_s"] = ours
        m["push.new_branch_vs_lfs"] = ratio(median_wall(push["new_branch"].get("git lfs pre-push", [])), ours)
        noop = median_wall(push["noop"].get("verify-layers pre-push", []))
        m["push.noop_ms"] = noop * 1000 if noop is not None else None
        m["push.noop_vs_lfs"] = ratio(median_wall(push["noop"].get("git lfs pre-push", [])), noop)
    return m


def seconds(value):
    if value is None:
        return "n/a"
    return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"


def spread(samples):
    """median (min-max) of the walls."""
    if not samples:
        return "n/a"
    w = walls(samples)
    return f"{seconds(statistics.median(w))} ({seconds(min(w))}-{seconds(max(w))})"


def rss(samples):
    value = max_rss_mib(samples)
    return "n/a" if value is None else f"{value:.1f} MiB"


def number(value, digits=2):
    if value is None:
        return "n/a"
    return f"{value:.{digits}f}"


def cell(text):
    """Text inside a Markdown table cell: a pipe would end the cell."""
    return text.replace("|", "\\|")


def tool_table(samples, reference=None):
    lines = [f"| tool | runs | wall median (min-max) | peak RSS (max) | CPU median | exit codes | wall / {reference or 'n/a'} |",
             "|---|---|---|---|---|---|---|"]
    base = median_wall(samples.get(reference, [])) if reference else None
    for name, runs in samples.items():
        cpu = statistics.median(s["cpu"] for s in runs) if runs else None
        codes = sorted({s["code"] for s in runs})
        versus = ratio(median_wall(runs), base) if base else None
        lines.append(f"| {cell(name)} | {len(runs)} | {spread(runs)} | {rss(runs)} | {seconds(cpu)} | {codes} | "
                     f"{(number(versus) + 'x') if versus else ''} |")
    return "\n".join(lines)


def render(results, targets, values):
    machine = results["machine"]
    out = [open(os.path.join(HERE, "BENCHMARKS.head.md")).read().rstrip(), ""]
    out.append(f"## Latest run: {results['date']}, commit `{results['commit']}`")
    out.append("")
    out.append(f"Machine: {machine['arch']}, {machine['cores']} cores ({machine['cpu'] or 'unknown CPU'}), {machine['platform']}, "
               f"Python {machine['python']}; load average at start {number(machine['load_at_start'])}. Binary: `{results['binary_version']}`. "
               f"Every tool in a scenario ran {results['runs']} times (pre-push: at least 5, no-op: at least 10), interleaved round by round. "
               f"Whole run: {seconds(results.get('elapsed_s'))}.")
    probes = results.get("cpu_probe_ms") or {}
    if probes:
        out.append("")
        out.append("CPU probe (one core, sha256 of 64 MiB, the same work in every run: a higher figure means a busier or slower "
                   "machine than another run's): " + ", ".join(f"before {key} {value:.0f} ms" if key != "end" else f"at the end {value:.0f} ms"
                                                              for key, value in probes.items()) + ".")
    out.append("")
    out.append("### Targets (bench/targets)")
    out.append("")
    out.append("| target | measured | limit | result |")
    out.append("|---|---|---|---|")
    for t in targets:
        value = values.get(t.metric)
        verdict = "reported" if t.op == "report" else ("met" if t.met(value) else "**MISSED**")
        limit = f"{t.op} {t.limit:g}" if t.op != "report" else f"(~{t.limit:g})"
        out.append(f"| `{t.metric}`: {cell(t.text)} | {number(value)} | {limit} | {verdict} |")
    out.append("")
    for key, s in results["scenarios"].items():
        if s["kind"] == "layers":
            out.append(f"### {s['name']}")
            out.append("")
            out.append(f"{s['blobs']:,} distinct blobs; {s['latency_ms']} ms injected latency; concurrency {s['concurrency']}; requests sent "
                       f"{sorted(set(s['requests']))} vs the minimum {s['minimum']}; lower bound {seconds(s['lower_bound_s'])} = max(concurrency "
                       f"bound {seconds(s['concurrency_bound_s'])}, quota bound {seconds(s['quota_bound_s'])}).")
            out.append("")
            out.append(tool_table(s["samples"], "verify-layers cold"))
            if s.get("formats"):
                out.append("")
                out.append("Report formats (cold, report to a file):")
                out.append("")
                out.append(tool_table(s["formats"]))
            out.append("")
            out.append(f"Emulator: {number(s['emulator_cpu_ms_per_request'], 3)} ms of its own CPU per request (during the cold runs); "
                       f"arrival-to-answer median {number(s['emulator_answer_ms_median'], 1)} ms / p90 {number(s['emulator_answer_ms_p90'], 1)} ms; "
                       f"per call as verify-layers sees it median {number(s['client_call_ms_median'], 0)} ms / p90 {number(s['client_call_ms_p90'], 0)} ms.")
            if s.get("first_call_ms") is not None:
                out.append("")
                out.append(f"Cold runs (median): the first call arrived {number(s['first_call_ms'], 0)} ms after the start; from then to the "
                           f"last answer, {number(s.get('in_flight_mean'), 1)} calls were in flight on average (concurrency {s['concurrency']}).")
            out.append("")
        elif s["kind"] == "registry":
            out.append(f"### {s['name']}")
            out.append("")
            out.append(f"{s['blobs']:,} distinct blobs in {s['repositories']} repositories; {s['latency_ms']} ms latency; concurrency {s['concurrency']}; "
                       f"registry requests {sorted(set(s['requests']))} vs the minimum {s['minimum']} (one GET /v2/, a token per repository, a HEAD "
                       f"per blob); lower bound {seconds(s['lower_bound_s'])} = (2 + ceil(blobs / concurrency)) x latency.")
            out.append("")
            out.append(tool_table(s["samples"], "verify-layers cold, --via registry"))
            out.append("")
        elif s["kind"] == "sized":
            for variant, title in (("packed", "committed in git, packed"), ("lfs", "through Git LFS")):
                v = s.get(variant)
                if not v:
                    continue
                out.append(f"### Real layer sizes, {title}")
                out.append("")
                out.append(f"{v['layers']} layers, {v['total_bytes'] / (1 << 20):.0f} MiB in all, the largest {v['largest_bytes'] / (1 << 20):.0f} MiB; "
                           f"{s['latency_ms']} ms latency.")
                out.append("")
                out.append(tool_table(v["samples"], "verify-layers cold" if variant == "packed" else None))
                out.append("")
        elif s["kind"] == "push":
            out.append(f"### pre-push")
            out.append("")
            out.append(f"A new branch of {s['commits'] - 1:,} commits introducing {s['outputs']} image outputs ({s['layers']:,} layers), pushed to an "
                       f"empty remote, {s['latency_ms']} ms latency; requests {sorted(set(s['requests']))} vs the minimum {s['minimum']}:")
            out.append("")
            out.append(tool_table(s["new_branch"]))
            out.append("")
            out.append("No-op push (one new commit on top of the remote's tip, touching no image output):")
            out.append("")
            out.append(tool_table(s["noop"]))
            out.append("")
    return "\n".join(out) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("results")
    ap.add_argument("--targets", default=os.path.join(HERE, "targets"))
    ap.add_argument("--markdown", help="write the Markdown here (BENCHMARKS.md)")
    args = ap.parse_args()
    results = json.load(open(args.results))
    targets = parse_targets(open(args.targets).read())
    values = metrics(results)
    if args.markdown:
        text = render(results, targets, values)
        # The start-up section is bench/startup.sh's (the release binary's figures): kept as that run wrote it.
        try:
            old = open(args.markdown).read()
        except OSError:
            old = ""
        begin, end = "<!-- startup:begin -->", "<!-- startup:end -->"
        if begin in old and end in old and begin not in text:
            section = old[old.index(begin):old.index(end) + len(end)]
            text = text.rstrip("\n") + "\n\n" + section + "\n"
        with open(args.markdown, "w") as f:
            f.write(text)
    missed = []
    for t in targets:
        value = values.get(t.metric)
        state = "report" if t.op == "report" else ("ok" if t.met(value) else "MISSED")
        print(f"{state:7} {t.metric:32} {number(value):>9}  {t.op} {t.limit:g}  {t.text}")
        if state == "MISSED":
            missed.append(f"{t.metric} = {number(value)} (target {t.op} {t.limit:g}: {t.text})")
    if missed:
        print(f"\nmake bench: {len(missed)} target(s) missed:", file=sys.stderr)
        for line in missed:
            print(f"  MISSED {line}", file=sys.stderr)
        sys.exit(1)
    print("\nmake bench: every target met")


if __name__ == "__main__":
    main()
