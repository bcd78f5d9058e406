#!/usr/bin/env python3
"""The strongest peer: what a user who cares about speed writes in ten lines. The same (repository, digests) batches
as verify-layers sends, BatchCheckLayerAvailability through one boto3 client shared by a 16-thread pool.

  boto3_threads.py PLAN.json ENDPOINT [--threads 16] [--rate CALLS_PER_SECOND]
--rate (0 = off) keeps the calls under the service's quota the way a careful user would (a shared token bucket)."""
import argparse
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config


class Bucket:
    """Token bucket shared by the threads: `rate` calls a second, bursts up to one second's worth."""

    def __init__(self, rate):
        self.rate, self.tokens, self.updated, self.lock = rate, float(rate), time.monotonic(), threading.Lock()

    def take(self):
        while True:
            with self.lock:
                now = time.monotonic()
                self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
                self.updated = now
                if self.tokens >= 1:
                    self.tokens -= 1
                    return
                wait = (1 - self.tokens) / self.rate
            time.sleep(wait)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("plan")
    ap.add_argument("endpoint")
    ap.add_argument("--threads", type=int, default=16)
    ap.add_argument("--rate", type=float, default=0)
    args = ap.parse_args()
    plan = json.load(open(args.plan))
    client = boto3.client("ecr-public", region_name="us-east-1", endpoint_url=args.endpoint,
                          config=Config(retries={"mode": "standard", "max_attempts": 3}, max_pool_connections=args.threads))
    bucket = Bucket(args.rate) if args.rate > 0 else None

    def check(batch):
        if bucket:
            bucket.take()
        answer = client.batch_check_layer_availability(registryId=batch["registryId"], repositoryName=batch["repositoryName"],
                                                       layerDigests=batch["layerDigests"])
        return len(answer.get("failures", [])) + sum(1 for layer in answer.get("layers", []) if layer["layerAvailability"] != "AVAILABLE")

    with ThreadPoolExecutor(max_workers=args.threads) as pool:
        unavailable = sum(pool.map(check, plan))
    print(f"{len(plan)} calls on {args.threads} threads, {unavailable} unavailable")


if __name__ == "__main__":
    main()
