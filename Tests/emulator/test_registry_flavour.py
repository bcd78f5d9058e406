"""Tests of the emulator's ECR Public registry flavour (/v2/, /token/) and its manifest operations.

Run with:  python3 -m pytest -q Tests/emulator
"""

from __future__ import annotations

import base64
import http.client
import json
import subprocess
import time
from pathlib import Path

import pytest
from botocore.exceptions import ClientError

from registry_flavour import libtrust_key_id
from test_emulator import L1, L2, STATE, client, dg, start_emulator, stop_emulator

MANIFEST = dg("manifest-1")
OTHER = dg("manifest-2")
OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"


def state_with_images():
    state = json.loads(json.dumps(STATE))
    state["registries"][0]["repositories"]["app"]["images"] = [
        {"imageDigest": MANIFEST, "imageTags": ["v1", "latest"]},
        {"imageDigest": OTHER, "imageTags": []},
    ]
    return state


def request(emu, method, path, headers=None):
    c = http.client.HTTPConnection("127.0.0.1", emu.port, timeout=10)
    c.request(method, path, headers=headers or {})
    r = c.getresponse()
    body = r.read()
    c.close()
    return r.status, {k.lower(): v for k, v in r.getheaders()}, body


def token(emu, repository="demo/app"):
    st, _, body = request(emu, "GET", f"/token/?service=public.ecr.aws&scope=repository:{repository}:pull")
    assert st == 200
    return json.loads(body)["token"]


@pytest.fixture()
def emu(tmp_path):
    e = start_emulator(tmp_path, state=state_with_images())
    yield e
    assert stop_emulator(e) == 0


@pytest.fixture()
def jwt_emu(tmp_path):
    key = tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(tmp_path / "cert.pem"), "-days", "1", "-subj", "/CN=t"], check=True, capture_output=True)
    e = start_emulator(tmp_path / "emu", "--token-key", str(key), "--token-issuer", "test-issuer", state=state_with_images())
    e.key = key
    yield e
    assert stop_emulator(e) == 0


def test_base_answers_the_ecr_public_challenge(emu):
    st, headers, _ = request(emu, "GET", "/v2/")
    assert st == 401
    assert headers["www-authenticate"] == f'Bearer realm="http://127.0.0.1:{emu.port}/token/",service="public.ecr.aws",scope="aws"'


def test_blob_and_manifest_heads_need_a_token_for_that_repository(emu):
    st, headers, _ = request(emu, "HEAD", f"/v2/demo/app/blobs/{L1}")
    assert st == 401 and 'scope="repository:demo/app:pull"' in headers["www-authenticate"]
    foreign = token(emu, "demo/tools/builder")
    assert request(emu, "HEAD", f"/v2/demo/app/blobs/{L1}", {"Authorization": f"Bearer {foreign}"})[0] == 401
    good = {"Authorization": f"Bearer {token(emu)}"}
    st, headers, body = request(emu, "HEAD", f"/v2/demo/app/blobs/{L1}", good)
    assert st == 200 and headers["content-length"] == "100" and body == b""
    assert request(emu, "HEAD", f"/v2/demo/app/blobs/{dg('nope')}", good)[0] == 404
    accept = dict(good, Accept=OCI_MANIFEST)
    for reference in (MANIFEST, "v1", "latest"):
        st, headers, _ = request(emu, "HEAD", f"/v2/demo/app/manifests/{reference}", accept)
        assert st == 200 and headers["docker-content-digest"] == MANIFEST
    assert request(emu, "HEAD", f"/v2/demo/app/manifests/{dg('gone')}", accept)[0] == 404
    assert request(emu, "HEAD", "/v2/demo/app/manifests/v9", accept)[0] == 404
    operations = [r["operation"] for r in emu.requests()]
    assert "RegistryToken" in operations and "RegistryHeadBlob" in operations and "RegistryHeadManifest" in operations


def test_tag_list_tells_a_missing_repository_from_a_missing_blob(emu):
    good = {"Authorization": f"Bearer {token(emu)}"}
    st, _, body = request(emu, "GET", "/v2/demo/app/tags/list?n=1", good)
    assert st == 200 and json.loads(body) == {"name": "demo/app", "tags": ["latest", "v1"]}
    gone = {"Authorization": f"Bearer {token(emu, 'demo/gone')}"}
    st, _, body = request(emu, "GET", "/v2/demo/gone/tags/list?n=1", gone)
    error = json.loads(body)["errors"][0]
    assert st == 404 and error["code"] == "NAME_UNKNOWN"
    assert error["message"] == "The repository with name 'gone' does not exist in the registry with id 'demo'"
    st, _, body = request(emu, "GET", f"/v2/demo/app/blobs/{dg('nope')}", good)
    assert st == 404 and json.loads(body)["errors"][0]["code"] == "BLOB_UNKNOWN"
    assert request(emu, "GET", "/v2/demo/app/tags/list", {})[0] == 401
    assert "RegistryListTags" in [r["operation"] for r in emu.requests()]


def test_moving_a_tag_and_removing_an_image_through_the_control_api(emu):
    good = {"Authorization": f"Bearer {token(emu)}", "Accept": OCI_MANIFEST}
    st, out = emu.ctl("POST", "images", {"repository": "app", "imageDigest": OTHER, "imageTags": ["v1"]})
    assert st == 200, out
    assert request(emu, "HEAD", "/v2/demo/app/manifests/v1", good)[1]["docker-content-digest"] == OTHER
    assert emu.ctl("POST", "images", {"repository": "app", "imageDigest": MANIFEST, "present": False})[0] == 200
    assert request(emu, "HEAD", f"/v2/demo/app/manifests/{MANIFEST}", good)[0] == 404


def test_throttle_answers_429_with_retry_after_then_recovers(emu):
    emu.faults({"kind": "throttle429", "count": 1, "repository": "app"})
    good = {"Authorization": f"Bearer {token_after_fault(emu)}"}
    st, headers, _ = request(emu, "HEAD", f"/v2/demo/app/blobs/{L1}", good)
    assert st == 200


def token_after_fault(emu):
    """The first token request hits the throttle rule: 429 with Retry-After: 1; the next one is served."""
    st, headers, _ = request(emu, "GET", "/token/?service=public.ecr.aws&scope=repository:demo/app:pull")
    assert st == 429 and headers["retry-after"] == "1"
    return token(emu)


def test_jwt_tokens_are_signed_with_a_libtrust_kid_and_pull_access(jwt_emu):
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import padding
    jwt = token(jwt_emu)
    header_b64, claims_b64, signature_b64 = jwt.split(".")
    pad = lambda s: s + "=" * (-len(s) % 4)
    header = json.loads(base64.urlsafe_b64decode(pad(header_b64)))
    claims = json.loads(base64.urlsafe_b64decode(pad(claims_b64)))
    key = serialization.load_pem_private_key(Path(jwt_emu.key).read_bytes(), password=None)
    assert header["alg"] == "RS256" and header["kid"] == libtrust_key_id(key.public_key())
    assert len(header["kid"]) == 59 and header["kid"].count(":") == 11
    assert claims["iss"] == "test-issuer" and claims["aud"] == "public.ecr.aws"
    assert claims["access"] == [{"type": "repository", "name": "demo/app", "actions": ["pull"]}]
    assert claims["nbf"] <= time.time() < claims["exp"]
    key.public_key().verify(base64.urlsafe_b64decode(pad(signature_b64)), f"{header_b64}.{claims_b64}".encode(),
                            padding.PKCS1v15(), hashes.SHA256())
    assert request(jwt_emu, "HEAD", f"/v2/demo/app/blobs/{L2}", {"Authorization": f"Bearer {jwt}"})[0] == 200
    tampered = f"{header_b64}.{claims_b64}.{signature_b64[:-4]}AAAA"
    assert request(jwt_emu, "HEAD", f"/v2/demo/app/blobs/{L2}", {"Authorization": f"Bearer {tampered}"})[0] == 401


def test_describe_images_and_tags_through_botocore(emu):
    ecr = client(emu)
    out = ecr.describe_images(repositoryName="app", imageIds=[{"imageDigest": MANIFEST}])
    assert [d["imageDigest"] for d in out["imageDetails"]] == [MANIFEST]
    assert out["imageDetails"][0]["imageTags"] == ["v1", "latest"]
    by_tag = ecr.describe_images(registryId="123456789012", repositoryName="app", imageIds=[{"imageTag": "latest"}])
    assert by_tag["imageDetails"][0]["imageDigest"] == MANIFEST
    with pytest.raises(ClientError) as missing:
        ecr.describe_images(repositoryName="app", imageIds=[{"imageDigest": dg("never-pushed")}])
    assert missing.value.response["Error"]["Code"] == "ImageNotFoundException"
    tags = ecr.describe_image_tags(repositoryName="app")
    assert sorted((t["imageTag"], t["imageDetail"]["imageDigest"]) for t in tags["imageTagDetails"]) == [("latest", MANIFEST), ("v1", MANIFEST)]
    with pytest.raises(ClientError) as alias:
        ecr.describe_images(registryId="demo", repositoryName="app", imageIds=[{"imageDigest": MANIFEST}])
    assert alias.value.response["Error"]["Code"] == "InvalidParameterException", "the model's RegistryId is 12 digits, not an alias"


def test_state_rejects_a_bad_image(tmp_path):
    state = state_with_images()
    state["registries"][0]["repositories"]["app"]["images"] = [{"imageDigest": "sha256:xyz"}]
    (tmp_path / "s.json").write_text(json.dumps(state))
    p = subprocess.run(["python3", str(Path(__file__).parent / "ecr_public_emulator.py"), "--state", str(tmp_path / "s.json"), "--port", "0"],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "imageDigest" in p.stderr


def test_get_authorization_token_is_a_basic_login_for_the_token_server(emu):
    login = client(emu).get_authorization_token()["authorizationData"]["authorizationToken"]
    assert base64.b64decode(login).decode().startswith("AWS:")
    scope = "/token/?service=public.ecr.aws&scope=repository:demo/app:pull"
    st, _, body = request(emu, "GET", scope, {"Authorization": f"Basic {login}"})
    assert st == 200 and json.loads(body)["token"]
    assert request(emu, "GET", scope, {"Authorization": "Basic " + base64.b64encode(b"AWS:guess").decode()})[0] == 401
    entries = [r for r in emu.requests() if r["operation"] == "RegistryToken"]
    assert [(e["authenticated"], e["signatureValid"], e["status"]) for e in entries] == [(True, True, 200), (True, False, 401)]
