"""Tests of the ECR Public emulator itself.

Run with:  python3 -m pytest -q Tests/emulator
"""

from __future__ import annotations

import datetime
import hashlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from unittest import mock

import pytest

import botocore.auth
import botocore.session
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

HERE = Path(__file__).resolve().parent
SERVER = HERE / "ecr_public_emulator.py"

CT = "application/x-amz-json-1.1"
TARGET = "SpencerFrontendService.BatchCheckLayerAvailability"
AKID, SECRET = "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TEMP_AKID, TEMP_SECRET = "ASIATEMPEXAMPLE", "tempSecretKeyExample0123456789abcdefABCD"
TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKEN//+=="
EXPIRED_AKID = "ASIAEXPIREDEXAMPLE"


def dg(s: str) -> str:
    return "sha256:" + hashlib.sha256(s.encode()).hexdigest()


L1, L2, L3, BASE = dg("layer-1"), dg("layer-2"), dg("layer-3"), dg("base")
MISSING = dg("missing")
SHA512_MISSING = "sha512:" + hashlib.sha512(b"x").hexdigest()
OCI_GZ = "application/vnd.oci.image.layer.v1.tar+gzip"
DOCKER_GZ = "application/vnd.docker.image.rootfs.diff.tar.gzip"

STATE = {
    "credentials": [
        {"accessKeyId": AKID, "secretAccessKey": SECRET, "sessionToken": None},
        {"accessKeyId": TEMP_AKID, "secretAccessKey": TEMP_SECRET, "sessionToken": TOKEN},
        {"accessKeyId": EXPIRED_AKID, "secretAccessKey": TEMP_SECRET, "sessionToken": TOKEN,
         "expired": True},
    ],
    "defaultRegistry": "123456789012",
    "registries": [
        {"registryId": "123456789012", "aliases": ["demo"], "missingStyle": "failure",
         "repositories": {
             "app": {"layers": {L1: {"size": 100, "mediaType": OCI_GZ},
                                L2: {"size": 200, "mediaType": DOCKER_GZ},
                                L3: 300}},
             "tools/builder": {"missingStyle": "unavailable", "layers": {L1: 100}},
         }},
        {"registryId": "210987654321", "aliases": ["other"], "missingStyle": "unavailable",
         "repositories": {"base": {"layers": {BASE: 5000}}}},
    ],
}


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------

class Emu:
    def __init__(self, proc, port, stdout_line):
        self.proc, self.port, self.line = proc, port, stdout_line
        self.url = f"http://127.0.0.1:{port}"

    def ctl(self, method, path, body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        data = None if body is None else json.dumps(body).encode()
        c.request(method, "/__emulator/" + path, body=data,
                  headers={"Content-Type": "application/json"})
        r = c.getresponse()
        out = json.loads(r.read() or b"null")
        c.close()
        return r.status, out

    def requests(self):
        return self.ctl("GET", "requests")[1]

    def faults(self, *rules):
        st, out = self.ctl("POST", "faults", list(rules))
        assert st == 200, out


def start_emulator(tmp: Path, *extra, state=STATE):
    tmp.mkdir(parents=True, exist_ok=True)
    port_file = tmp / "port"
    args = [sys.executable, str(SERVER), "--port", "0", "--port-file", str(port_file), "--quiet"]
    if state is not None:
        sf = tmp / "state.json"
        sf.write_text(json.dumps(state))
        args += ["--state", str(sf)]
    proc = subprocess.Popen(args + list(extra), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.time() + 15
    while not port_file.exists():
        if proc.poll() is not None or time.time() > deadline:
            proc.kill()
            raise RuntimeError("emulator did not start: " + proc.stderr.read())
        time.sleep(0.02)
    port = int(port_file.read_text())
    line = proc.stdout.readline().strip()
    return Emu(proc, port, line)


def stop_emulator(emu: Emu, timeout=10) -> int:
    emu.proc.send_signal(signal.SIGTERM)
    try:
        return emu.proc.wait(timeout=timeout)
    finally:
        if emu.proc.poll() is None:
            emu.proc.kill()


def sign(port, body: bytes, akid=AKID, secret=SECRET, token=None, region="us-east-1",
         service="ecr-public", headers=None) -> dict:
    h = {"Content-Type": CT, "X-Amz-Target": TARGET}
    for k, v in (headers or {}).items():
        if v is None:
            h.pop(k, None)
        else:
            h[k] = v
    req = AWSRequest(method="POST", url=f"http://127.0.0.1:{port}/", data=body, headers=h)
    SigV4Auth(Credentials(akid, secret, token), service, region).add_auth(req)
    return dict(req.headers.items())


def post(port, body: bytes, headers: dict, conn=None, timeout=10):
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("POST", "/", body=body, headers=headers)
    r = c.getresponse()
    data = r.read()
    if conn is None:
        c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, data


def call(emu: Emu, params=None, body: bytes | None = None, conn=None, **sign_kw):
    """Signed raw request; returns (status, lower-cased headers, parsed JSON or bytes)."""
    if body is None:
        body = json.dumps(params).encode()
    status, hdrs, data = post(emu.port, body, sign(emu.port, body, **sign_kw), conn=conn)
    try:
        return status, hdrs, json.loads(data)
    except ValueError:
        return status, hdrs, data


def client(emu: Emu, akid=AKID, secret=SECRET, token=None, validate=True, region="us-east-1"):
    session = botocore.session.get_session()
    return session.create_client(
        "ecr-public", endpoint_url=emu.url, region_name=region,
        aws_access_key_id=akid, aws_secret_access_key=secret, aws_session_token=token,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"},
                      parameter_validation=validate))


AWS = shutil.which("aws")
CURL = shutil.which("curl")


def aws_cli(emu: Emu, tmp_path: Path, *args, akid=AKID, secret=SECRET, token=None,
            attempts=1):
    env = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), "LANG": "C.UTF-8",
           "AWS_ACCESS_KEY_ID": akid, "AWS_SECRET_ACCESS_KEY": secret,
           "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
           "AWS_EC2_METADATA_DISABLED": "true", "AWS_RETRY_MODE": "standard",
           "AWS_MAX_ATTEMPTS": str(attempts), "NO_PROXY": "127.0.0.1,localhost",
           "AWS_PAGER": ""}
    for k in ("PYENV_ROOT", "PYENV_VERSION", "SYSTEMROOT"):
        if k in os.environ:
            env[k] = os.environ[k]
    if token:
        env["AWS_SESSION_TOKEN"] = token
    cmd = [AWS, "ecr-public", "batch-check-layer-availability", "--endpoint-url", emu.url,
           "--region", "us-east-1", "--output", "json", *args]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=60)
    out = json.loads(p.stdout) if p.returncode == 0 and p.stdout.strip() else None
    return p.returncode, out, p.stderr


def curl(emu: Emu, body: str, akid=AKID, secret=SECRET, headers=(), content_type=True):
    cmd = [CURL, "-s", "--noproxy", "*", "--aws-sigv4", "aws:amz:us-east-1:ecr-public",
           "--user", f"{akid}:{secret}",
           "-H", f"X-Amz-Target: {TARGET}", "-w", "\n%{http_code}"]
    if content_type:
        cmd += ["-H", f"Content-Type: {CT}"]
    for h in headers:
        cmd += ["-H", h]
    cmd += ["--data", body, emu.url + "/"]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
    text, _, code = p.stdout.rpartition("\n")
    return int(code), json.loads(text)


# --------------------------------------------------------------------------
# fixtures
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def emu(tmp_path_factory):
    os.environ.setdefault("NO_PROXY", "127.0.0.1,localhost")
    e = start_emulator(tmp_path_factory.mktemp("emu"))
    yield e
    assert stop_emulator(e) == 0


@pytest.fixture(autouse=True)
def clean(request):
    if "emu" in request.fixturenames:
        e = request.getfixturevalue("emu")
        assert e.ctl("PUT", "state", STATE)[0] == 200
        assert e.ctl("DELETE", "faults")[0] == 200
        assert e.ctl("POST", "requests/clear")[0] == 200
    yield


def body_of(repo="app", digests=(L1,), registry=None, **extra):
    d = {"repositoryName": repo, "layerDigests": list(digests)}
    if registry is not None:
        d["registryId"] = registry
    d.update(extra)
    return d


# --------------------------------------------------------------------------
# basics
# --------------------------------------------------------------------------

def test_health_and_listening_line(emu):
    assert emu.ctl("GET", "health") == (200, {"ok": True})
    assert emu.line == f"listening on http://127.0.0.1:{emu.port}"


def test_botocore_client_valid_call(emu):
    c = client(emu)
    out = c.batch_check_layer_availability(repositoryName="app", layerDigests=[L1, L2, L3, MISSING])
    assert out["layers"] == [
        {"layerDigest": L1, "layerAvailability": "AVAILABLE", "layerSize": 100, "mediaType": OCI_GZ},
        {"layerDigest": L2, "layerAvailability": "AVAILABLE", "layerSize": 200, "mediaType": DOCKER_GZ},
        {"layerDigest": L3, "layerAvailability": "AVAILABLE", "layerSize": 300, "mediaType": OCI_GZ},
    ]
    assert out["failures"] == [{"layerDigest": MISSING, "failureCode": "MissingLayerDigest",
                                "failureReason": "Requested layer not found"}]
    # registry by id and by alias
    for reg in ("123456789012", "demo"):
        out = c.batch_check_layer_availability(registryId=reg, repositoryName="app", layerDigests=[L1])
        assert out["layers"][0]["layerAvailability"] == "AVAILABLE"
    log = emu.requests()
    assert len(log) == 3
    assert all(e["signatureValid"] and e["signatureError"] is None and e["status"] == 200 for e in log)
    assert log[0]["operation"] == "BatchCheckLayerAvailability"
    assert log[0]["registryId"] is None and log[1]["registryId"] == "123456789012"
    assert log[2]["registryId"] == "demo"
    assert log[0]["layerDigests"] == [L1, L2, L3, MISSING]
    assert log[0]["sessionTokenSigned"] is None


def test_describe_registries_lists_only_the_callers_registry(emu):
    # An account owns one public registry: another account's ("other") is never listed, so a client can tell an alias
    # of its own registry from another account's.
    out = client(emu).describe_registries()
    assert [r["registryId"] for r in out["registries"]] == ["123456789012"]
    assert out["registries"][0]["aliases"] == [
        {"name": "demo", "status": "ACTIVE", "primaryRegistryAlias": True, "defaultRegistryAlias": True}]
    assert emu.requests()[-1]["operation"] == "DescribeRegistries"


def test_botocore_session_token(emu):
    out = client(emu, TEMP_AKID, TEMP_SECRET, TOKEN).batch_check_layer_availability(
        repositoryName="app", layerDigests=[L1])
    assert out["layers"][0]["layerAvailability"] == "AVAILABLE"
    e = emu.requests()[0]
    assert e["signatureValid"] and e["sessionTokenSigned"] is True
    assert "x-amz-security-token" in e["signedHeaders"]


def test_us_west_2_allowed_other_region_rejected(emu):
    out = client(emu, region="us-west-2").batch_check_layer_availability(
        repositoryName="app", layerDigests=[L1])
    assert out["layers"]
    st, _, b = call(emu, body_of(), region="eu-west-1")
    assert st == 403 and b["__type"] == "InvalidSignatureException"
    assert "region" in b["message"]
    st, _, b = call(emu, body_of(), service="ecr")
    assert st == 403 and b["__type"] == "InvalidSignatureException"


def test_missing_styles(emu):
    c = client(emu)
    # default registry style: failure
    out = c.batch_check_layer_availability(repositoryName="app", layerDigests=[MISSING])
    assert out["layers"] == [] and out["failures"][0]["failureCode"] == "MissingLayerDigest"
    # per-repository override: unavailable
    out = c.batch_check_layer_availability(repositoryName="tools/builder", layerDigests=[L1, MISSING])
    assert out["failures"] == []
    assert out["layers"][1] == {"layerDigest": MISSING, "layerAvailability": "UNAVAILABLE"}
    # per-registry style: unavailable
    out = c.batch_check_layer_availability(registryId="other", repositoryName="base",
                                           layerDigests=[BASE, SHA512_MISSING])
    assert [x["layerAvailability"] for x in out["layers"]] == ["AVAILABLE", "UNAVAILABLE"]


def test_invalid_layer_digest(emu):
    bad = ["sha256:ABC", "md5:" + "a" * 32, "sha256:" + "a" * 63, "sha256:" + "A" * 64, "nope"]
    out = client(emu).batch_check_layer_availability(
        repositoryName="app", layerDigests=bad + [SHA512_MISSING, L1])
    codes = {f["layerDigest"]: f["failureCode"] for f in out["failures"]}
    assert all(codes[d] == "InvalidLayerDigest" for d in bad)
    assert codes[SHA512_MISSING] == "MissingLayerDigest"
    assert out["layers"][0]["layerDigest"] == L1


def test_repository_and_registry_not_found(emu):
    c = client(emu)
    with pytest.raises(ClientError) as ei:
        c.batch_check_layer_availability(repositoryName="nope", layerDigests=[L1])
    assert ei.value.response["Error"]["Code"] == "RepositoryNotFoundException"
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    for reg in ("999999999999", "nosuchalias"):
        with pytest.raises(ClientError) as ei:
            c.batch_check_layer_availability(registryId=reg, repositoryName="app", layerDigests=[L1])
        assert ei.value.response["Error"]["Code"] == "RegistryNotFoundException"
    st, hdrs, b = call(emu, body_of(repo="nope"))
    assert st == 400 and b["__type"] == "RepositoryNotFoundException"
    assert hdrs["x-amzn-errortype"] == "RepositoryNotFoundException"
    assert hdrs["content-type"] == CT and hdrs["x-amzn-requestid"]


# --------------------------------------------------------------------------
# validation and protocol errors
# --------------------------------------------------------------------------

def test_101_digests_invalid_parameter(emu):
    digests = [dg(str(i)) for i in range(101)]
    st, _, b = call(emu, body_of(digests=digests))
    assert st == 400 and b["__type"] == "InvalidParameterException"
    assert "100" in b["message"]
    with pytest.raises(ClientError) as ei:
        client(emu, validate=False).batch_check_layer_availability(
            repositoryName="app", layerDigests=digests)
    assert ei.value.response["Error"]["Code"] == "InvalidParameterException"
    st, _, b = call(emu, body_of(digests=digests[:100]))
    assert st == 200 and len(b["failures"]) == 100


@pytest.mark.parametrize("params", [
    {"repositoryName": "a", "layerDigests": [L1]},                      # too short
    {"repositoryName": "x" * 206, "layerDigests": [L1]},                # too long
    {"repositoryName": "Bad_Name!", "layerDigests": [L1]},              # pattern
    {"repositoryName": "app", "layerDigests": []},                      # min 1
    {"repositoryName": "app", "layerDigests": L1},                      # wrong type
    {"repositoryName": "app"},                                          # missing
    {"repositoryName": "app", "layerDigests": [L1], "foo": 1},          # unknown key
    {"repositoryName": "app", "layerDigests": [L1], "registryId": "x" * 51},
    {"repositoryName": "app", "layerDigests": [L1], "registryId": "Not An Alias"},
    {"repositoryName": "app", "layerDigests": [L1], "registryId": 123456789012},
])
def test_validation_errors(emu, params):
    st, hdrs, b = call(emu, params)
    assert st == 400 and b["__type"] == "InvalidParameterException", b
    assert hdrs["x-amzn-errortype"] == "InvalidParameterException"


def test_serialization_unknown_and_unsupported_operations(emu):
    st, _, b = call(emu, body=b"{not json")
    assert st == 400 and b["__type"] == "SerializationException"
    st, _, b = call(emu, body=b"[1,2]")
    assert st == 400 and b["__type"] == "SerializationException"
    st, _, b = call(emu, body_of(), headers={"X-Amz-Target": "SpencerFrontendService.Nope"})
    assert st == 400 and b["__type"] == "UnknownOperationException"
    st, _, b = call(emu, body_of(), headers={"X-Amz-Target": "Other.BatchCheckLayerAvailability"})
    assert st == 400 and b["__type"] == "UnknownOperationException"
    st, _, b = call(emu, {}, headers={"X-Amz-Target": "SpencerFrontendService.DescribeRepositories"})
    assert st == 400 and b["__type"] == "UnsupportedCommandException"
    st, _, b = call(emu, body_of(), headers={"Content-Type": "application/json"})
    assert st == 400 and b["__type"] == "SerializationException"


# --------------------------------------------------------------------------
# SigV4 verification
# --------------------------------------------------------------------------

def test_wrong_secret_rejected_and_logged(emu):
    with pytest.raises(ClientError) as ei:
        client(emu, secret="not-the-secret").batch_check_layer_availability(
            repositoryName="app", layerDigests=[L1])
    assert ei.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert ei.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    e = emu.requests()[-1]
    assert e["signatureValid"] is False and e["status"] == 403
    assert e["signatureError"].startswith("InvalidSignatureException")
    assert e["repositoryName"] == "app" and e["layerDigests"] == [L1]


def test_tampered_body_rejected(emu):
    good = json.dumps(body_of(digests=[L1])).encode()
    evil = json.dumps(body_of(digests=[L2])).encode()
    st, _, data = post(emu.port, evil, sign(emu.port, good))
    assert st == 403 and json.loads(data)["__type"] == "InvalidSignatureException"
    # a signed header changed after signing
    h = sign(emu.port, good)
    h["X-Amz-Target"] = "SpencerFrontendService.DescribeImages"
    st, _, data = post(emu.port, good, h)
    assert st == 403 and json.loads(data)["__type"] == "InvalidSignatureException"
    # unchanged: fine
    st, _, _ = post(emu.port, good, sign(emu.port, good))
    assert st == 200
    assert [e["signatureValid"] for e in emu.requests()] == [False, False, True]


def test_missing_auth_unknown_key_and_incomplete(emu):
    body = json.dumps(body_of()).encode()
    st, hdrs, data = post(emu.port, body, {"Content-Type": CT, "X-Amz-Target": TARGET})
    assert st == 403 and json.loads(data)["__type"] == "MissingAuthenticationTokenException"
    st, _, b = call(emu, body_of(), akid="AKIDUNKNOWN")
    assert st == 403 and b["__type"] == "UnrecognizedClientException"
    h = sign(emu.port, body)
    h["Authorization"] = h["Authorization"].split(", Signature=")[0]
    st, _, data = post(emu.port, body, h)
    assert st == 400 and json.loads(data)["__type"] == "IncompleteSignatureException"
    h = sign(emu.port, body)
    del h["X-Amz-Date"]
    st, _, data = post(emu.port, body, h)
    assert st == 400 and json.loads(data)["__type"] == "IncompleteSignatureException"


def test_required_headers_must_be_signed(emu):
    body = json.dumps(body_of()).encode()
    h = sign(emu.port, body, headers={"X-Amz-Target": None})
    h["X-Amz-Target"] = TARGET  # sent but not signed
    st, _, data = post(emu.port, body, h)
    b = json.loads(data)
    assert st == 403 and b["__type"] == "InvalidSignatureException"
    assert "x-amz-target" in b["message"]


def test_clock_skew(emu):
    body = json.dumps(body_of()).encode()
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    for minutes, ok in ((-10, True), (10, True), (-20, False), (20, False)):
        with mock.patch.object(botocore.auth, "get_current_datetime",
                               return_value=now + datetime.timedelta(minutes=minutes)):
            h = sign(emu.port, body)
        st, _, data = post(emu.port, body, h)
        if ok:
            assert st == 200, data
        else:
            b = json.loads(data)
            assert st == 403 and b["__type"] == "InvalidSignatureException"
            assert "expired" in b["message"].lower()


def test_session_token_rules(emu):
    body = json.dumps(body_of()).encode()
    # temporary credential without its token
    st, _, b = call(emu, body_of(), akid=TEMP_AKID, secret=TEMP_SECRET)
    assert st == 403 and b["__type"] == "UnrecognizedClientException"
    # token sent but not signed
    h = sign(emu.port, body, TEMP_AKID, TEMP_SECRET)
    h["X-Amz-Security-Token"] = TOKEN
    st, _, data = post(emu.port, body, h)
    assert st == 403 and json.loads(data)["__type"] == "InvalidSignatureException"
    # wrong token, correctly signed
    st, _, b = call(emu, body_of(), akid=TEMP_AKID, secret=TEMP_SECRET, token="wrong")
    assert st == 403 and b["__type"] == "UnrecognizedClientException"
    # a token on a credential that has none
    st, _, b = call(emu, body_of(), token="unexpected")
    assert st == 403 and b["__type"] == "UnrecognizedClientException"
    # expired temporary credential
    st, _, b = call(emu, body_of(), akid=EXPIRED_AKID, secret=TEMP_SECRET, token=TOKEN)
    assert st == 403 and b["__type"] == "ExpiredTokenException"
    # correct
    st, _, b = call(emu, body_of(), akid=TEMP_AKID, secret=TEMP_SECRET, token=TOKEN)
    assert st == 200
    log = emu.requests()
    assert [e["sessionTokenSigned"] for e in log] == [None, False, True, True, True, True]
    assert [e["signatureValid"] for e in log] == [False] * 5 + [True]


# --------------------------------------------------------------------------
# curl --aws-sigv4 (the signer the Swift client uses via libcurl)
# --------------------------------------------------------------------------

needs_curl = pytest.mark.skipif(CURL is None, reason="curl not installed")


@needs_curl
def test_curl_sigv4_accepted(emu):
    code, b = curl(emu, json.dumps(body_of(digests=[L1, MISSING])))
    assert code == 200, b
    assert b["layers"][0]["layerDigest"] == L1 and b["failures"][0]["layerDigest"] == MISSING
    e = emu.requests()[-1]
    assert e["signatureValid"] and e["userAgent"].startswith("curl/")
    assert e["signedHeaders"] == ["content-type", "host", "x-amz-date", "x-amz-target"]


@needs_curl
def test_curl_session_token_and_wrong_secret(emu):
    code, b = curl(emu, json.dumps(body_of()), TEMP_AKID, TEMP_SECRET,
                   headers=[f"X-Amz-Security-Token: {TOKEN}"])
    assert code == 200, b
    assert emu.requests()[-1]["sessionTokenSigned"] is True
    code, b = curl(emu, json.dumps(body_of()), secret="wrong")
    assert code == 403 and b["__type"] == "InvalidSignatureException"
    # curl does not sign its own default Content-Type: pass it explicitly.
    code, b = curl(emu, json.dumps(body_of()), content_type=False)
    assert code == 403 and "content-type" in b["message"]


@needs_curl
def test_curl_signed_but_unsent_header_is_caught(emu):
    # curl 7.88 signs a header removed with `-H 'Expect:'` although it never sends it.
    code, b = curl(emu, json.dumps(body_of()), headers=["Expect:"])
    assert code == 403 and b["__type"] == "InvalidSignatureException"
    assert "'expect'" in b["message"]
    assert emu.requests()[-1]["signedHeaders"] == [
        "content-type", "expect", "host", "x-amz-date", "x-amz-target"]


# --------------------------------------------------------------------------
# the real AWS CLI
# --------------------------------------------------------------------------

needs_aws = pytest.mark.skipif(AWS is None, reason="aws CLI not installed")


@needs_aws
def test_aws_cli_documented_answers(emu, tmp_path):
    rc, out, err = aws_cli(emu, tmp_path, "--repository-name", "app",
                           "--layer-digests", L1, MISSING, "sha256:bad")
    assert rc == 0, err
    assert out["layers"] == [{"layerDigest": L1, "layerAvailability": "AVAILABLE",
                              "layerSize": 100, "mediaType": OCI_GZ}]
    assert [(f["layerDigest"], f["failureCode"]) for f in out["failures"]] == [
        (MISSING, "MissingLayerDigest"), ("sha256:bad", "InvalidLayerDigest")]
    rc, out, err = aws_cli(emu, tmp_path, "--registry-id", "demo", "--repository-name",
                           "tools/builder", "--layer-digests", MISSING)
    assert rc == 0, err
    assert out["layers"] == [{"layerDigest": MISSING, "layerAvailability": "UNAVAILABLE"}]
    rc, out, err = aws_cli(emu, tmp_path, "--repository-name", "nope", "--layer-digests", L1)
    assert rc != 0 and "RepositoryNotFoundException" in err
    log = emu.requests()
    assert len(log) == 3 and all(e["signatureValid"] for e in log)
    assert log[0]["userAgent"].startswith("aws-cli/")


@needs_aws
def test_aws_cli_throttling(emu, tmp_path):
    emu.faults({"kind": "throttle", "count": -1})
    rc, out, err = aws_cli(emu, tmp_path, "--repository-name", "app", "--layer-digests", L1)
    assert rc != 0 and "ThrottlingException" in err
    emu.ctl("DELETE", "faults")
    emu.ctl("POST", "requests/clear")
    emu.faults({"kind": "throttle", "count": 1})
    rc, out, err = aws_cli(emu, tmp_path, "--repository-name", "app", "--layer-digests", L1,
                           attempts=3)
    assert rc == 0, err
    assert out["layers"][0]["layerAvailability"] == "AVAILABLE"
    log = emu.requests()
    assert [(e["status"], e["fault"]) for e in log] == [(400, "throttle"), (200, None)]


@needs_aws
def test_aws_cli_session_token_and_wrong_secret(emu, tmp_path):
    rc, out, err = aws_cli(emu, tmp_path, "--repository-name", "app", "--layer-digests", L1,
                           akid=TEMP_AKID, secret=TEMP_SECRET, token=TOKEN)
    assert rc == 0, err
    e = emu.requests()[-1]
    assert e["signatureValid"] and e["sessionTokenSigned"] is True
    rc, out, err = aws_cli(emu, tmp_path, "--repository-name", "app", "--layer-digests", L1,
                           secret="wrong-secret")
    assert rc != 0 and "InvalidSignatureException" in err
    e = emu.requests()[-1]
    assert e["signatureValid"] is False and e["status"] == 403


# --------------------------------------------------------------------------
# faults
# --------------------------------------------------------------------------

def test_fault_throttle_then_success(emu):
    emu.faults({"kind": "throttle", "count": 2})
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    results = [call(emu, body_of(), conn=conn) for _ in range(3)]
    assert [r[0] for r in results] == [400, 400, 200]
    assert results[0][2]["__type"] == "ThrottlingException"
    assert results[0][1]["x-amzn-errortype"] == "ThrottlingException"
    assert [e["fault"] for e in emu.requests()] == ["throttle", "throttle", None]
    assert emu.ctl("GET", "faults")[1] == []


def test_fault_throttle429_access_denied_expired(emu):
    emu.faults({"kind": "throttle429"}, {"kind": "access-denied"}, {"kind": "expired-token"})
    assert call(emu, body_of())[0::2] == (429, {"__type": "TooManyRequestsException",
                                                 "message": "Too Many Requests"})
    st, _, b = call(emu, body_of())
    assert st == 400 and b["__type"] == "AccessDeniedException"
    with pytest.raises(ClientError) as ei:
        client(emu).batch_check_layer_availability(repositoryName="app", layerDigests=[L1])
    assert ei.value.response["Error"]["Code"] == "ExpiredTokenException"
    assert call(emu, body_of())[0] == 200


def test_fault_http500_and_gateway_errors(emu):
    emu.faults({"kind": "http500"}, {"kind": "http500", "status": 503},
               {"kind": "http500", "status": 502})
    st, hdrs, b = call(emu, body_of())
    assert st == 500 and b["__type"] == "ServerException"
    st, hdrs, b = call(emu, body_of())
    assert st == 503 and isinstance(b, bytes) and b.startswith(b"<html>")
    assert hdrs["content-type"] == "text/html"
    st, _, b = call(emu, body_of())
    assert st == 502 and isinstance(b, bytes)
    assert call(emu, body_of())[0] == 200


def test_fault_reset(emu):
    emu.faults({"kind": "reset"})
    with pytest.raises(ConnectionResetError):
        call(emu, body_of())
    assert call(emu, body_of())[0] == 200
    log = emu.requests()
    assert log[0]["fault"] == "reset" and log[0]["status"] == 0


def test_fault_slow(emu):
    emu.faults({"kind": "slow", "delayMs": 300})
    t = time.monotonic()
    assert call(emu, body_of())[0] == 200
    assert time.monotonic() - t >= 0.3


def test_fault_stall_does_not_block_others(emu):
    emu.faults({"kind": "stall", "delayMs": 2000})
    result = {}

    def stalled():
        t = time.monotonic()
        result["status"] = call(emu, body_of())[0]
        result["elapsed"] = time.monotonic() - t

    th = threading.Thread(target=stalled)
    th.start()
    deadline = time.time() + 5
    while not emu.requests() and time.time() < deadline:
        time.sleep(0.01)
    entry = emu.requests()[0]
    assert entry["fault"] == "stall" and entry["status"] is None  # still stalled
    t = time.monotonic()
    assert call(emu, body_of())[0] == 200
    assert time.monotonic() - t < 1.0
    assert "status" not in result
    th.join(10)
    assert result["status"] == 200 and result["elapsed"] >= 2.0


def test_fault_malformed_truncated_wrong_shape(emu):
    emu.faults({"kind": "malformed"}, {"kind": "truncated"}, {"kind": "wrong-shape"})
    st, hdrs, b = call(emu, body_of())
    assert st == 200 and isinstance(b, bytes)
    with pytest.raises(json.JSONDecodeError):
        json.loads(b)
    with pytest.raises(http.client.IncompleteRead):
        call(emu, body_of())
    st, _, b = call(emu, body_of())
    assert st == 200 and isinstance(b["layers"], str)
    assert call(emu, body_of())[0] == 200


def test_fault_drop_digest(emu):
    emu.faults({"kind": "drop-digest"}, {"kind": "drop-digest", "digest": MISSING})
    st, _, b = call(emu, body_of(digests=[L1, L2, MISSING]))
    assert [x["layerDigest"] for x in b["layers"]] == [L2]
    assert [x["layerDigest"] for x in b["failures"]] == [MISSING]
    st, _, b = call(emu, body_of(digests=[L1, L2, MISSING]))
    assert [x["layerDigest"] for x in b["layers"]] == [L1, L2] and b["failures"] == []


def test_fault_filters_order_and_forever(emu):
    emu.faults({"kind": "throttle", "repository": "tools/builder"},
               {"kind": "access-denied", "count": -1})
    for _ in range(2):
        st, _, b = call(emu, body_of())
        assert b["__type"] == "AccessDeniedException"
    st, _, b = call(emu, body_of(repo="tools/builder"))
    assert b["__type"] == "ThrottlingException"
    st, _, b = call(emu, body_of(repo="tools/builder"))
    assert b["__type"] == "AccessDeniedException"
    assert [f["kind"] for f in emu.ctl("GET", "faults")[1]] == ["access-denied"]
    assert emu.ctl("POST", "faults", {"kind": "nope"})[0] == 400


def test_signature_checked_before_faults(emu):
    emu.faults({"kind": "throttle"})
    st, _, b = call(emu, body_of(), secret="wrong")
    assert st == 403 and b["__type"] == "InvalidSignatureException"
    assert len(emu.ctl("GET", "faults")[1]) == 1  # not consumed
    assert call(emu, body_of())[0] == 400


# --------------------------------------------------------------------------
# control API, log, speed
# --------------------------------------------------------------------------

def test_control_layers(emu):
    c = client(emu)
    assert emu.ctl("POST", "layers", {"registry": "demo", "repository": "app", "digest": MISSING,
                                      "size": 42, "mediaType": DOCKER_GZ})[0] == 200
    out = c.batch_check_layer_availability(repositoryName="app", layerDigests=[MISSING])
    assert out["layers"] == [{"layerDigest": MISSING, "layerAvailability": "AVAILABLE",
                              "layerSize": 42, "mediaType": DOCKER_GZ}]
    assert emu.ctl("POST", "layers", {"repository": "app", "digest": MISSING,
                                      "present": False}) == (200, {"ok": True, "changed": True})
    out = c.batch_check_layer_availability(repositoryName="app", layerDigests=[MISSING])
    assert out["failures"][0]["failureCode"] == "MissingLayerDigest"
    # creates a repository on demand
    emu.ctl("POST", "layers", {"repository": "new/repo", "digest": L1, "size": 1})
    out = c.batch_check_layer_availability(repositoryName="new/repo", layerDigests=[L1])
    assert out["layers"][0]["layerSize"] == 1


def test_control_state_replace_and_errors(emu):
    assert emu.ctl("PUT", "state", {"registries": "nope"})[0] == 400
    assert emu.ctl("PUT", "state", {"bogus": 1})[0] == 400
    assert emu.ctl("GET", "nope")[0] == 404
    st, state = emu.ctl("GET", "state")
    assert st == 200 and all(c["secretAccessKey"] == "***" for c in state["credentials"])
    new = json.loads(json.dumps(STATE))
    new["registries"][0]["repositories"]["app"]["layers"] = {}
    assert emu.ctl("PUT", "state", new)[0] == 200
    st, _, b = call(emu, body_of())
    assert b["layers"] == [] and b["failures"][0]["failureCode"] == "MissingLayerDigest"


def test_request_log_shape_and_clear(emu):
    call(emu, body_of(registry="demo"))
    (e,) = emu.requests()
    for key in ("operation", "registryId", "repositoryName", "layerDigests", "signatureValid",
                "signatureError", "sessionTokenSigned", "status", "fault", "time"):
        assert key in e
    assert e["registryId"] == "demo" and isinstance(e["time"], float)
    assert abs(e["time"] - time.time()) < 60
    emu.ctl("POST", "requests/clear")
    assert emu.requests() == []


def test_keep_alive_is_fast(emu):
    body = json.dumps(body_of(digests=[dg(str(i)) for i in range(100)])).encode()
    headers = [sign(emu.port, body) for _ in range(50)]
    conn = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    t = time.perf_counter()
    for h in headers:
        assert post(emu.port, body, h, conn=conn)[0] == 200
    per_request = (time.perf_counter() - t) / len(headers)
    assert per_request < 0.02, per_request  # far below Nagle/delayed-ACK's ~40 ms


def test_empty_state_latency_and_sigterm(tmp_path):
    e = start_emulator(tmp_path, "--latency-ms", "150", state=None)
    try:
        assert e.line == f"listening on http://127.0.0.1:{e.port}"
        t = time.monotonic()
        assert e.ctl("GET", "health")[0] == 200
        assert time.monotonic() - t < 0.15  # control API is not delayed
        t = time.monotonic()
        st, _, b = call(e, body_of())
        assert st == 403 and b["__type"] == "UnrecognizedClientException"
        assert time.monotonic() - t >= 0.15
        assert e.ctl("PUT", "state", STATE)[0] == 200
        t = time.monotonic()
        assert call(e, body_of())[0] == 200
        assert time.monotonic() - t >= 0.15
    finally:
        assert stop_emulator(e) == 0


def test_bad_state_file_fails_fast(tmp_path):
    p = subprocess.run([sys.executable, str(SERVER), "--state", str(tmp_path / "missing.json")],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "cannot read state" in p.stderr
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"registries": [{"registryId": "1", "missingStyle": "maybe"}]}))
    p = subprocess.run([sys.executable, str(SERVER), "--state", str(bad)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "missingStyle" in p.stderr


def test_sample_state_loads():
    sys.path.insert(0, str(HERE))
    try:
        import ecr_public_emulator as m
    finally:
        sys.path.pop(0)
    st = m.normalize_state(json.loads((HERE / "sample-state.json").read_text()))
    assert st["defaultRegistry"] == "123456789012" and "demo" in st["aliases"]


# --------------------------------------------------------------------------
# the fast paths agree with the reference paths
# --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def module():
    sys.path.insert(0, str(HERE))
    try:
        import ecr_public_emulator as m
    finally:
        sys.path.pop(0)
    return m


VALIDATION_CASES = [
    {"repositoryName": "app", "layerDigests": [L1]},
    {"repositoryName": "ab", "layerDigests": [L1] * 100},
    {"repositoryName": "a/b-c.d_e", "layerDigests": ["", "x" * 1000], "registryId": "12"},
    {"repositoryName": "r" * 205, "layerDigests": [L1], "registryId": "x" * 50},
    {"repositoryName": "r" * 206, "layerDigests": [L1]},
    {"repositoryName": "a", "layerDigests": [L1]},
    {"repositoryName": "app/", "layerDigests": [L1]},
    {"repositoryName": "App", "layerDigests": [L1]},
    {"repositoryName": "app", "layerDigests": [L1] * 101},
    {"repositoryName": "app", "layerDigests": []},
    {"repositoryName": "app", "layerDigests": ["x" * 1001]},
    {"repositoryName": "app", "layerDigests": [L1, 7]},
    {"repositoryName": "app", "layerDigests": [L1, None]},
    {"repositoryName": "app", "layerDigests": [[L1]]},
    {"repositoryName": "app", "layerDigests": L1},
    {"repositoryName": "app", "layerDigests": {"a": L1}},
    {"repositoryName": 5, "layerDigests": [L1]},
    {"repositoryName": True, "layerDigests": [L1]},
    {"repositoryName": "app", "layerDigests": [L1], "registryId": "1"},
    {"repositoryName": "app", "layerDigests": [L1], "registryId": None},
    {"repositoryName": "app", "layerDigests": [L1], "extra": 1},
    {"repositoryName": "app"},
    {"layerDigests": [L1]},
    {},
    [],
    "app",
    None,
]


@pytest.mark.parametrize("params", VALIDATION_CASES)
def test_compiled_validator_never_accepts_what_botocore_rejects(module, params):
    model = module.Emulator().model
    slow = model.validate_slow("BatchCheckLayerAvailability", params) if isinstance(params, dict) else None
    fast = model._fast["BatchCheckLayerAvailability"](params)
    if fast:
        assert slow == [], (params, slow)
    if isinstance(params, dict):
        assert model.validate("BatchCheckLayerAvailability", params) == slow


def test_compiled_validator_takes_the_common_case(module):
    # The point of the compiled checker: a valid 100-digest call never reaches botocore's ParamValidator.
    model = module.Emulator().model
    params = {"registryId": "123456789012", "repositoryName": "bench/repo000",
              "layerDigests": [dg(str(i)) for i in range(100)]}
    with mock.patch.object(model, "validate_slow", side_effect=AssertionError("slow path taken")):
        assert model.validate("BatchCheckLayerAvailability", params) == []


def test_batch_check_json_is_json_dumps_of_the_reference(module):
    weird = "sha256:" + "é" * 64
    state = json.loads(json.dumps(STATE))
    state["registries"][0]["repositories"]["app"]["layers"]["not-a-digest"] = 1
    state["registries"][0]["repositories"]["app"]["layers"][L2] = {
        "size": 7, "mediaType": "application/vnd.\u00fcnicode+\"quoted\""}
    emu = module.Emulator(state)
    cases = [
        ("app", [L1, L2, L3, MISSING, L1, "not-a-digest", weird, SHA512_MISSING, "sha256:ABC"]),
        ("tools/builder", [L1, MISSING, weird, MISSING]),
        ("base", [BASE, MISSING]),
    ]
    for repo, digests in cases:
        params = {"repositoryName": repo, "layerDigests": digests}
        if repo == "base":
            params["registryId"] = "other"
        for _ in range(2):  # cold, then from the fragment cache
            expected = emu.batch_check(params)
            assert emu.batch_check_json(params) == json.dumps(expected).encode()
            dropped = {k: [x for x in v if x["layerDigest"] != digests[0]] for k, v in expected.items()}
            assert emu.batch_check_json(params, drop=digests[0]) == json.dumps(dropped).encode()
    # A layer replaced through the control API is answered with its new size, not a cached fragment.
    params = {"repositoryName": "app", "layerDigests": [L1]}
    emu.batch_check_json(params)
    emu.set_layer({"repository": "app", "digest": L1, "size": 999})
    assert json.loads(emu.batch_check_json(params))["layers"][0]["layerSize"] == 999
    emu.set_layer({"repository": "app", "digest": L1, "present": False})
    assert json.loads(emu.batch_check_json(params))["failures"][0]["failureCode"] == "MissingLayerDigest"


def test_signing_key_cache_follows_the_secret(emu):
    assert call(emu, body_of())[0] == 200
    new = json.loads(json.dumps(STATE))
    new["credentials"][0]["secretAccessKey"] = "rotatedSecretExample0000000000000000000"
    assert emu.ctl("PUT", "state", new)[0] == 200
    st, _, b = call(emu, body_of())
    assert st == 403 and b["__type"] == "InvalidSignatureException"
    assert call(emu, body_of(), secret="rotatedSecretExample0000000000000000000")[0] == 200


# --------------------------------------------------------------------------
# HTTP/1.1 framing
# --------------------------------------------------------------------------

def raw_exchange(port, data: bytes, read_until_close=True, timeout=5) -> bytes:
    import socket
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    try:
        s.sendall(data)
        if not read_until_close:
            return s.recv(65536)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk
    finally:
        s.close()


def signed_raw(port, params, extra_headers=(), chunked=False) -> bytes:
    body = json.dumps(params).encode()
    h = sign(port, body)
    lines = [f"POST / HTTP/1.1", f"Host: 127.0.0.1:{port}"]
    lines += [f"{k}: {v}" for k, v in h.items()] + list(extra_headers)
    if chunked:
        lines.append("Transfer-Encoding: chunked")
        payload = b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + 50]), body[i:i + 50])
                           for i in range(0, len(body), 50)) + b"0\r\n\r\n"
    else:
        lines.append(f"Content-Length: {len(body)}")
        payload = body
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


def responses_in(data: bytes) -> list:
    """(status, headers, body) for each response in a byte stream."""
    out = []
    while data:
        head, _, rest = data.partition(b"\r\n\r\n")
        lines = head.decode().split("\r\n")
        headers = {k.lower(): v for k, _, v in (l.partition(": ") for l in lines[1:])}
        n = int(headers.get("content-length", 0))
        out.append((int(lines[0].split()[1]), headers, rest[:n]))
        data = rest[n:]
    return out


def test_pipelined_requests_answered_in_order(emu):
    digests = [[L1], [MISSING], [L2, L3]]
    data = b"".join(signed_raw(emu.port, body_of(digests=d)) for d in digests)
    data += b"GET /__emulator/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    got = responses_in(raw_exchange(emu.port, data))
    assert [s for s, _, _ in got] == [200, 200, 200, 200]
    assert [x["layerDigest"] for x in json.loads(got[0][2])["layers"]] == [L1]
    assert [x["layerDigest"] for x in json.loads(got[1][2])["failures"]] == [MISSING]
    assert [x["layerDigest"] for x in json.loads(got[2][2])["layers"]] == [L2, L3]
    assert json.loads(got[3][2]) == {"ok": True} and got[3][1]["connection"] == "close"
    assert [e["repositoryName"] for e in emu.requests()] == ["app"] * 3


def test_chunked_body_and_expect_continue(emu):
    got = responses_in(raw_exchange(emu.port, signed_raw(emu.port, body_of(), ["Connection: close"],
                                                         chunked=True)))
    assert got[0][0] == 200 and json.loads(got[0][2])["layers"][0]["layerDigest"] == L1
    # Expect: 100-continue with the body still to come: the interim answer arrives first.
    import socket
    request = signed_raw(emu.port, body_of(), ["Expect: 100-continue", "Connection: close"])
    head, _, body = request.partition(b"\r\n\r\n")
    s = socket.create_connection(("127.0.0.1", emu.port), timeout=5)
    try:
        s.sendall(head + b"\r\n\r\n")
        assert s.recv(65536) == b"HTTP/1.1 100 Continue\r\n\r\n"
        s.sendall(body)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    finally:
        s.close()
    assert responses_in(data)[0][0] == 200
    # ... and with the body sent right behind the headers (curl's EXPECT_100_TIMEOUT_MS 0), no interim answer.
    data = raw_exchange(emu.port, request)
    assert data.startswith(b"HTTP/1.1 200 OK\r\n") and b"100 Continue" not in data


def test_bad_framing_and_methods(emu):
    got = responses_in(raw_exchange(emu.port, b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ten\r\n\r\n"))
    assert got[0][0] == 400 and json.loads(got[0][2])["error"] == "bad Content-Length or chunked framing"
    assert got[0][1]["connection"] == "close"
    got = raw_exchange(emu.port, b"NONSENSE\r\n\r\n")
    assert got.startswith(b"HTTP/1.1 400 ")
    got = raw_exchange(emu.port, b"PATCH / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert got.startswith(b"HTTP/1.1 501 ")
    got = raw_exchange(emu.port, b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Filler: y\r\n" * 101 + b"\r\n")
    assert got.startswith(b"HTTP/1.1 431 ")
    # HTTP/1.0 without keep-alive: answered, then closed by the server (raw_exchange returns on EOF).
    got = responses_in(raw_exchange(emu.port, b"GET /__emulator/health HTTP/1.0\r\n\r\n"))
    assert got[0][0] == 200 and got[0][1]["connection"] == "close"


def test_latency_is_per_request_not_serialized(tmp_path):
    # 16 calls in flight against a 200 ms latency: all answered after >= 200 ms, together well under 2 x 200 ms.
    e = start_emulator(tmp_path, "--latency-ms", "200")
    try:
        body = json.dumps(body_of(digests=[dg(str(i)) for i in range(100)])).encode()
        headers = [sign(e.port, body) for _ in range(16)]
        conns = [http.client.HTTPConnection("127.0.0.1", e.port, timeout=10) for _ in range(16)]
        for c in conns:
            c.connect()
        results = [None] * 16

        def one(i):
            t = time.monotonic()
            results[i] = (post(e.port, body, headers[i], conn=conns[i])[0], time.monotonic() - t)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
        start = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(10)
        total = time.monotonic() - start
        assert all(r is not None and r[0] == 200 and r[1] >= 0.2 for r in results), results
        assert total < 0.4, total
        log = e.requests()
        assert len(log) == 16 and all(x["serviceMs"] >= 200 for x in log)
    finally:
        assert stop_emulator(e) == 0
