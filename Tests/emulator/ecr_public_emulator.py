#!/usr/bin/env python3
"""Amazon ECR Public emulator for verify-layers tests, demos and benchmarks.

Speaks the real wire protocol of ``BatchCheckLayerAvailability`` (JSON 1.1,
``POST /``, ``X-Amz-Target: SpencerFrontendService.<Operation>``), validates
input against botocore's own service model and verifies every request's
SigV4 signature with botocore's signer, independently of the client under
test.  A small unsigned control API under ``/__emulator/`` lets tests swap the
state, inject faults and read the request log.

Standard library + botocore only.  See README.md next to this file.
"""

from __future__ import annotations

import argparse
import collections
import copy
import datetime as _dt
import hashlib
import hmac
import json
import os
import re
import signal
import socket
import struct
import sys
import tempfile
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import botocore.auth
import botocore.loaders
import botocore.model
import botocore.validate
from botocore.awsrequest import AWSRequest, HTTPHeaders
from botocore.credentials import ReadOnlyCredentials

SERVICE = "ecr-public"
TARGET_PREFIX = "SpencerFrontendService."
JSON_CT = "application/x-amz-json-1.1"
DEFAULT_MEDIA_TYPE = "application/vnd.oci.image.layer.v1.tar+gzip"
DEFAULT_REGIONS = ("us-east-1", "us-west-2")
MAX_SKEW_SECONDS = 15 * 60
CONTROL_PREFIX = "/__emulator/"
REQUIRED_SIGNED = ("content-type", "host", "x-amz-date", "x-amz-target")

DIGEST_RE = re.compile(r"^(?:sha256:[a-f0-9]{64}|sha512:[a-f0-9]{128})$")
REGISTRY_ID_RE = re.compile(r"^[0-9]{12}$")
ALIAS_RE = re.compile(r"^[a-z][a-z0-9]+(?:[._-][a-z0-9]+)*$")
AMZ_DATE_FMT = "%Y%m%dT%H%M%SZ"

FAULT_KINDS = {
    "throttle", "throttle429", "http500", "reset", "slow", "stall", "malformed",
    "truncated", "wrong-shape", "drop-digest", "access-denied", "expired-token",
}


# --------------------------------------------------------------------------
# botocore service model (loaded once)
# --------------------------------------------------------------------------

class Model:
    def __init__(self) -> None:
        raw = botocore.loaders.Loader().load_service_model(SERVICE, "service-2")
        self.service = botocore.model.ServiceModel(raw, service_name=SERVICE)
        self.operations = set(self.service.operation_names)
        self.validator = botocore.validate.ParamValidator()
        self._inputs = {}
        for name in self.operations:
            self._inputs[name] = self.service.operation_model(name).input_shape

    def validate(self, operation: str, params: dict) -> list[str]:
        """Return a list of validation messages (empty when valid).

        botocore's ParamValidator checks types, required members, unknown
        keys and minimums; the service additionally enforces ``max`` and
        ``pattern``, which we check by walking the same shapes."""
        shape = self._inputs[operation]
        errors: list[str] = []
        report = self.validator.validate(params, shape)
        if report.has_errors():
            errors.extend(
                line.strip() for line in report.generate_report().splitlines()
                if line.strip() and not line.startswith("Parameter validation failed")
            )
            return errors
        self._constraints(params, shape, "", errors)
        return errors

    def _constraints(self, value, shape, path, errors) -> None:
        label = path or "input"
        if shape.type_name == "structure":
            for key, member in shape.members.items():
                if isinstance(value, dict) and key in value:
                    self._constraints(value[key], member, f"{path}.{key}" if path else key, errors)
        elif shape.type_name == "list":
            mx = shape.metadata.get("max")
            if mx is not None and len(value) > mx:
                errors.append(
                    f"Value at '{label}' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {mx}")
            for i, item in enumerate(value):
                self._constraints(item, shape.member, f"{label}.{i + 1}.member", errors)
        elif shape.type_name == "string":
            mx = shape.metadata.get("max")
            if mx is not None and len(value) > mx:
                errors.append(
                    f"Value at '{label}' failed to satisfy constraint: "
                    f"Member must have length less than or equal to {mx}")
            pattern = shape.metadata.get("pattern")
            if pattern and not re.fullmatch(pattern, value):
                errors.append(
                    f"Value '{value[:64]}' at '{label}' failed to satisfy constraint: "
                    f"Member must satisfy regular expression pattern: {pattern}")
            enum = shape.metadata.get("enum")
            if enum and value not in enum:
                errors.append(f"Value '{value[:64]}' at '{label}' failed to satisfy enum {enum}")


# --------------------------------------------------------------------------
# State
# --------------------------------------------------------------------------

class StateError(ValueError):
    pass


def _norm_layer(digest: str, value) -> dict:
    if isinstance(value, bool):
        raise StateError(f"layer {digest}: size must be an integer")
    if isinstance(value, int):
        return {"size": value, "mediaType": DEFAULT_MEDIA_TYPE}
    if isinstance(value, dict):
        size = value.get("size")
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise StateError(f"layer {digest}: 'size' must be a non-negative integer")
        mt = value.get("mediaType", DEFAULT_MEDIA_TYPE)
        if not isinstance(mt, str):
            raise StateError(f"layer {digest}: 'mediaType' must be a string")
        return {"size": size, "mediaType": mt}
    raise StateError(f"layer {digest}: expected an integer size or an object")


def _norm_style(value, where: str):
    if value is None:
        return None
    if value not in ("failure", "unavailable"):
        raise StateError(f"{where}: missingStyle must be 'failure' or 'unavailable'")
    return value


def normalize_state(doc) -> dict:
    """Check and normalise a state document.  Returns a new dict."""
    if doc is None:
        doc = {}
    if not isinstance(doc, dict):
        raise StateError("state must be a JSON object")
    known = {"credentials", "defaultRegistry", "registries", "allowedRegions"}
    unknown = set(doc) - known
    if unknown:
        raise StateError(f"unknown state keys: {sorted(unknown)}")
    creds = {}
    for c in doc.get("credentials") or []:
        if not isinstance(c, dict) or not isinstance(c.get("accessKeyId"), str) \
                or not isinstance(c.get("secretAccessKey"), str):
            raise StateError("each credential needs string accessKeyId and secretAccessKey")
        token = c.get("sessionToken")
        if token is not None and not isinstance(token, str):
            raise StateError("sessionToken must be a string or null")
        creds[c["accessKeyId"]] = {
            "accessKeyId": c["accessKeyId"],
            "secretAccessKey": c["secretAccessKey"],
            "sessionToken": token or None,
            "expired": bool(c.get("expired", False)),
        }
    registries = {}
    aliases = {}
    for r in doc.get("registries") or []:
        if not isinstance(r, dict) or not isinstance(r.get("registryId"), str):
            raise StateError("each registry needs a string registryId")
        rid = r["registryId"]
        reg_style = _norm_style(r.get("missingStyle"), f"registry {rid}") or "failure"
        repos = {}
        raw_repos = r.get("repositories") or {}
        if not isinstance(raw_repos, dict):
            raise StateError(f"registry {rid}: repositories must be an object")
        for name, repo in raw_repos.items():
            if repo is None:
                repo = {}
            if not isinstance(repo, dict):
                raise StateError(f"repository {name}: expected an object")
            layers_raw = repo.get("layers") or {}
            if not isinstance(layers_raw, dict):
                raise StateError(f"repository {name}: layers must be an object")
            repos[name] = {
                "missingStyle": _norm_style(repo.get("missingStyle"), f"repository {name}"),
                "layers": {d: _norm_layer(d, v) for d, v in layers_raw.items()},
            }
        al = r.get("aliases") or []
        if isinstance(al, str):
            al = [al]
        for a in al:
            if not isinstance(a, str):
                raise StateError(f"registry {rid}: aliases must be strings")
            aliases[a] = rid
        registries[rid] = {"registryId": rid, "aliases": list(al),
                           "missingStyle": reg_style, "repositories": repos}
    default = doc.get("defaultRegistry")
    if default is None and len(registries) == 1:
        default = next(iter(registries))
    if default is not None:
        default = aliases.get(default, default)
        if default not in registries:
            raise StateError(f"defaultRegistry {default!r} is not a registry")
    regions = doc.get("allowedRegions")
    if regions is not None and (not isinstance(regions, list)
                                or not all(isinstance(x, str) for x in regions)):
        raise StateError("allowedRegions must be a list of strings")
    return {"credentials": creds, "defaultRegistry": default, "registries": registries,
            "aliases": aliases, "allowedRegions": regions}


def redacted_state(state: dict) -> dict:
    out = {
        "credentials": [
            {"accessKeyId": c["accessKeyId"], "secretAccessKey": "***",
             "sessionToken": "***" if c["sessionToken"] else None, "expired": c["expired"]}
            for c in state["credentials"].values()
        ],
        "defaultRegistry": state["defaultRegistry"],
        "registries": [copy.deepcopy(r) for r in state["registries"].values()],
    }
    if state.get("allowedRegions") is not None:
        out["allowedRegions"] = list(state["allowedRegions"])
    return out


# --------------------------------------------------------------------------
# SigV4 verification (botocore's signer is the reference implementation)
# --------------------------------------------------------------------------

class _VerifyingSigV4(botocore.auth.SigV4Auth):
    """SigV4Auth whose header set is exactly the client's SignedHeaders."""

    def __init__(self, credentials, service_name, region_name, signed: HTTPHeaders):
        super().__init__(credentials, service_name, region_name)
        self._signed = signed

    def headers_to_sign(self, request):
        return self._signed


class AuthResult:
    __slots__ = ("ok", "status", "code", "message", "access_key", "region",
                 "signed_headers", "token_signed")

    def __init__(self):
        self.ok = False
        self.status = 403
        self.code = None
        self.message = None
        self.access_key = None
        self.region = None
        self.signed_headers = None
        self.token_signed = None

    def fail(self, status, code, message):
        self.ok, self.status, self.code, self.message = False, status, code, message
        return self


def parse_authorization(value: str):
    value = value.strip()
    algo, _, rest = value.partition(" ")
    if algo != "AWS4-HMAC-SHA256":
        return None, f"Unsupported Authorization algorithm {algo!r}"
    parts = {}
    for item in rest.split(","):
        k, eq, v = item.strip().partition("=")
        if not eq:
            return None, f"Authorization component {item.strip()!r} is not key=value"
        parts[k.strip()] = v.strip()
    for k in ("Credential", "SignedHeaders", "Signature"):
        if k not in parts:
            return None, f"Authorization header requires '{k}' parameter"
    return parts, None


def verify_sigv4(method: str, path: str, headers, body: bytes, state: dict,
                 allowed_regions, now: float | None = None) -> AuthResult:
    """Verify the request's SigV4 signature.  ``headers`` is an
    email.message.Message (http.server's parsed headers)."""
    res = AuthResult()
    if now is None:
        now = time.time()
    token_hdr = headers.get_all("x-amz-security-token")
    auth = headers.get("authorization")
    if not auth:
        return res.fail(403, "MissingAuthenticationTokenException",
                        "Missing Authentication Token")
    parts, err = parse_authorization(auth)
    if err:
        return res.fail(400, "IncompleteSignatureException", err)
    cred = parts["Credential"].split("/")
    if len(cred) != 5:
        return res.fail(400, "IncompleteSignatureException",
                        f"Credential must have exactly 5 slash-delimited elements, "
                        f"e.g. keyid/date/region/service/term, got '{parts['Credential']}'")
    akid, scope_date, region, service, term = cred
    res.access_key, res.region = akid, region
    signed_names = [h.strip() for h in parts["SignedHeaders"].split(";") if h.strip()]
    res.signed_headers = signed_names
    if token_hdr is not None:
        res.token_signed = "x-amz-security-token" in signed_names

    amz_date = headers.get_all("x-amz-date")
    if not amz_date:
        return res.fail(400, "IncompleteSignatureException",
                        "Authorization header requires existence of a 'X-Amz-Date' header")
    if len(amz_date) > 1:
        return res.fail(400, "IncompleteSignatureException",
                        "X-Amz-Date header sent more than once")
    amz_date = amz_date[0].strip()
    try:
        req_time = _dt.datetime.strptime(amz_date, AMZ_DATE_FMT).replace(
            tzinfo=_dt.timezone.utc).timestamp()
    except ValueError:
        return res.fail(400, "IncompleteSignatureException",
                        f"X-Amz-Date '{amz_date}' is not in the format YYYYMMDD'T'HHMMSS'Z'")

    c = state["credentials"].get(akid)
    if c is None:
        return res.fail(403, "UnrecognizedClientException",
                        "The security token included in the request is invalid.")
    if scope_date != amz_date[:8]:
        return res.fail(403, "InvalidSignatureException",
                        f"Date in Credential scope does not match YYYYMMDD from ISO-8601 "
                        f"version of date from HTTP: '{scope_date}' != '{amz_date[:8]}'")
    if region not in allowed_regions:
        return res.fail(403, "InvalidSignatureException",
                        f"Credential should be scoped to a valid region, not '{region}'.")
    if service != SERVICE:
        return res.fail(403, "InvalidSignatureException",
                        f"Credential should be scoped to correct service: '{SERVICE}'.")
    if term != "aws4_request":
        return res.fail(403, "InvalidSignatureException",
                        "Credential should be scoped with a valid terminator: "
                        f"'aws4_request', not '{term}'.")
    if signed_names != sorted(set(signed_names)) or any(h != h.lower() for h in signed_names):
        return res.fail(403, "InvalidSignatureException",
                        "SignedHeaders must be lowercase, sorted and unique")
    missing = [h for h in REQUIRED_SIGNED if h not in signed_names]
    if missing:
        return res.fail(403, "InvalidSignatureException",
                        f"Header(s) {', '.join(missing)} must be signed")

    # Rebuild the request with ONLY the headers the client says it signed.
    signed = HTTPHeaders()
    for name in signed_names:
        values = headers.get_all(name)
        if values is None:
            return res.fail(403, "InvalidSignatureException",
                            f"Signed header '{name}' is not present in the request")
        for v in values:
            signed[name] = v
    body_hash = hashlib.sha256(body).hexdigest()
    claimed = headers.get("x-amz-content-sha256")
    if claimed is not None and claimed.strip() != body_hash:
        return res.fail(403, "InvalidSignatureException",
                        "x-amz-content-sha256 does not match the request body")
    host = headers.get("host", "")
    req = AWSRequest(method=method, url=f"http://{host}{path}", data=body,
                     headers=signed)
    req.context["timestamp"] = amz_date
    signer = _VerifyingSigV4(ReadOnlyCredentials(akid, c["secretAccessKey"], None),
                             SERVICE, region, signed)
    canonical = signer.canonical_request(req)
    sts = signer.string_to_sign(req, canonical)
    expected = signer.signature(sts, req)
    if not hmac.compare_digest(expected, parts["Signature"]):
        return res.fail(403, "InvalidSignatureException",
                        "The request signature we calculated does not match the signature "
                        "you provided. Check your AWS Secret Access Key and signing method. "
                        "Consult the service documentation for details.")
    if abs(now - req_time) > MAX_SKEW_SECONDS:
        now_s = time.strftime(AMZ_DATE_FMT, time.gmtime(now))
        return res.fail(403, "InvalidSignatureException",
                        f"Signature expired: {amz_date} is now earlier than {now_s} "
                        f"(or later; allowed skew is 15 min).")

    # Session tokens.
    if c["sessionToken"] is not None:
        if not token_hdr:
            return res.fail(403, "UnrecognizedClientException",
                            "The security token included in the request is invalid. "
                            "(temporary credentials need X-Amz-Security-Token)")
        if not res.token_signed:
            return res.fail(403, "InvalidSignatureException",
                            "X-Amz-Security-Token must be included in SignedHeaders")
        if len(token_hdr) != 1 or not hmac.compare_digest(
                token_hdr[0].strip().encode(), c["sessionToken"].encode()):
            return res.fail(403, "UnrecognizedClientException",
                            "The security token included in the request is invalid.")
        if c["expired"]:
            return res.fail(403, "ExpiredTokenException",
                            "The security token included in the request is expired")
    elif token_hdr:
        return res.fail(403, "UnrecognizedClientException",
                        "The security token included in the request is invalid.")
    elif c["expired"]:
        return res.fail(403, "ExpiredTokenException",
                        "The security token included in the request is expired")
    res.ok, res.status = True, 200
    return res


# --------------------------------------------------------------------------
# The emulator
# --------------------------------------------------------------------------

class ServiceError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class Emulator:
    def __init__(self, state_doc=None, latency_ms: int = 0,
                 regions=DEFAULT_REGIONS, quiet: bool = False, log_limit: int = 100000):
        self.model = Model()
        self.lock = threading.RLock()
        self.state = normalize_state(state_doc)
        self.latency = max(0, latency_ms) / 1000.0
        self.regions = tuple(regions)
        self.quiet = quiet
        # Oldest entries are dropped beyond log_limit so long benchmarks stay bounded.
        self.requests: collections.deque = collections.deque(maxlen=max(1, log_limit))
        self.faults: list[dict] = []
        self.stopping = threading.Event()

    # ---- state -----------------------------------------------------------
    def replace_state(self, doc) -> None:
        new = normalize_state(doc)
        with self.lock:
            self.state = new

    def allowed_regions(self, state):
        return tuple(state["allowedRegions"]) if state.get("allowedRegions") else self.regions

    def set_layer(self, doc: dict) -> dict:
        if not isinstance(doc, dict):
            raise StateError("body must be an object")
        repo_name = doc.get("repository")
        digest = doc.get("digest")
        if not isinstance(repo_name, str) or not isinstance(digest, str):
            raise StateError("'repository' and 'digest' are required strings")
        present = doc.get("present", True)
        with self.lock:
            st = self.state
            reg_key = doc.get("registry") or st["defaultRegistry"]
            if reg_key is None:
                raise StateError("no registry given and no default registry")
            rid = st["aliases"].get(reg_key, reg_key)
            reg = st["registries"].get(rid)
            if reg is None:
                if not present:
                    return {"ok": True, "changed": False}
                if not REGISTRY_ID_RE.match(rid):
                    raise StateError(f"unknown registry {reg_key!r}")
                reg = st["registries"][rid] = {"registryId": rid, "aliases": [],
                                               "missingStyle": "failure", "repositories": {}}
                if st["defaultRegistry"] is None:
                    st["defaultRegistry"] = rid
            repos = reg["repositories"]
            if present:
                layer = _norm_layer(digest, {"size": doc.get("size", 0),
                                             "mediaType": doc.get("mediaType", DEFAULT_MEDIA_TYPE)})
                repo = repos.setdefault(repo_name, {"missingStyle": None, "layers": {}})
                repo["layers"][digest] = layer
                return {"ok": True, "changed": True}
            repo = repos.get(repo_name)
            changed = bool(repo and repo["layers"].pop(digest, None) is not None)
            return {"ok": True, "changed": changed}

    # ---- faults ----------------------------------------------------------
    def add_faults(self, doc) -> int:
        rules = doc.get("faults") if isinstance(doc, dict) and "faults" in doc else doc
        if isinstance(rules, dict):
            rules = [rules]
        if not isinstance(rules, list):
            raise StateError("expected a rule object or a list of rules")
        parsed = []
        for r in rules:
            if not isinstance(r, dict) or r.get("kind") not in FAULT_KINDS:
                raise StateError(f"bad fault rule {r!r}; kinds: {sorted(FAULT_KINDS)}")
            extra = set(r) - {"kind", "count", "repository", "delayMs", "status", "digest"}
            if extra:
                raise StateError(f"unknown fault keys {sorted(extra)}")
            count = r.get("count", 1)
            if not isinstance(count, int) or count == 0 or count < -1:
                raise StateError("count must be a positive integer or -1")
            rule = {"kind": r["kind"], "count": count,
                    "repository": r.get("repository"),
                    "delayMs": int(r.get("delayMs", 60000 if r["kind"] == "stall" else 1000)),
                    "status": r.get("status"), "digest": r.get("digest")}
            parsed.append(rule)
        with self.lock:
            self.faults.extend(parsed)
            return len(self.faults)

    def take_fault(self, repository):
        with self.lock:
            for i, rule in enumerate(self.faults):
                if rule["repository"] is not None and rule["repository"] != repository:
                    continue
                if rule["count"] > 0:
                    rule["count"] -= 1
                    if rule["count"] == 0:
                        del self.faults[i]
                return dict(rule)
        return None

    # ---- log -------------------------------------------------------------
    def log_add(self, entry: dict) -> None:
        with self.lock:
            self.requests.append(entry)

    def log_update(self, entry: dict, **kw) -> None:
        with self.lock:
            entry.update(kw)

    def log_snapshot(self) -> list:
        with self.lock:
            return [dict(e) for e in self.requests]

    def log_clear(self) -> None:
        with self.lock:
            self.requests.clear()

    # ---- operations --------------------------------------------------------
    def batch_check(self, params: dict) -> dict:
        with self.lock:
            st = self.state
            reg_key = params.get("registryId")
            if reg_key is None:
                rid = st["defaultRegistry"]
                if rid is None:
                    raise ServiceError(400, "RegistryNotFoundException",
                                       "The caller has no default public registry")
            else:
                if not (REGISTRY_ID_RE.match(reg_key) or ALIAS_RE.match(reg_key)):
                    raise ServiceError(400, "InvalidParameterException",
                                       f"Invalid parameter at 'registryId' failed to satisfy "
                                       f"constraint: 'must be a 12-digit registry id or a "
                                       f"registry alias'")
                rid = st["aliases"].get(reg_key, reg_key)
            reg = st["registries"].get(rid)
            if reg is None:
                raise ServiceError(400, "RegistryNotFoundException",
                                   f"The registry '{reg_key or rid}' does not exist")
            name = params["repositoryName"]
            repo = reg["repositories"].get(name)
            if repo is None:
                raise ServiceError(400, "RepositoryNotFoundException",
                                   f"The repository with name '{name}' does not exist in the "
                                   f"registry with id '{rid}'")
            style = repo["missingStyle"] or reg["missingStyle"]
            layers, failures, seen = [], [], set()
            for d in params["layerDigests"]:
                if d in seen:
                    continue
                seen.add(d)
                if not DIGEST_RE.match(d):
                    failures.append({"layerDigest": d, "failureCode": "InvalidLayerDigest",
                                     "failureReason": "Invalid layer digest"})
                    continue
                layer = repo["layers"].get(d)
                if layer is not None:
                    layers.append({"layerDigest": d, "layerAvailability": "AVAILABLE",
                                   "layerSize": layer["size"], "mediaType": layer["mediaType"]})
                elif style == "unavailable":
                    layers.append({"layerDigest": d, "layerAvailability": "UNAVAILABLE"})
                else:
                    failures.append({"layerDigest": d, "failureCode": "MissingLayerDigest",
                                     "failureReason": "Requested layer not found"})
            return {"layers": layers, "failures": failures}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "ecr-public-emulator/1"
    disable_nagle_algorithm = True  # TCP_NODELAY on every accepted socket
    timeout = 600  # drop connections idle (or stuck mid-request) for 10 minutes
    emu: Emulator  # set on the subclass created by make_server

    # ---- plumbing ----------------------------------------------------------
    def version_string(self):
        return self.server_version

    def log_request(self, code="-", size="-"):
        pass

    def log_message(self, fmt, *args):
        if not self.emu.quiet:
            sys.stderr.write("emulator: " + (fmt % args) + "\n")

    def _read_body(self) -> bytes:
        te = (self.headers.get("transfer-encoding") or "").lower()
        if "chunked" in te:
            chunks = []
            while True:
                line = self.rfile.readline(65537)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            return b"".join(chunks)
        n = int(self.headers.get("content-length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status: int, body: bytes, ctype: str = JSON_CT,
              extra: dict | None = None, content_length: int | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body) if content_length is None else content_length))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self._headers_buffer.append(b"\r\n")
        self._headers_buffer.append(body)
        self.flush_headers()

    def _json(self, status: int, obj) -> None:
        self._send(status, json.dumps(obj).encode(), "application/json")

    def _service_error(self, status, code, message, request_id):
        body = json.dumps({"__type": code, "message": message}).encode()
        self._send(status, body, JSON_CT, {"x-amzn-RequestId": request_id, "x-amzn-ErrorType": code})

    def _path(self) -> str:
        p = self.path
        if p.startswith("http://") or p.startswith("https://"):
            s = urlsplit(p)
            p = s.path + ("?" + s.query if s.query else "")
        return p or "/"

    # ---- HTTP verbs ----------------------------------------------------------
    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def _dispatch(self):
        try:
            body = self._read_body()
        except ValueError:
            self.close_connection = True
            self._json(400, {"ok": False, "error": "bad Content-Length or chunked framing"})
            return
        path = self._path()
        if path.startswith(CONTROL_PREFIX):
            self._control(path, body)
        else:
            self._service(path, body)

    # ---- control API -----------------------------------------------------------
    def _control(self, path: str, body: bytes) -> None:
        emu = self.emu
        route = (self.command, urlsplit(path).path[len(CONTROL_PREFIX):].rstrip("/"))
        try:
            doc = json.loads(body) if body.strip() else None
        except ValueError as e:
            self._json(400, {"ok": False, "error": f"bad JSON: {e}"})
            return
        try:
            if route == ("GET", "health"):
                out = {"ok": True}
            elif route == ("GET", "requests"):
                out = emu.log_snapshot()
            elif route == ("POST", "requests/clear"):
                emu.log_clear()
                out = {"ok": True}
            elif route == ("GET", "state"):
                with emu.lock:
                    out = redacted_state(emu.state)
            elif route in (("PUT", "state"), ("POST", "state")):
                emu.replace_state(doc)
                out = {"ok": True}
            elif route == ("POST", "layers"):
                out = emu.set_layer(doc)
            elif route == ("POST", "faults"):
                out = {"ok": True, "faults": emu.add_faults(doc)}
            elif route == ("DELETE", "faults"):
                with emu.lock:
                    emu.faults.clear()
                out = {"ok": True}
            elif route == ("GET", "faults"):
                with emu.lock:
                    out = [dict(f) for f in emu.faults]
            else:
                self._json(404, {"ok": False, "error": f"no control route {route[0]} {route[1]}"})
                return
        except StateError as e:
            self._json(400, {"ok": False, "error": str(e)})
            return
        except Exception as e:  # keep the connection usable on a bad control request
            self._json(500, {"ok": False, "error": repr(e)})
            return
        self._json(200, out)

    # ---- service -------------------------------------------------------------------
    def _service(self, path: str, body: bytes) -> None:
        emu = self.emu
        request_id = str(uuid.uuid4())
        target = (self.headers.get("x-amz-target") or "").strip()
        operation = target[len(TARGET_PREFIX):] if target.startswith(TARGET_PREFIX) else (target or None)
        params = None
        try:
            params = json.loads(body) if body else {}
        except ValueError:
            pass
        p = params if isinstance(params, dict) else {}
        digests = p.get("layerDigests")
        entry = {
            "operation": operation,
            "registryId": p.get("registryId"),
            "repositoryName": p.get("repositoryName"),
            "layerDigests": list(digests) if isinstance(digests, list) else None,
            "signatureValid": False, "signatureError": None, "sessionTokenSigned": None,
            "status": None, "fault": None, "time": time.time(),
            "requestId": request_id, "method": self.command, "path": path,
            "accessKeyId": None, "region": None, "signedHeaders": None,
            "contentType": self.headers.get("content-type"),
            "userAgent": self.headers.get("user-agent"),
        }
        with emu.lock:
            state = emu.state
        auth = verify_sigv4(self.command, path, self.headers, body, state,
                            emu.allowed_regions(state))
        entry.update(signatureValid=auth.ok, sessionTokenSigned=auth.token_signed,
                     accessKeyId=auth.access_key, region=auth.region,
                     signedHeaders=auth.signed_headers,
                     signatureError=None if auth.ok else f"{auth.code}: {auth.message}")
        emu.log_add(entry)

        def finish(status):
            emu.log_update(entry, status=status)
            if not emu.quiet:
                sys.stderr.write(f"emulator: {self.command} {operation} "
                                 f"{entry['repositoryName']} -> {status}"
                                 f"{' fault=' + entry['fault'] if entry['fault'] else ''}\n")

        if emu.latency:
            time.sleep(emu.latency)
        if not auth.ok:
            self._service_error(auth.status, auth.code, auth.message, request_id)
            finish(auth.status)
            return

        fault = emu.take_fault(entry["repositoryName"])
        drop = None
        if fault:
            kind = fault["kind"]
            entry["fault"] = kind
            if kind in ("slow", "stall"):
                emu.stopping.wait(fault["delayMs"] / 1000.0)
            elif kind == "throttle":
                self._service_error(400, "ThrottlingException", "Rate exceeded", request_id)
                return finish(400)
            elif kind == "throttle429":
                self._service_error(429, "TooManyRequestsException", "Too Many Requests", request_id)
                return finish(429)
            elif kind == "access-denied":
                self._service_error(400, "AccessDeniedException",
                                    "User is not authorized to perform: "
                                    "ecr-public:BatchCheckLayerAvailability", request_id)
                return finish(400)
            elif kind == "expired-token":
                self._service_error(403, "ExpiredTokenException",
                                    "The security token included in the request is expired",
                                    request_id)
                return finish(403)
            elif kind == "http500":
                status = int(fault["status"] or 500)
                if status == 500:
                    self._service_error(500, "ServerException",
                                        "Internal failure (injected)", request_id)
                else:
                    reason = self.responses.get(status, ("Error",))[0]
                    html = (f"<html><head><title>{status} {reason}</title></head><body>"
                            f"<h1>{status} {reason}</h1></body></html>\n").encode()
                    self._send(status, html, "text/html")
                return finish(status)
            elif kind == "reset":
                finish(0)
                self._reset()
                return
            elif kind == "malformed":
                self._send(200, b"<html>this is not JSON {", JSON_CT,
                           {"x-amzn-RequestId": request_id})
                return finish(200)
            elif kind == "wrong-shape":
                self._send(200, json.dumps({"layers": "not-a-list", "failures": 42}).encode(),
                           JSON_CT, {"x-amzn-RequestId": request_id})
                return finish(200)
            elif kind == "drop-digest":
                drop = fault["digest"] or ((entry["layerDigests"] or [None])[0])
            # "truncated" is applied to the normal answer below.

        try:
            status, out = 200, self._operation(operation, target, params)
        except ServiceError as e:
            self._service_error(e.status, e.code, e.message, request_id)
            return finish(e.status)
        except Exception as e:  # pragma: no cover - defensive
            self._service_error(500, "ServerException", f"emulator bug: {e!r}", request_id)
            return finish(500)
        if drop is not None:
            out["layers"] = [x for x in out.get("layers", []) if x.get("layerDigest") != drop]
            out["failures"] = [x for x in out.get("failures", []) if x.get("layerDigest") != drop]
        data = json.dumps(out).encode()
        if fault and fault["kind"] == "truncated":
            self.close_connection = True
            self._send(200, data[: len(data) // 2], JSON_CT, {"x-amzn-RequestId": request_id},
                       content_length=len(data))
            return finish(200)
        self._send(status, data, JSON_CT, {"x-amzn-RequestId": request_id})
        finish(status)

    def _operation(self, operation, target, params):
        emu = self.emu
        if self.command != "POST":
            raise ServiceError(400, "UnknownOperationException",
                               f"{self.command} is not supported; use POST /")
        if not target.startswith(TARGET_PREFIX) or operation not in emu.model.operations:
            raise ServiceError(400, "UnknownOperationException",
                               f"Unknown operation {target!r}")
        ctype = (self.headers.get("content-type") or "").split(";")[0].strip().lower()
        if ctype not in ("application/x-amz-json-1.1", "application/x-amz-json-1.0"):
            raise ServiceError(400, "SerializationException",
                               f"Unsupported Content-Type {ctype!r}; expected {JSON_CT}")
        if params is None or not isinstance(params, dict):
            raise ServiceError(400, "SerializationException",
                               "Request body is not a JSON object")
        if operation != "BatchCheckLayerAvailability":
            raise ServiceError(400, "UnsupportedCommandException",
                               f"The emulator does not implement {operation}")
        errors = emu.model.validate(operation, params)
        if errors:
            raise ServiceError(400, "InvalidParameterException",
                               f"{len(errors)} validation error(s) detected: " + "; ".join(errors))
        return emu.batch_check(params)

    def _reset(self):
        """Abort the connection: RST instead of FIN (SO_LINGER 0)."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                       struct.pack("ii", 1, 0))
            self.rfile.close()
            self.connection.close()
        except OSError:
            pass


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


def make_server(emu: Emulator, host: str = "127.0.0.1", port: int = 0) -> Server:
    handler = type("BoundHandler", (Handler,), {"emu": emu})
    cls = Server
    if ":" in host:
        cls = type("Server6", (Server,), {"address_family": socket.AF_INET6})
    return cls((host, port), handler)


def _write_port_file(path: str, port: int) -> None:
    d = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".port-", dir=d)
    with os.fdopen(fd, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--state", help="state JSON file (default: empty state)")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=0, help="0 = pick a free port")
    ap.add_argument("--port-file", help="write the chosen port here (atomically)")
    ap.add_argument("--latency-ms", type=int, default=0,
                    help="delay added to every service answer")
    ap.add_argument("--regions", default=",".join(DEFAULT_REGIONS),
                    help="comma-separated regions accepted in the credential scope")
    ap.add_argument("--log-limit", type=int, default=100000,
                    help="keep at most this many request-log entries (oldest dropped)")
    ap.add_argument("--quiet", action="store_true", help="no per-request lines on stderr")
    args = ap.parse_args(argv)

    doc = None
    if args.state:
        try:
            with open(args.state) as f:
                doc = json.load(f)
        except (OSError, ValueError) as e:
            print(f"error: cannot read state {args.state}: {e}", file=sys.stderr)
            return 2
    try:
        emu = Emulator(doc, latency_ms=args.latency_ms,
                       regions=[r.strip() for r in args.regions.split(",") if r.strip()],
                       quiet=args.quiet, log_limit=args.log_limit)
    except StateError as e:
        print(f"error: invalid state: {e}", file=sys.stderr)
        return 2
    server = make_server(emu, args.host, args.port)
    port = server.server_address[1]

    def stop(signum, frame):
        emu.stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # A parent that blocks signals in its threads (Swift's test runner, libdispatch) hands that mask to its
    # children; without this the emulator would ignore SIGTERM and outlive the test that started it.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    if args.port_file:
        _write_port_file(args.port_file, port)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"listening on http://{shown}:{port}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
