#!/usr/bin/env python3
"""make bench: verify-layers against what users would otherwise run, on the same data and the same emulator.

Scenario: a synthetic repository (bench/gen_repo.py), the bundled ECR Public emulator with an injected latency.
Peers: verify-layers check; a boto3 script making the same batched calls sequentially; the AWS CLI, one process per
batch. Prints per scenario: wall time, requests sent vs the minimum, wall vs the lower bound
ceil(requests / concurrency) x latency, peak RSS, each peer's time and ratio. Appends the results to BENCHMARKS.md.
"""
import argparse
import datetime
import json
import math
import os
import platform
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
EMULATOR = os.path.join(ROOT, "Tests", "emulator", "ecr_public_emulator.py")
CREDS = {"AWS_ACCESS_KEY_ID": "AKIABENCHEXAMPLE0001", "AWS_SECRET_ACCESS_KEY": "benchSecretKeyExample000000000000000000"}


class Emulator:
    def __init__(self, state, latency_ms, workdir):
        port_file = os.path.join(workdir, "port")
        self.process = subprocess.Popen([sys.executable, EMULATOR, "--state", state, "--port", "0", "--port-file", port_file,
                                         "--latency-ms", str(latency_ms), "--quiet"], stdout=subprocess.DEVNULL)
        for _ in range(400):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            time.sleep(0.025)
        self.url = f"http://127.0.0.1:{open(port_file).read().strip()}"

    def cpu_seconds(self):
        """CPU time the emulator has used so far: per-thread schedstat (ns) where the kernel has it, else
        /proc/<pid>/stat (clock ticks)."""
        pid = self.process.pid
        try:
            return sum(int(open(f"/proc/{pid}/task/{t}/schedstat").read().split()[0]) for t in os.listdir(f"/proc/{pid}/task")) / 1e9
        except (OSError, ValueError, IndexError):
            pass
        try:
            fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, ValueError, IndexError):
            return None

    def control(self, method, path):
        request = urllib.request.Request(f"{self.url}/__emulator/{path}", method=method)
        with urllib.request.urlopen(request) as response:
            return json.loads(response.read() or b"null")

    def calls(self):
        return [r for r in self.control("GET", "requests") if r.get("operation") == "BatchCheckLayerAvailability"]

    def clear(self):
        self.control("POST", "requests/clear")

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def timed(command, env=None, cwd=None):
    """Wall seconds and peak RSS (KiB) of one child process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    result = subprocess.run(command, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wall = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, rss if rss > before else None, result


def peak_rss(command, env, cwd):
    """Peak RSS of one process via GNU time when available (RUSAGE_CHILDREN only reports the maximum ever)."""
    if shutil.which("/usr/bin/time"):
        result = subprocess.run(["/usr/bin/time", "-f", "%M"] + command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        try:
            return int(result.stderr.strip().splitlines()[-1])
        except (ValueError, IndexError):
            return None
    return None


def plan_from_calls(calls):
    return [{"registryId": c["registryId"], "repositoryName": c["repositoryName"], "layerDigests": c["layerDigests"]} for c in calls]


def generate(prefix, repositories, images_per_repository, layers_per_image):
    """A synthetic repository and the emulator state that holds all its layers: (work dir, repo, state path, state)."""
    work = tempfile.mkdtemp(prefix=prefix)
    repo = os.path.join(work, "repo")
    state = os.path.join(work, "state.json")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_repo.py"), "--out", repo, "--state", state, "--repositories",
                    str(repositories), "--images-per-repository", str(images_per_repository), "--layers-per-image",
                    str(layers_per_image)], check=True, stderr=subprocess.DEVNULL)
    return work, repo, state, json.load(open(state))


def scenario(args, binary, name, repositories, images_per_repository, layers_per_image, latency_ms, concurrency, runs, peers):
    work, repo, state, data = generate("vl-bench-", repositories, images_per_repository, layers_per_image)
    per_repo = [len(r["layers"]) for r in data["registries"][0]["repositories"].values()]
    blobs = sum(per_repo)
    minimum = sum(math.ceil(n / 100) for n in per_repo)
    emulator = Emulator(state, latency_ms, work)
    env = dict(os.environ, **CREDS, AWS_ENDPOINT_URL_ECR_PUBLIC=emulator.url, AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_REGION="us-east-1", NO_COLOR="1",
               VERIFY_LAYERS_CHECK_MANIFESTS="off")  # layer checks only: the generated state holds no images
    try:
        walls = []
        requests = None
        exit_codes = set()
        emulator_cpu, emulator_requests = 0.0, 0
        for _ in range(runs):
            emulator.clear()
            cpu_before = emulator.cpu_seconds()
            wall, _, result = timed([binary, "check", "--no-cache", "--concurrency", str(concurrency)], env=env, cwd=repo)
            cpu_after = emulator.cpu_seconds()
            exit_codes.add(result.returncode)
            walls.append(wall)
            calls = emulator.calls()
            requests = len(calls)
            plan = plan_from_calls(calls)
            if cpu_before is not None and cpu_after is not None:
                emulator_cpu += cpu_after - cpu_before
                emulator_requests += requests
        latency = observed_latency(binary, concurrency, env, repo, emulator)
        rss = peak_rss([binary, "check", "--no-cache", "--concurrency", str(concurrency)], env, repo)
        vl = statistics.median(walls)
        lower = math.ceil(minimum / concurrency) * latency_ms / 1000
        row = {"scenario": name, "blobs": blobs, "repositories": repositories, "latency_ms": latency_ms,
               "concurrency": concurrency, "verify_layers_s": vl, "requests": requests, "minimum": minimum,
               "lower_bound_s": lower, "ratio_to_lower_bound": vl / lower if lower else None, "peak_rss_kib": rss,
               "exit_codes": sorted(exit_codes),
               "emulator_cpu_ms_per_request": emulator_cpu / emulator_requests * 1000 if emulator_requests else None, **latency}
        plan_path = os.path.join(work, "plan.json")
        json.dump(plan, open(plan_path, "w"))
        if "boto3" in peers:
            wall, _, result = timed([sys.executable, os.path.join(HERE, "boto3_sequential.py"), plan_path, emulator.url], env=env)
            row["boto3_s"] = wall if result.returncode == 0 else None
            row["boto3_ratio"] = wall / vl if result.returncode == 0 else None
            if result.returncode != 0:
                print(result.stderr[-2000:], file=sys.stderr)
        if "awscli" in peers and shutil.which("aws"):
            start = time.perf_counter()
            ok = True
            for batch in plan:
                result = subprocess.run(["aws", "ecr-public", "batch-check-layer-availability", "--endpoint-url", emulator.url,
                                         "--region", "us-east-1", "--registry-id", batch["registryId"], "--repository-name",
                                         batch["repositoryName"], "--layer-digests"] + batch["layerDigests"] + ["--output", "json"],
                                        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
                ok = ok and result.returncode == 0
            wall = time.perf_counter() - start
            row["awscli_s"] = wall if ok else None
            row["awscli_ratio"] = wall / vl if ok else None
        return row
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)


def registry_scenario(binary, name, repositories, images_per_repository, layers_per_image, latency_ms, concurrency, runs):
    """The registry way on the same data: `check --via registry` against the emulator's registry flavour (one GET /v2/,
    one token per repository, one HEAD per distinct blob), beside the API way's batched calls."""
    work, repo, state, data = generate("vl-bench-registry-", repositories, images_per_repository, layers_per_image)
    blobs = sum(len(r["layers"]) for r in data["registries"][0]["repositories"].values())
    emulator = Emulator(state, latency_ms, work)
    env = dict(os.environ, VERIFY_LAYERS_REGISTRY_URL=emulator.url, VERIFY_LAYERS_CHECK_MANIFESTS="off", AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", NO_COLOR="1")
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        env.pop(key, None)
    try:
        walls, codes, requests, in_flight = [], set(), None, 0
        for _ in range(runs):
            emulator.clear()
            wall, _, result = timed([binary, "check", "--no-cache", "--via", "registry", "--concurrency", str(concurrency)], env=env, cwd=repo)
            walls.append(wall)
            codes.add(result.returncode)
            logged = [r for r in emulator.control("GET", "requests") if (r.get("operation") or "").startswith("Registry")]
            requests = len(logged)
            in_flight = max([r.get("inFlight") or 0 for r in logged] + [in_flight])
        minimum = blobs + repositories + 1
        lower = (2 + math.ceil(blobs / concurrency)) * latency_ms / 1000
        wall = statistics.median(walls)
        return {"scenario": name, "blobs": blobs, "latency_ms": latency_ms, "concurrency": concurrency, "wall_s": wall,
                "requests": requests, "minimum": minimum, "lower_bound_s": lower, "ratio": wall / lower if lower else None,
                "max_in_flight": in_flight, "exit_codes": sorted(codes)}
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)


def observed_latency(binary, concurrency, env, repo, emulator):
    """One more `check --verbose` run: the per-call time verify-layers reports for each BatchCheckLayerAvailability
    (what the client sees), next to the emulator's own arrival-to-answer time for the same calls."""
    emulator.clear()
    result = subprocess.run([binary, "check", "--no-cache", "--verbose", "--concurrency", str(concurrency)], env=env, cwd=repo,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    client = sorted(int(ms) for ms in re.findall(r"BatchCheckLayerAvailability .*-> HTTP 200 .* in (\d+) ms$", result.stderr, re.M))
    served = sorted(c["serviceMs"] for c in emulator.calls() if c.get("serviceMs") is not None)

    def pick(values, q):
        return values[min(len(values) - 1, int(len(values) * q))] if values else None
    return {"client_call_ms_median": statistics.median(client) if client else None, "client_call_ms_p90": pick(client, 0.9),
            "emulator_answer_ms_median": statistics.median(served) if served else None, "emulator_answer_ms_p90": pick(served, 0.9)}


def range_scenario(binary, commits, repositories, images_per_repository, layers_per_image, latency_ms, runs):
    """A push of a new branch carrying `commits` commits that introduce every image output: what pre-push walks and reads."""
    work = tempfile.mkdtemp(prefix="vl-bench-range-")
    repo = os.path.join(work, "repo")
    state = os.path.join(work, "state.json")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_repo.py"), "--out", repo, "--state", state, "--commits", str(commits),
                    "--repositories", str(repositories), "--images-per-repository", str(images_per_repository),
                    "--layers-per-image", str(layers_per_image)], check=True, stderr=subprocess.DEVNULL)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()
    emulator = Emulator(state, latency_ms, work)
    env = dict(os.environ, **CREDS, AWS_ENDPOINT_URL_ECR_PUBLIC=emulator.url, AWS_EC2_METADATA_DISABLED="true",
               AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", NO_COLOR="1",
               VERIFY_LAYERS_CHECK_MANIFESTS="off")
    line = f"refs/heads/main {head} refs/heads/main {'0' * 40}\n"
    try:
        walls, codes, requests = [], set(), None
        for _ in range(runs):
            emulator.clear()
            start = time.perf_counter()
            result = subprocess.run([binary, "pre-push", "--no-cache", "origin", "file:///nowhere"], input=line, env=env, cwd=repo,
                                    capture_output=True, text=True)
            walls.append(time.perf_counter() - start)
            codes.add(result.returncode)
            requests = len(emulator.calls())
        rss = peak_rss([binary, "list"], env, repo)
        return {"commits": commits, "outputs": repositories * images_per_repository, "layers": repositories * images_per_repository * layers_per_image,
                "latency_ms": latency_ms, "wall_s": statistics.median(walls), "requests": requests, "exit_codes": sorted(codes),
                "list_rss_kib": rss}
    finally:
        emulator.stop()
        shutil.rmtree(work, ignore_errors=True)


def fmt(value, unit="s"):
    if value is None:
        return "n/a"
    if unit == "s":
        return f"{value * 1000:.0f} ms" if value < 10 else f"{value:.1f} s"
    return f"{value}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="small scenarios only, no AWS CLI loop")
    ap.add_argument("--markdown", default=os.path.join(ROOT, "BENCHMARKS.md"))
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    scenarios = [
        ("20,000 layers / 50 repositories", 50, 4, 100, 20, 16, ["boto3", "awscli"]),
        ("2,000 layers / 5 repositories", 5, 4, 100, 20, 16, ["boto3", "awscli"]),
        ("100 layers / 1 repository", 1, 1, 99, 20, 16, ["boto3", "awscli"]),
    ]
    if args.quick:
        scenarios = [(n, r, i, l, lat, c, ["boto3"]) for (n, r, i, l, lat, c, _) in scenarios[1:]]
    rows = []
    for spec in scenarios:
        print(f"running: {spec[0]} ...", file=sys.stderr, flush=True)
        rows.append(scenario(args, binary, *spec[:6], runs=args.runs, peers=spec[6]))
    header = ("| scenario | blobs | latency | conc. | verify-layers | requests / minimum | lower bound | wall / bound | peak RSS | "
              "boto3 sequential | ratio | AWS CLI loop | ratio |")
    lines = [header, "|" + "---|" * 13]
    for r in rows:
        lines.append(f"| {r['scenario']} | {r['blobs']} | {r['latency_ms']} ms | {r['concurrency']} | {fmt(r['verify_layers_s'])} | "
                     f"{r['requests']} / {r['minimum']} | {fmt(r['lower_bound_s'])} | {r['ratio_to_lower_bound']:.2f}x | "
                     f"{(r['peak_rss_kib'] or 0) / 1024:.1f} MiB | {fmt(r.get('boto3_s'))} | "
                     f"{('%.1fx' % r['boto3_ratio']) if r.get('boto3_ratio') else 'n/a'} | {fmt(r.get('awscli_s'))} | "
                     f"{('%.0fx' % r['awscli_ratio']) if r.get('awscli_ratio') else 'n/a'} |")
    table = "\n".join(lines)
    cost = ["| scenario | injected latency | emulator CPU / request | emulator arrival-to-answer (median / p90) | "
            "client-observed per call (median / p90) |", "|---|---|---|---|---|"]
    for r in rows:
        def ms(value, digits=1):
            return "n/a" if value is None else f"{value:.{digits}f} ms"
        cost.append(f"| {r['scenario']} | {r['latency_ms']} ms | {ms(r['emulator_cpu_ms_per_request'], 3)} | "
                    f"{ms(r['emulator_answer_ms_median'])} / {ms(r['emulator_answer_ms_p90'])} | "
                    f"{ms(r['client_call_ms_median'], 0)} / {ms(r['client_call_ms_p90'], 0)} |")
    table += "\n\nEmulator cost (its own CPU per request while verify-layers runs; the client's per-call times come from " \
             "one extra `check --verbose` run):\n\n" + "\n".join(cost)
    print(table)
    registry_rows = []
    for (name, r, i, l, lat, c, _) in scenarios[1:]:
        print(f"running: registry way, {name} ...", file=sys.stderr, flush=True)
        registry_rows.append(registry_scenario(binary, name, r, i, l, lat, c, runs=max(1, min(args.runs, 3))))
    api_by_name = {row["scenario"]: row for row in rows}
    registry_table = ["| scenario (registry way) | blobs | latency | conc. | wall | requests / minimum | lower bound | wall / bound | "
                      "most in flight | API way wall (requests) | exit |", "|" + "---|" * 11]
    for r in registry_rows:
        api = api_by_name.get(r["scenario"], {})
        registry_table.append(f"| {r['scenario']} | {r['blobs']} | {r['latency_ms']} ms | {r['concurrency']} | {fmt(r['wall_s'])} | "
                              f"{r['requests']} / {r['minimum']} | {fmt(r['lower_bound_s'])} | {r['ratio']:.2f}x | {r['max_in_flight']} | "
                              f"{fmt(api.get('verify_layers_s'))} ({api.get('requests', 'n/a')}) | {r['exit_codes']} |")
    registry_text = "\n".join(registry_table)
    print(registry_text)
    table += "\n\nThe registry way (one `GET /v2/`, one token per repository, one HEAD per distinct blob; lower bound " \
             "(2 + ceil(blobs / concurrency)) x latency):\n\n" + registry_text
    print("running: push range ...", file=sys.stderr, flush=True)
    ranged = range_scenario(binary, 5000, 50, 4, 10, 20, max(3, min(args.runs, 5)))
    range_table = ("| push range | image outputs | layers | latency | pre-push wall (median) | requests | exit |\n|---|---|---|---|---|---|---|\n"
                   f"| {ranged['commits']} new commits | {ranged['outputs']} | {ranged['layers']} | {ranged['latency_ms']} ms | "
                   f"{fmt(ranged['wall_s'])} | {ranged['requests']} | {ranged['exit_codes']} |")
    print(range_table)
    table += "\n\n" + range_table
    stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.platform()}"
    with open(args.markdown, "a") as f:
        f.write(f"\n## Layer checks, {stamp}\n\nMachine: {machine}. Median of {args.runs} runs (verify-layers); peers run once. "
                "Exit codes seen: " + ", ".join(f"{r['scenario']}: {r['exit_codes']}" for r in rows) + ".\n\n" + table + "\n")
    for r in registry_rows:
        if r["requests"] != r["minimum"] or r["exit_codes"] != [0]:
            print(f"FAIL: registry way {r['scenario']}: requests {r['requests']} vs minimum {r['minimum']}, exit codes {r['exit_codes']}", file=sys.stderr)
            sys.exit(1)
    for r in rows:
        if r["requests"] != r["minimum"] or 0 not in r["exit_codes"]:
            print(f"FAIL: {r['scenario']}: requests {r['requests']} vs minimum {r['minimum']}, exit codes {r['exit_codes']}", file=sys.stderr)
            sys.exit(1)


if __name__ == "__main__":
    main()
