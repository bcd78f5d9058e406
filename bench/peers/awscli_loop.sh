#!/usr/bin/env bash
# The slowest peer: the AWS CLI, one process per batch, as a shell loop over the same batches verify-layers sends.
#   awscli_loop.sh PLAN.json ENDPOINT
set -euo pipefail
plan=$1 endpoint=$2
python3 -c 'import json,sys
for b in json.load(open(sys.argv[1])): print(b["registryId"], b["repositoryName"], " ".join(b["layerDigests"]))' "$plan" |
while read -r registry repository digests; do
  # shellcheck disable=SC2086  # one argument per digest
  aws ecr-public batch-check-layer-availability --endpoint-url "$endpoint" --region us-east-1 --registry-id "$registry" \
    --repository-name "$repository" --layer-digests $digests --output json >/dev/null
done
