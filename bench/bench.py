#!/usr/bin/env python3
"""make bench: verify-layers against what users would otherwise run, on the same data and the same emulator.

Every tool in a scenario runs the same number of times, interleaved round by round (so load drifts hit all alike);
the results (every sample: wall, peak RSS, CPU, exit code) are written as JSON for bench/report.py, which checks
them against bench/targets and regenerates BENCHMARKS.md.

Peak RSS comes from GNU time (`/usr/bin/time -f %M`) around each child; without it the figure is "n/a", never 0. verify-layers runs "cold" (a fresh clone with no .git/verify-layers/: no blob-hash
memo, no positive cache, as in a CI checkout) and "warm" (what the previous run left) as separate rows.
"""
import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
PEERS = os.path.join(HERE, "peers")
EMULATOR = os.path.join(ROOT, "Tests", "emulator", "ecr_public_emulator.py")
CREDS = {"AWS_ACCESS_KEY_ID": "AKIABENCHEXAMPLE0001", "AWS_SECRET_ACCESS_KEY": "benchSecretKeyExample000000000000000000"}
QUOTA_CALLS_PER_SECOND = 200  # ECR Public's documented BatchCheckLayerAvailability quota; verify-layers honours it
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null", "GIT_AUTHOR_NAME": "Bench", "GIT_AUTHOR_EMAIL": "bench@example.com",
           "GIT_COMMITTER_NAME": "Bench", "GIT_COMMITTER_EMAIL": "bench@example.com"}


def log(text):
    print(f"[bench {time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


TIME = "/usr/bin/time" if os.access("/usr/bin/time", os.X_OK) else None


def measure(command, env=None, cwd=None, stdin_path=None, stdout_path=None):
    """One child process: wall seconds, its own peak RSS (KiB), user+system CPU seconds, exit code.

    Peak RSS comes from GNU time (`/usr/bin/time -f %M`, the Debian `time` package): a child forked from this Python
    process starts with this process's RSS as its high-water mark (the kernel carries it across exec), so wait4's
    ru_maxrss would report max(bench, tool). GNU time is small, so its child's figure is the tool's own. Without it the
    RSS is None (shown as n/a), never 0."""
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    stdout = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL
    rss_file = None
    if TIME:
        handle, rss_file = tempfile.mkstemp(prefix="vl-bench-rss-")
        os.close(handle)
        command = [TIME, "-q", "-f", "%M", "-o", rss_file] + list(command)
    try:
        start = time.perf_counter()
        process = subprocess.Popen(command, env=env, cwd=cwd, stdin=stdin, stdout=stdout, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(process.pid, 0)
        wall = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        rss = None
        if rss_file:
            try:
                rss = int(open(rss_file).read().split()[-1]) or None
            except (OSError, ValueError, IndexError):
                rss = None
    finally:
        if stdin_path:
            stdin.close()
        if stdout_path:
            stdout.close()
        if rss_file:
            os.unlink(rss_file)
    return {"wall": wall, "rss_kib": rss, "cpu": usage.ru_utime + usage.ru_stime, "code": process.returncode}


class Emulator:
    def __init__(self, state, latency_ms, workdir):
        port_file = os.path.join(workdir, "port")
        if os.path.exists(port_file):
            os.unlink(port_file)  # an earlier emulator's port must not be read as this one's
        self.process = subprocess.Popen([sys.executable, EMULATOR, "--state", state, "--port", "0", "--port-file", port_file,
                                         "--latency-ms", str(latency_ms), "--quiet", "--log-limit", "1000000"], stdout=subprocess.DEVNULL)
        for _ in range(2400):
            if os.path.exists(port_file) and open(port_file).read().strip():
                break
            if self.process.poll() is not None:
                raise SystemExit("bench: the emulator did not start")
            time.sleep(0.025)
        self.url = f"http://127.0.0.1:{open(port_file).read().strip()}"

    def cpu_seconds(self):
        """CPU the emulator has used so far (per-thread schedstat in ns, else /proc/<pid>/stat ticks)."""
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


def environment(emulator_url):
    return dict(os.environ, **CREDS, **GIT_ENV, AWS_ENDPOINT_URL_ECR_PUBLIC=emulator_url, AWS_EC2_METADATA_DISABLED="true",
                AWS_CONFIG_FILE="/dev/null", AWS_SHARED_CREDENTIALS_FILE="/dev/null", AWS_REGION="us-east-1", NO_COLOR="1",
                AWS_PAGER="", VERIFY_LAYERS_CHECK_MANIFESTS="off")  # layer checks only: generated states hold no image manifests


def fresh_clone(source, target):
    """A clone as CI makes it: packed objects, origin's refs, no .git/verify-layers/."""
    subprocess.run(["git", "clone", "-q", "--no-local", source, target], check=True, env=dict(os.environ, **GIT_ENV, GIT_LFS_SKIP_SMUDGE="1"))


def forget(repo):
    """Makes the next run cold: no blob-hash memo, no positive cache."""
    shutil.rmtree(os.path.join(repo, ".git", "verify-layers"), ignore_errors=True)


def rounds(tools, runs, between=None):
    """Runs every tool `runs` times, one of each per round; `tools` maps a name to a callable returning a sample."""
    samples = {name: [] for name in tools}
    for round_number in range(runs):
        for name, run in tools.items():
            if between:
                between(name)
            samples[name].append(run())
        log(f"  round {round_number + 1}/{runs}: " + ", ".join(f"{n} {samples[n][-1]['wall']:.3f}s" for n in tools))
    return samples


def plan_from_calls(calls):
    return [{"registryId": c["registryId"], "repositoryName": c["repositoryName"], "layerDigests": c["layerDigests"]} for c in calls]


def observed_latency(binary, concurrency, env, repo, emulator):
    """One extra `check --verbose`: the per-call times the client sees, beside the emulator's arrival-to-answer times."""
    emulator.clear()
    result = subprocess.run([binary, "check", "--verbose", "--concurrency", str(concurrency)], env=env, cwd=repo,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    client = sorted(int(ms) for ms in re.findall(r"BatchCheckLayerAvailability .*-> HTTP 200 .* in (\d+) ms$", result.stderr, re.M))
    served = sorted(c["serviceMs"] for c in emulator.calls() if c.get("serviceMs") is not None)

    def pick(values, q):
        return values[min(len(values) - 1, int(len(values) * q))] if values else None
    return {"client_call_ms_median": statistics.median(client) if client else None, "client_call_ms_p90": pick(client, 0.9),
            "emulator_answer_ms_median": statistics.median(served) if served else None, "emulator_answer_ms_p90": pick(served, 0.9)}


def layer_scenario(binary, key, name, repositories, images, layers, latency_ms, concurrency, runs, peers, formats):
    """N layers in M repositories: verify-layers cold and warm, each report format cold, and the peers on the same batches."""
    work = tempfile.mkdtemp(prefix=f"vl-bench-{key}-")
    try:
        source, state = os.path.join(work, "source"), os.path.join(work, "state.json")
        log(f"{name}: generating")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_repo.py"), "--out", source, "--state", state, "--repositories",
                        str(repositories), "--images-per-repository", str(images), "--layers-per-image", str(layers)],
                       check=True, stderr=subprocess.DEVNULL, env=dict(os.environ, **GIT_ENV))
        cold, warm = os.path.join(work, "cold"), os.path.join(work, "warm")
        fresh_clone(source, cold)
        fresh_clone(source, warm)
        data = json.load(open(state))
        per_repo = [len(r["layers"]) for r in data["registries"][0]["repositories"].values()]
        minimum = sum(math.ceil(n / 100) for n in per_repo)
        emulator = Emulator(state, latency_ms, work)
        env = environment(emulator.url)
        check = [binary, "check", "--concurrency", str(concurrency)]
        try:
            # The batches the peers send are the ones verify-layers sent (the peers get the reading for free).
            emulator.clear()
            first = measure(check, env=env, cwd=warm)
            calls = emulator.calls()
            plan_path = os.path.join(work, "plan.json")
            json.dump(plan_from_calls(calls), open(plan_path, "w"))
            tools = {}
            requests = {}
            emulator_cpu = {"cpu": 0.0, "requests": 0}
            # Where the cold runs' wall goes, from the emulator's own log: how long after the start the first call
            # arrived, and how many calls were in flight on average from then to the last answer (at most concurrency).
            timeline = {"first_call_ms": [], "in_flight_mean": []}

            def ours(repo, format_name=None, count=False):
                def run():
                    command = check + (["--format", format_name] if format_name else [])
                    out = os.path.join(work, f"out.{format_name or 'text'}")
                    if count:
                        emulator.clear()
                        before = emulator.cpu_seconds()
                        started = time.time()
                    sample = measure(command, env=env, cwd=repo, stdout_path=out)
                    if count:
                        after = emulator.cpu_seconds()
                        made = emulator.calls()
                        requests.setdefault("counts", []).append(len(made))
                        served = [(c["time"], c["serviceMs"] / 1000) for c in made
                                  if c.get("time") is not None and c.get("serviceMs") is not None]
                        if served:
                            first_arrival = min(t for t, _ in served)
                            span = max(t + d for t, d in served) - first_arrival
                            timeline["first_call_ms"].append((first_arrival - started) * 1000)
                            if span > 0:
                                timeline["in_flight_mean"].append(sum(d for _, d in served) / span)
                        if before is not None and after is not None:
                            emulator_cpu["cpu"] += after - before
                            emulator_cpu["requests"] += requests["counts"][-1]
                    if format_name in ("json", "sarif"):
                        json.load(open(out))  # a report that does not parse is a failed run
                    return sample
                return run

            tools["verify-layers cold"] = ours(cold, count=True)
            tools["verify-layers warm"] = ours(warm)
            if "boto3-threads" in peers:
                tools["boto3, 16 threads"] = lambda: measure([sys.executable, os.path.join(PEERS, "boto3_threads.py"), plan_path, emulator.url,
                                                              "--threads", "16", "--rate", str(QUOTA_CALLS_PER_SECOND)], env=env)
            if "boto3-sequential" in peers:
                tools["boto3, sequential"] = lambda: measure([sys.executable, os.path.join(PEERS, "boto3_sequential.py"), plan_path, emulator.url], env=env)
            if "awscli" in peers and shutil.which("aws"):
                tools["AWS CLI loop"] = lambda: measure(["bash", os.path.join(PEERS, "awscli_loop.sh"), plan_path, emulator.url], env=env)
            log(f"{name}: {len(calls)} calls (minimum {minimum}); {runs} rounds of {', '.join(tools)}")
            # This kind of machine pages out file pages left idle for a minute (DAMON proactive reclaim): a tool run after
            # the AWS CLI loop's ~150 s found its binary and the clone's pack paged out (13 major faults, +40 ms)
            # while the Python peers, which share their modules, stayed hot. So where a round holds that loop, every
            # tool gets an unmeasured warm-up just before it is measured, as `hyperfine --warmup` does (elsewhere a
            # round lasts well under a minute, and a warm-up of the 200k check would cost 12 s a round);
            # verify-layers' cold run stays cold in every way the method means (no .git/verify-layers/), its pages in
            # the cache as after a fresh clone in CI.
            def warm_up(tool):
                if tool == "verify-layers cold":
                    forget(cold)
                    subprocess.run(check, env=env, cwd=cold, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    forget(cold)
                elif tool == "verify-layers warm":
                    pass  # the cold run just before is its warm-up
                elif tool == "AWS CLI loop":
                    subprocess.run(["aws", "--version"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                else:
                    subprocess.run([sys.executable, "-c", "import boto3"], env=env, stdout=subprocess.DEVNULL)

            samples = rounds(tools, runs, between=warm_up if "AWS CLI loop" in tools
                             else lambda tool: forget(cold) if tool == "verify-layers cold" else None)
            format_samples = {}
            if formats:
                format_tools = {f"check --format {f}": ours(cold, format_name=f) for f in formats}
                log(f"{name}: report formats, cold")
                format_samples = rounds(format_tools, runs, between=lambda tool: forget(cold))
            latency = observed_latency(binary, concurrency, env, warm, emulator)
        finally:
            emulator.stop()
        lower = math.ceil(minimum / concurrency) * latency_ms / 1000
        # The quota as a token bucket (what AWS enforces and verify-layers honours): one second's worth of calls at
        # once, then QUOTA_CALLS_PER_SECOND; the last call still takes its round trip.
        quota = max(0, minimum - QUOTA_CALLS_PER_SECOND) / QUOTA_CALLS_PER_SECOND + latency_ms / 1000
        return {"kind": "layers", "name": name, "blobs": sum(per_repo), "repositories": repositories, "latency_ms": latency_ms,
                "concurrency": concurrency, "runs": runs, "minimum": minimum, "requests": requests.get("counts", []) + [len(calls)],
                "concurrency_bound_s": lower, "quota_bound_s": quota, "lower_bound_s": max(lower, quota),
                "samples": samples, "formats": format_samples, "first_run": first,
                "emulator_cpu_ms_per_request": emulator_cpu["cpu"] / emulator_cpu["requests"] * 1000 if emulator_cpu["requests"] else None,
                "first_call_ms": statistics.median(timeline["first_call_ms"]) if timeline["first_call_ms"] else None,
                "in_flight_mean": statistics.median(timeline["in_flight_mean"]) if timeline["in_flight_mean"] else None,
                **latency}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def registry_scenario(binary, name, repositories, images, layers, latency_ms, concurrency, runs):
    """The registry way (`check --via registry`: one GET /v2/, a pull token per repository, a HEAD per distinct blob)
    beside a threaded `requests` script doing the same HEADs, and the API way on the same data."""
    work = tempfile.mkdtemp(prefix="vl-bench-registry-")
    try:
        source, state = os.path.join(work, "source"), os.path.join(work, "state.json")
        log(f"{name}: generating")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_repo.py"), "--out", source, "--state", state, "--repositories",
                        str(repositories), "--images-per-repository", str(images), "--layers-per-image", str(layers)],
                       check=True, stderr=subprocess.DEVNULL, env=dict(os.environ, **GIT_ENV))
        repo = os.path.join(work, "cold")
        fresh_clone(source, repo)
        data = json.load(open(state))
        blobs = sum(len(r["layers"]) for r in data["registries"][0]["repositories"].values())
        emulator = Emulator(state, latency_ms, work)
        api_env = environment(emulator.url)
        env = dict(api_env, VERIFY_LAYERS_REGISTRY_URL=emulator.url)
        for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            env.pop(key, None)
        try:
            emulator.clear()
            measure([binary, "check", "--via", "api", "--concurrency", str(concurrency)], env=api_env, cwd=repo)
            plan_path = os.path.join(work, "plan.json")
            json.dump(plan_from_calls(emulator.calls()), open(plan_path, "w"))
            requests_seen = []

            def ours():
                emulator.clear()
                sample = measure([binary, "check", "--via", "registry", "--concurrency", str(concurrency)], env=env, cwd=repo)
                requests_seen.append(len([r for r in emulator.control("GET", "requests") if (r.get("operation") or "").startswith("Registry")]))
                return sample
            tools = {"verify-layers cold, --via registry": ours,
                     "requests HEAD, 16 threads": lambda: measure([sys.executable, os.path.join(PEERS, "registry_heads.py"), plan_path,
                                                                  emulator.url, "--threads", "16"], env=env),
                     "verify-layers cold, --via api": lambda: measure([binary, "check", "--via", "api", "--concurrency", str(concurrency)],
                                                                      env=api_env, cwd=repo)}
            log(f"{name}: {runs} rounds")
            samples = rounds(tools, runs, between=lambda tool: forget(repo))
        finally:
            emulator.stop()
        return {"kind": "registry", "name": name, "blobs": blobs, "repositories": repositories, "latency_ms": latency_ms,
                "concurrency": concurrency, "runs": runs, "requests": requests_seen, "minimum": blobs + repositories + 1,
                "lower_bound_s": (2 + math.ceil(blobs / concurrency)) * latency_ms / 1000, "samples": samples}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def sized_scenario(binary, layers, min_mb, max_mb, latency_ms, runs):
    """Real layer sizes: committed in git and packed (vs the `git cat-file --batch | sha256sum` floor), and the same
    layout through Git LFS (with its objects present, and as bare pointers: LFS should cost no more than its pointers)."""
    work = tempfile.mkdtemp(prefix="vl-bench-sized-")
    try:
        result = {"kind": "sized", "runs": runs, "latency_ms": latency_ms}
        for variant in ("packed", "lfs"):
            source, state = os.path.join(work, f"{variant}-source"), os.path.join(work, f"{variant}-state.json")
            log(f"{variant}: generating {layers} layers of {min_mb}-{max_mb} MB")
            info = json.loads(subprocess.run([sys.executable, os.path.join(HERE, "gen_layers.py"), "--out", source, "--state", state,
                                              "--layers", str(layers), "--min-mb", str(min_mb), "--max-mb", str(max_mb)]
                                             + (["--lfs"] if variant == "lfs" else []),
                                             check=True, capture_output=True, text=True, env=dict(os.environ, **GIT_ENV)).stdout)
            repo = os.path.join(work, f"{variant}-clone")
            fresh_clone(source, repo)
            emulator = Emulator(state, latency_ms, work)
            env = environment(emulator.url)
            check = [binary, "check"]
            try:
                if variant == "packed":
                    ids = os.path.join(work, "ids")
                    open(ids, "w").write("\n".join(info["blob_ids"]) + "\n")
                    tools = {"verify-layers cold": lambda: measure(check, env=env, cwd=repo),
                             "git cat-file --batch | sha256sum": lambda: measure(["sh", "-c", f"git cat-file --batch < '{ids}' | sha256sum"],
                                                                                  env=env, cwd=repo)}
                    log(f"packed: {runs} rounds")
                    samples = rounds(tools, runs, between=lambda tool: forget(repo))
                else:
                    objects = os.path.join(source, ".git", "lfs", "objects")
                    pointers = os.path.join(work, "lfs-pointers")
                    fresh_clone(source, pointers)  # a clone without `git lfs fetch`: pointers only
                    shutil.copytree(objects, os.path.join(repo, ".git", "lfs", "objects"))
                    tools = {"verify-layers cold, LFS objects present": lambda: measure(check, env=env, cwd=repo),
                             "verify-layers cold, pointers only": lambda: measure(check, env=env, cwd=pointers)}
                    log(f"lfs: {runs} rounds")
                    samples = rounds(tools, runs, between=lambda tool: (forget(repo), forget(pointers)))
            finally:
                emulator.stop()
            result[variant] = {"layers": info["layers"], "largest_bytes": info["largest_bytes"], "total_bytes": info["total_bytes"],
                               "samples": samples}
            shutil.rmtree(source, ignore_errors=True)
        return result
    finally:
        shutil.rmtree(work, ignore_errors=True)


def push_scenario(binary, commits, repositories, images, layers, latency_ms, runs):
    """pre-push of a new branch whose commits introduce image outputs (with the calls), and a no-op push (one new commit
    touching no output), each beside `git lfs pre-push` on the same push."""
    work = tempfile.mkdtemp(prefix="vl-bench-push-")
    try:
        repo, state = os.path.join(work, "repo"), os.path.join(work, "state.json")
        log(f"push: generating {commits} commits introducing {repositories * images} outputs")
        subprocess.run([sys.executable, os.path.join(HERE, "gen_repo.py"), "--out", repo, "--state", state, "--commits", str(commits),
                        "--repositories", str(repositories), "--images-per-repository", str(images), "--layers-per-image", str(layers)],
                       check=True, stderr=subprocess.DEVNULL, env=dict(os.environ, **GIT_ENV))
        genv = dict(os.environ, **GIT_ENV)
        git = lambda *a: subprocess.run(["git", *a], cwd=repo, check=True, capture_output=True, text=True, env=genv).stdout.strip()
        git("gc", "-q")
        empty, origin = os.path.join(work, "empty.git"), os.path.join(work, "origin.git")
        for bare in (empty, origin):
            subprocess.run(["git", "init", "-q", "--bare", bare], check=True)
        git("remote", "add", "empty", empty)
        git("remote", "add", "origin", origin)
        git("push", "-q", "--no-verify", "origin", "main")
        head = git("rev-parse", "HEAD")
        newbranch = os.path.join(work, "newbranch.txt")
        open(newbranch, "w").write(f"refs/heads/main {head} refs/heads/main {'0' * 40}\n")
        with open(os.path.join(repo, "src", "file0.txt"), "a") as f:
            f.write("// edited\n")
        git("commit", "-q", "-am", "edit a source file")
        noop = os.path.join(work, "noop.txt")
        open(noop, "w").write(f"refs/heads/main {git('rev-parse', 'HEAD')} refs/heads/main {head}\n")
        emulator = Emulator(state, latency_ms, work)
        env = environment(emulator.url)
        calls = []
        try:
            def ours_new():
                emulator.clear()
                sample = measure([binary, "pre-push", "empty", empty], env=env, cwd=repo, stdin_path=newbranch)
                calls.append(len(emulator.calls()))
                return sample
            tools = {"verify-layers pre-push, cold": ours_new,
                     "git lfs pre-push": lambda: measure(["git", "lfs", "pre-push", "empty", empty], env=env, cwd=repo, stdin_path=newbranch)}
            log(f"push: new branch, {runs} rounds")
            # The new branch is checked from an older commit than HEAD: only what the push brings counts.
            new_samples = rounds(tools, runs, between=lambda tool: forget(repo))
            noop_runs = max(runs, 10)
            tools = {"verify-layers pre-push": lambda: measure([binary, "pre-push", "origin", origin], env=env, cwd=repo, stdin_path=noop),
                     "git lfs pre-push": lambda: measure(["git", "lfs", "pre-push", "origin", origin], env=env, cwd=repo, stdin_path=noop)}
            log(f"push: no-op, {noop_runs} rounds")
            noop_samples = rounds(tools, noop_runs)
        finally:
            emulator.stop()
        return {"kind": "push", "commits": commits + 1, "outputs": repositories * images, "layers": repositories * images * layers,
                "latency_ms": latency_ms, "runs": runs, "noop_runs": noop_runs, "requests": calls,
                "minimum": repositories * math.ceil((images * (layers + 1)) / 100), "new_branch": new_samples, "noop": noop_samples}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def machine():
    model = ""
    try:
        model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")), "")
    except OSError:
        pass
    try:
        load = os.getloadavg()[0]
    except OSError:
        load = None
    return {"arch": platform.machine(), "cores": os.cpu_count(), "cpu": model, "platform": platform.platform(),
            "python": platform.python_version(), "load_at_start": load}


def cpu_probe():
    """Milliseconds one core takes to sha256 64 MiB in this process: the same work in every run, taken before each
    scenario and at the end, so a run made on a busier or slower machine shows it beside its figures."""
    data = bytes(64 << 20)
    start = time.perf_counter()
    hashlib.sha256(data).digest()
    return (time.perf_counter() - start) * 1000


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary")
    ap.add_argument("--runs", type=int, default=int(os.environ.get("BENCH_RUNS", "3")), help="runs of every tool per scenario")
    ap.add_argument("--quick", action="store_true", help="small scenarios, no AWS CLI loop (a smoke test of the harness)")
    ap.add_argument("--only", default="", help="comma-separated scenario keys (s20k,s200k,registry,sized,push)")
    ap.add_argument("--out", required=True, help="write the results JSON here")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    version = subprocess.run([binary, "--version"], capture_output=True, text=True).stdout.strip()
    commit = subprocess.run(["git", "describe", "--always", "--dirty", "--abbrev=12"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"), "commit": commit,
               "binary_version": version, "machine": machine(), "runs": args.runs, "quick": args.quick, "scenarios": {}}
    started = time.perf_counter()
    only = set(filter(None, args.only.split(",")))
    formats = ["json", "sarif", "junit"]
    if args.quick:
        plan = [("s20k", lambda: layer_scenario(binary, "s20k", "2,000 layers / 5 repositories (quick)", 5, 4, 100, 20, 16, args.runs,
                                                ["boto3-threads", "boto3-sequential"], formats)),
                ("s200k", lambda: layer_scenario(binary, "s200k", "20,000 layers / 50 repositories (quick)", 50, 4, 100, 20, 16, args.runs,
                                                 ["boto3-threads"], ["json"])),
                ("registry", lambda: registry_scenario(binary, "registry way, 200 layers / 2 repositories (quick)", 2, 1, 100, 20, 16, args.runs)),
                ("sized", lambda: sized_scenario(binary, 4, 2, 8, 20, args.runs)),
                ("push", lambda: push_scenario(binary, 500, 10, 2, 10, 20, args.runs))]
    else:
        plan = [("s20k", lambda: layer_scenario(binary, "s20k", "20,000 layers / 50 repositories", 50, 4, 100, 20, 16, args.runs,
                                                ["boto3-threads", "boto3-sequential", "awscli"], formats)),
                ("s200k", lambda: layer_scenario(binary, "s200k", "200,000 layers / 500 repositories", 500, 4, 100, 20, 16, args.runs,
                                                 ["boto3-threads"], ["json"])),
                ("registry", lambda: registry_scenario(binary, "registry way, 2,000 layers / 5 repositories", 5, 4, 100, 20, 16, args.runs)),
                ("sized", lambda: sized_scenario(binary, 8, 10, 50, 20, args.runs)),
                ("push", lambda: push_scenario(binary, 5000, 50, 4, 10, 20, max(args.runs, 5)))]
    for key, run in plan:
        if only and key not in only:
            continue
        results.setdefault("cpu_probe_ms", {})[key] = cpu_probe()
        results["scenarios"][key] = run()
        json.dump(results, open(args.out, "w"), indent=1)
    results.setdefault("cpu_probe_ms", {})["end"] = cpu_probe()
    results["elapsed_s"] = time.perf_counter() - started
    json.dump(results, open(args.out, "w"), indent=1)
    log(f"done in {results['elapsed_s']:.0f} s; results in {args.out}")


if __name__ == "__main__":
    main()
