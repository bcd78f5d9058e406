#!/usr/bin/env python3
"""What a user would write instead: read the same (repository, digests) batches and call
BatchCheckLayerAvailability with boto3, one call after another."""
import json
import sys

import boto3
from botocore.config import Config


def main():
    plan = json.load(open(sys.argv[1]))
    endpoint = sys.argv[2]
    client = boto3.client("ecr-public", region_name="us-east-1", endpoint_url=endpoint,
                          config=Config(retries={"mode": "standard", "max_attempts": 3}))
    unavailable = 0
    for batch in plan:
        answer = client.batch_check_layer_availability(registryId=batch["registryId"], repositoryName=batch["repositoryName"],
                                                       layerDigests=batch["layerDigests"])
        unavailable += len(answer.get("failures", [])) + sum(1 for layer in answer.get("layers", []) if layer["layerAvailability"] != "AVAILABLE")
    print(f"{len(plan)} calls, {unavailable} unavailable")


if __name__ == "__main__":
    main()
