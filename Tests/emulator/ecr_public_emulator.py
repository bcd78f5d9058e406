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
import asyncio
import collections
import copy
import datetime as _dt
import email.utils
import functools
import gc
import hashlib
import hmac
import http
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
from urllib.parse import urlsplit

import botocore.auth
import botocore.loaders
import botocore.model
import botocore.validate
from botocore.credentials import ReadOnlyCredentials

from registry_flavour import RegistryFlavour, TokenIssuer, find_image

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
        self._fast = {}
        for name in self.operations:
            shape = self.service.operation_model(name).input_shape
            self._inputs[name] = shape
            self._fast[name] = _compile_shape(shape) if shape is not None else None

    def validate(self, operation: str, params: dict) -> list[str]:
        """Return a list of validation messages (empty when valid).

        botocore's ParamValidator checks types, required members, unknown
        keys and minimums; the service additionally enforces ``max`` and
        ``pattern``, which we check by walking the same shapes.

        Fast path: a checker compiled once from the same botocore shapes
        accepts only input that both of those would accept (it is stricter
        where in doubt, e.g. exact JSON types). Anything it does not accept
        goes through botocore's ParamValidator and the shape walk, which
        alone decide the answer and produce the messages."""
        fast = self._fast.get(operation)
        if fast is not None and fast(params):
            return []
        return self.validate_slow(operation, params)

    def validate_slow(self, operation: str, params: dict) -> list[str]:
        """The reference path: botocore's ParamValidator, then max/pattern/enum."""
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


def _compile_shape(shape):
    """A predicate built once from a botocore shape: True only when the value
    certainly passes ParamValidator and the max/pattern/enum walk.  Shapes it
    does not understand compile to None (the caller then always takes the slow
    path); the predicate never decides that input is invalid."""
    meta = shape.metadata
    ser = getattr(shape, "serialization", {}) or {}
    if ser.get("jsonvalue") or meta.get("document") or getattr(shape, "is_tagged_union", False):
        return None
    kind = shape.type_name
    if kind == "string":
        lo = meta.get("min", 1 if ser.get("hostLabel") else 0)
        hi = meta.get("max")
        pattern = re.compile(meta["pattern"]).fullmatch if meta.get("pattern") else None
        enum = frozenset(meta["enum"]) if meta.get("enum") else None
        if hi is None:
            hi = float("inf")
        if pattern is None and enum is None:
            return lambda v: type(v) is str and lo <= len(v) <= hi
        return lambda v: (type(v) is str and lo <= len(v) <= hi
                          and (pattern is None or pattern(v) is not None)
                          and (enum is None or v in enum))
    if kind == "list":
        lo, hi = meta.get("min", 0), meta.get("max", float("inf"))
        m = shape.member
        mm, mser = m.metadata, getattr(m, "serialization", {}) or {}
        if (m.type_name == "string" and not mm.get("pattern") and not mm.get("enum")
                and not mser.get("jsonvalue")):
            # The common case (layerDigests): a list of plain strings, checked in one pass.
            s_lo = mm.get("min", 1 if mser.get("hostLabel") else 0)
            s_hi = mm.get("max", float("inf"))
            str_only = {str}

            def check_strings(v):
                if type(v) is not list or not lo <= len(v) <= hi:
                    return False
                if not v:
                    return True
                lengths = list(map(len, v)) if set(map(type, v)) == str_only else None
                return lengths is not None and s_lo <= min(lengths) and max(lengths) <= s_hi
            return check_strings
        member = _compile_shape(m)
        if member is None:
            return None
        return lambda v: type(v) is list and lo <= len(v) <= hi and all(member(x) for x in v)
    if kind == "structure":
        members = {}
        for name, m in shape.members.items():
            c = _compile_shape(m)
            if c is None:
                return None
            members[name] = c
        required = frozenset(shape.required_members)

        def check(v):
            if type(v) is not dict or not required <= v.keys():
                return False
            for k, x in v.items():
                c = members.get(k)
                if c is None or not c(x):
                    return False
            return True
        return check
    return None


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


def _norm_image(value, repository: str) -> dict:
    """An image (manifest) of a repository: what DescribeImages and the registry's manifests endpoint answer."""
    if not isinstance(value, dict) or not isinstance(value.get("imageDigest"), str) \
            or not DIGEST_RE.match(value["imageDigest"]):
        raise StateError(f"repository {repository}: each image needs a valid imageDigest")
    tags = value.get("imageTags") or []
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise StateError(f"repository {repository}: imageTags must be a list of strings")
    return {"imageDigest": value["imageDigest"], "imageTags": list(tags),
            "imageManifestMediaType": value.get("imageManifestMediaType")
            or "application/vnd.oci.image.manifest.v1+json",
            "imageSizeInBytes": int(value.get("imageSizeInBytes") or 0)}


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
                "images": [_norm_image(i, name) for i in repo.get("images") or []],
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

class Headers:
    """Request headers as parsed off the wire: case-insensitive, repeated
    names kept in order.  Offers the parts of email.message.Message's
    interface that botocore's signer and this module use (get, get_all,
    ``in``, ``[]``, iteration over names)."""

    __slots__ = ("_d",)

    def __init__(self, pairs=()):
        d: dict[str, list[str]] = {}
        for name, value in pairs:
            key = name.lower()
            if key in d:
                d[key].append(value)
            else:
                d[key] = [value]
        self._d = d

    def add(self, name: str, value: str) -> None:
        key = name.lower()
        if key in self._d:
            self._d[key].append(value)
        else:
            self._d[key] = [value]

    def get(self, name: str, default=None):
        v = self._d.get(name.lower())
        return v[0] if v else default

    def get_all(self, name: str, failobj=None):
        v = self._d.get(name.lower())
        return list(v) if v else failobj

    def __getitem__(self, name: str):
        return self.get(name)

    def __contains__(self, name) -> bool:
        return isinstance(name, str) and name.lower() in self._d

    def __iter__(self):
        return iter(self._d)

    def __len__(self) -> int:
        return len(self._d)

    def items(self):
        return [(k, v) for k, vs in self._d.items() for v in vs]


class _SigningRequest:
    """The request as botocore's SigV4Auth reads it (method, url, params,
    headers, body, context); a plain carrier instead of AWSRequest, whose
    ``body`` property re-prepares the whole request on every access."""

    __slots__ = ("method", "url", "params", "headers", "body", "context")

    def __init__(self, method, url, headers, body, timestamp):
        self.method, self.url, self.params = method, url, {}
        self.headers, self.body = headers, body
        self.context = {"timestamp": timestamp}


@functools.lru_cache(maxsize=1024)
def _signing_key(secret: str, date: str, region: str, service: str) -> bytes:
    """The derived SigV4 key, computed by botocore's own HMAC step exactly as
    SigV4Auth.signature does; it depends on nothing in the request but the
    scope, so it is computed once per (secret, date, region, service)."""
    sign = botocore.auth.SigV4Auth(None, service, region)._sign
    k_date = sign(f"AWS4{secret}".encode(), date)
    return sign(sign(sign(k_date, region), service), "aws4_request")


class _VerifyingSigV4(botocore.auth.SigV4Auth):
    """SigV4Auth whose header set is exactly the client's SignedHeaders."""

    def __init__(self, credentials, service_name, region_name, signed):
        super().__init__(credentials, service_name, region_name)
        self._signed = signed

    def headers_to_sign(self, request):
        return self._signed

    def signature(self, string_to_sign, request):
        key = _signing_key(self.credentials.secret_key, request.context["timestamp"][0:8],
                           self._region_name, self._service_name)
        return self._sign(key, string_to_sign, hex=True)


@functools.lru_cache(maxsize=4096)
def _parse_amz_date(value: str) -> float:
    """Seconds since the epoch for an X-Amz-Date; ValueError when malformed.
    Requests signed in the same second share the cached answer."""
    return _dt.datetime.strptime(value, AMZ_DATE_FMT).replace(
        tzinfo=_dt.timezone.utc).timestamp()


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


def _is_lower(text: str) -> bool:
    return text == text.lower()


def verify_sigv4(method: str, path: str, headers, body: bytes, state: dict,
                 allowed_regions, now: float | None = None) -> AuthResult:
    """Verify the request's SigV4 signature.  ``headers`` is a Headers (or
    an email.message.Message: anything with get/get_all)."""
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
        req_time = _parse_amz_date(amz_date)
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
    if signed_names != sorted(set(signed_names)) or not _is_lower(";".join(signed_names)):
        return res.fail(403, "InvalidSignatureException",
                        "SignedHeaders must be lowercase, sorted and unique")
    missing = [h for h in REQUIRED_SIGNED if h not in signed_names]
    if missing:
        return res.fail(403, "InvalidSignatureException",
                        f"Header(s) {', '.join(missing)} must be signed")

    # Rebuild the request with ONLY the headers the client says it signed.
    signed = Headers()
    for name in signed_names:
        values = headers.get_all(name)
        if values is None:
            return res.fail(403, "InvalidSignatureException",
                            f"Signed header '{name}' is not present in the request")
        for v in values:
            signed.add(name, v)
    claimed = headers.get("x-amz-content-sha256")
    if claimed is not None and claimed.strip() != hashlib.sha256(body).hexdigest():
        return res.fail(403, "InvalidSignatureException",
                        "x-amz-content-sha256 does not match the request body")
    host = headers.get("host", "")
    req = _SigningRequest(method, f"http://{host}{path}", signed, body, amz_date)
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
                 regions=DEFAULT_REGIONS, quiet: bool = False, log_limit: int = 100000,
                 token_key: str | None = None, token_issuer: str = "verify-layers-emulator"):
        self.model = Model()
        self.tokens = TokenIssuer(token_key, token_issuer)
        self.lock = threading.RLock()
        self.state = normalize_state(state_doc)
        self.latency = max(0, latency_ms) / 1000.0
        self.regions = tuple(regions)
        self.quiet = quiet
        # Oldest entries are dropped beyond log_limit so long benchmarks stay bounded.
        self.requests: collections.deque = collections.deque(maxlen=max(1, log_limit))
        self.faults: list[dict] = []
        self.stopping = threading.Event()
        # batch_check_json's caches: digest -> (layer dict, JSON fragment), and digests known to be well-formed.
        self._fragments: dict[str, tuple[dict, str]] = {}
        self._valid_digests: set[str] = set()

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

    def set_image(self, doc: dict) -> dict:
        """Adds (or with present: false removes) an image of a repository; tags move to it from other images."""
        if not isinstance(doc, dict) or not isinstance(doc.get("repository"), str):
            raise StateError("'repository' is required")
        image = _norm_image({k: v for k, v in doc.items() if k in ("imageDigest", "imageTags", "imageManifestMediaType",
                                                                  "imageSizeInBytes")}, doc["repository"])
        with self.lock:
            st = self.state
            rid = st["aliases"].get(doc.get("registry") or "", doc.get("registry")) or st["defaultRegistry"]
            reg = st["registries"].get(rid)
            if reg is None:
                raise StateError(f"unknown registry {doc.get('registry')!r}")
            repo = reg["repositories"].setdefault(doc["repository"], {"missingStyle": None, "layers": {}, "images": []})
            images = [i for i in repo.setdefault("images", []) if i["imageDigest"] != image["imageDigest"]]
            if doc.get("present", True):
                for other in images:
                    other["imageTags"] = [t for t in other["imageTags"] if t not in image["imageTags"]]
                images.append(image)
            repo["images"] = images
            return {"ok": True}

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
    def _resolve(self, params: dict):
        """The repository a BatchCheckLayerAvailability call names and its
        missingStyle; ServiceError when the registry or repository is unknown.
        Call with self.lock held."""
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
        return repo, repo["missingStyle"] or reg["missingStyle"]

    def _image_detail(self, params: dict, rid: str, image: dict) -> dict:
        return {"registryId": rid, "repositoryName": params["repositoryName"], "imageDigest": image["imageDigest"],
                "imageTags": list(image["imageTags"]), "imageSizeInBytes": image["imageSizeInBytes"],
                "imagePushedAt": 1700000000, "imageManifestMediaType": image["imageManifestMediaType"]}

    def describe_images(self, params: dict) -> dict:
        """DescribeImages: every image, or the ones named by imageIds (ImageNotFoundException when one is not there)."""
        with self.lock:
            repo, _ = self._resolve(params)
            rid = self.state["aliases"].get(params.get("registryId") or "", params.get("registryId")) \
                or self.state["defaultRegistry"]
            ids = params.get("imageIds")
            if not ids:
                return {"imageDetails": [self._image_detail(params, rid, i) for i in repo.get("images") or []]}
            details = []
            for image_id in ids:
                reference = image_id.get("imageDigest") or image_id.get("imageTag")
                image = find_image(repo, reference or "")
                if image is None or (image_id.get("imageDigest") and image_id.get("imageTag")
                                     and image_id["imageTag"] not in image["imageTags"]):
                    raise ServiceError(400, "ImageNotFoundException",
                                       f"The image with imageId {json.dumps(image_id)} does not exist within the repository "
                                       f"with name '{params['repositoryName']}' in the registry with id '{rid}'")
                details.append(self._image_detail(params, rid, image))
            return {"imageDetails": details}

    def describe_registries(self, params: dict) -> dict:
        """DescribeRegistries: the caller's own public registry (``defaultRegistry``) with its aliases; an account has
        one, and another account's registry is never listed."""
        with self.lock:
            rid = self.state["defaultRegistry"]
            reg = self.state["registries"].get(rid) if rid else None
            if reg is None:
                return {"registries": []}
            names = list(reg["aliases"])
            return {"registries": [{
                "registryId": rid, "registryArn": f"arn:aws:ecr-public::{rid}:registry/{rid}",
                "registryUri": f"public.ecr.aws/{names[0] if names else rid}", "verified": False,
                "aliases": [{"name": name, "status": "ACTIVE", "primaryRegistryAlias": index == 0,
                             "defaultRegistryAlias": index == 0} for index, name in enumerate(names)],
            }]}

    def describe_image_tags(self, params: dict) -> dict:
        with self.lock:
            repo, _ = self._resolve(params)
            out = []
            for image in repo.get("images") or []:
                for tag in image["imageTags"]:
                    out.append({"imageTag": tag, "createdAt": 1700000000,
                                "imageDetail": {"imageDigest": image["imageDigest"],
                                                "imageSizeInBytes": image["imageSizeInBytes"],
                                                "imagePushedAt": 1700000000,
                                                "imageManifestMediaType": image["imageManifestMediaType"]}})
            return {"imageTagDetails": out}

    def batch_check(self, params: dict) -> dict:
        """The answer as a dict (the reference for batch_check_json)."""
        with self.lock:
            repo, style = self._resolve(params)
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

    def batch_check_json(self, params: dict, drop=None) -> bytes:
        """``json.dumps(batch_check(params)).encode()`` byte for byte (without
        the digest ``drop``), built from string pieces instead of dicts."""
        enc = _json_str
        valid = DIGEST_RE.match
        frags, known_valid = self._fragments, self._valid_digests
        if len(frags) > 500_000 or len(known_valid) > 500_000:
            frags.clear()
            known_valid.clear()
        with self.lock:
            repo, style = self._resolve(params)
            have = repo["layers"]
            unavailable = style == "unavailable"
            layers, failures = [], []
            for d in dict.fromkeys(params["layerDigests"]):  # first occurrence of each, in order
                if d == drop:
                    continue
                layer = have.get(d)
                if layer is not None:
                    cached = frags.get(d)
                    if cached is not None and cached[0] is layer:
                        layers.append(cached[1])
                        continue
                    if not valid(d):
                        failures.append(f'{{"layerDigest": {enc(d)}, {_INVALID_TAIL}')
                        continue
                    # d is plain ASCII (sha256/sha512 hex): its JSON form is itself in quotes.
                    frag = (f'{{"layerDigest": "{d}", "layerAvailability": "AVAILABLE", '
                            f'"layerSize": {int.__repr__(layer["size"])}, '
                            f'"mediaType": {enc(layer["mediaType"])}}}')
                    # Layer dicts are replaced, never changed in place, so identity keeps this exact.
                    frags[d] = (layer, frag)
                    layers.append(frag)
                    continue
                if d not in known_valid:
                    if not valid(d):
                        failures.append(f'{{"layerDigest": {enc(d)}, {_INVALID_TAIL}')
                        continue
                    known_valid.add(d)
                if unavailable:
                    layers.append(f'{{"layerDigest": "{d}", "layerAvailability": "UNAVAILABLE"}}')
                else:
                    failures.append(f'{{"layerDigest": "{d}", {_MISSING_TAIL}')
        return f'{{"layers": [{", ".join(layers)}], "failures": [{", ".join(failures)}]}}'.encode()


_json_str = json.encoder.encode_basestring_ascii  # what json.dumps uses for str (ensure_ascii)
_INVALID_TAIL = '"failureCode": "InvalidLayerDigest", "failureReason": "Invalid layer digest"}'
_MISSING_TAIL = '"failureCode": "MissingLayerDigest", "failureReason": "Requested layer not found"}'


# --------------------------------------------------------------------------
# HTTP/1.1 over asyncio: one thread, one event loop.  The injected latency
# and the slow/stall faults are timers, so no request holds anything while it
# waits, and there are no threads to hand a GIL between.
# --------------------------------------------------------------------------

SERVER_NAME = "ecr-public-emulator/1"
REASONS = {s.value: s.phrase for s in http.HTTPStatus}
SERVICE_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "DELETE"))
MAX_HEAD_BYTES = 65536
MAX_HEADER_LINES = 100
IDLE_TIMEOUT_SECONDS = 600  # drop connections idle (or stuck mid-request) for 10 minutes


class _HTTPDate:
    """The Date header, formatted once per second."""

    def __init__(self):
        self.second, self.text = None, ""

    def now(self) -> str:
        t = int(time.time())
        if t != self.second:
            self.second, self.text = t, email.utils.formatdate(t, usegmt=True)
        return self.text


_http_date = _HTTPDate()


class BadFraming(ValueError):
    pass


class Request:
    __slots__ = ("method", "target", "version", "headers", "body", "close")

    def __init__(self, method, target, version, headers, close):
        self.method, self.target, self.version = method, target, version
        self.headers, self.close, self.body = headers, close, b""


def _parse_head(head: bytes) -> Request:
    """Request line and headers (bytes up to, not including, the blank line)."""
    lines = head.decode("iso-8859-1").split("\r\n")
    words = lines[0].split()
    if len(words) != 3 or not words[2].startswith("HTTP/"):
        raise BadFraming(f"Bad request syntax ({lines[0][:200]!r})")
    method, target, version = words
    try:
        major, minor = (int(x) for x in version[5:].split(".", 1))
    except ValueError:
        raise BadFraming(f"Bad request version ({version[:50]!r})") from None
    if major != 1:
        raise BadFraming(f"Bad request version ({version[:50]!r})")
    if len(lines) - 1 > MAX_HEADER_LINES:
        raise BadFraming("Too many headers")
    pairs: list[list[str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and pairs:
            pairs[-1][1] += "\r\n" + line  # obsolete line folding, kept as email.parser keeps it
            continue
        name, sep, value = line.partition(":")
        if not sep or not name or name != name.strip():
            raise BadFraming(f"Bad header line ({line[:200]!r})")
        pairs.append([name, value.lstrip(" \t")])
    headers = Headers(pairs)
    conn = (headers.get("connection") or "").lower()
    close = "close" in conn or (minor == 0 and "keep-alive" not in conn)
    return Request(method, target, version, headers, close)


def _parse_chunked(buf: bytearray, pos: int):
    """(body, end) for a complete chunked body starting at pos, or None while
    incomplete.  BadFraming for sizes that are not hex."""
    chunks = []
    while True:
        eol = buf.find(b"\n", pos)
        if eol < 0:
            return None
        try:
            size = int(bytes(buf[pos:eol]).split(b";")[0].strip() or b"0", 16)
        except ValueError:
            raise BadFraming("bad chunk size") from None
        if size < 0:
            raise BadFraming("bad chunk size")
        pos = eol + 1
        if size == 0:
            while True:  # trailer lines up to an empty one
                eol = buf.find(b"\n", pos)
                if eol < 0:
                    return None
                line, pos = buf[pos:eol], eol + 1
                if not line.strip():
                    return b"".join(chunks), pos
        if len(buf) < pos + size:
            return None
        chunks.append(bytes(buf[pos:pos + size]))
        eol = buf.find(b"\n", pos + size)
        if eol < 0:
            return None
        pos = eol + 1


class Connection(asyncio.Protocol):
    """One client connection: parses requests in order (pipelined ones wait
    for the answer before them) and writes answers."""

    def __init__(self, app: "App"):
        self.app = app
        self.transport = None
        self.buf = bytearray()
        self.req: Request | None = None  # head parsed, body pending
        self.chunked = False
        self.length = 0
        self.busy = False  # a request is being answered
        self.closed = False
        self.in_pump = False
        self.last_active = time.monotonic()

    # ---- asyncio.Protocol ------------------------------------------------
    def connection_made(self, transport):
        self.transport = transport
        self.app.connections.add(self)
        # Numbered in the order accepted, so the request log shows which calls shared a connection.
        self.app.accepted += 1
        self.number = self.app.accepted

    def connection_lost(self, exc):
        self.closed = True
        self.app.connections.discard(self)

    def data_received(self, data):
        self.buf += data
        self.last_active = time.monotonic()
        if not self.busy:
            self.pump()

    # ---- parsing -----------------------------------------------------------
    def pump(self):
        """Answer every complete request in the buffer, one at a time."""
        if self.in_pump:
            return
        self.in_pump = True
        try:
            while not self.busy and not self.closed:
                try:
                    req = self._next_request()
                except BadFraming as e:
                    self._bad_request(e)
                    return
                if req is None:
                    return
                self.busy = True
                self.app.handle(self, req)
        finally:
            self.in_pump = False

    def _next_request(self):
        buf = self.buf
        if self.req is None:
            while buf[:2] == b"\r\n":  # stray CRLF between requests (RFC 9112 §2.2)
                del buf[:2]
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEAD_BYTES:
                    raise BadFraming("Request header fields too large")
                return None
            if end > MAX_HEAD_BYTES:
                raise BadFraming("Request header fields too large")
            req = _parse_head(bytes(buf[:end]))
            del buf[:end + 4]
            te = (req.headers.get("transfer-encoding") or "").lower()
            self.chunked = "chunked" in te
            self.length = 0
            if not self.chunked:
                try:
                    self.length = int(req.headers.get("content-length") or 0)
                except ValueError:
                    self.req = req
                    return self._framing_error(req)
            self.req = req
            # RFC 9110 §10.1.1: a server may skip 100 Continue when the content has already arrived
            # (curl with CURLOPT_EXPECT_100_TIMEOUT_MS 0 sends it right behind the headers).
            if ((req.headers.get("expect") or "").lower() == "100-continue"
                    and req.version >= "HTTP/1.1"
                    and (self.chunked or len(buf) < self.length)):
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        req = self.req
        if self.chunked:
            try:
                got = _parse_chunked(buf, 0)
            except BadFraming:
                return self._framing_error(req)
            if got is None:
                return None
            req.body, end = got
            del buf[:end]
        elif self.length > 0:
            if len(buf) < self.length:
                return None
            req.body = bytes(buf[:self.length])
            del buf[:self.length]
        self.req = None
        return req

    def _framing_error(self, req):
        """What http.server-based versions answered: 400 JSON, then close."""
        self.req = None
        self.busy = True
        req.close = True
        self.respond(req, 400, json.dumps(
            {"ok": False, "error": "bad Content-Length or chunked framing"}).encode(),
            "application/json")
        return None

    def _bad_request(self, e: BadFraming):
        status = 431 if "too large" in str(e) or "Too many" in str(e) else 400
        html = (f"<html><head><title>Error response</title></head><body>"
                f"<h1>Error response</h1><p>Error code: {status}</p>"
                f"<p>Message: {_html_escape(str(e))}.</p></body></html>\n").encode()
        self.busy = True
        self.respond(None, status, html, "text/html;charset=utf-8", close=True)

    # ---- answering ---------------------------------------------------------
    def respond(self, req, status: int, body: bytes, ctype: str = JSON_CT, extra=None,
                content_length: int | None = None, close: bool = False) -> None:
        """Write one answer (a prefix of body when content_length is larger),
        then read on, or close when the request or the answer says so."""
        if self.closed:
            return
        close = close or req is None or req.close
        head = [f"HTTP/1.1 {status} {REASONS.get(status, '')}\r\n"
                f"Server: {SERVER_NAME}\r\nDate: {_http_date.now()}\r\n"
                f"Content-Type: {ctype}\r\n"
                f"Content-Length: {len(body) if content_length is None else content_length}\r\n"]
        if extra:
            for k, v in extra.items():
                head.append(f"{k}: {v}\r\n")
        if close:
            head.append("Connection: close\r\n")
        head.append("\r\n")
        self.transport.write("".join(head).encode("latin-1") + body)
        self.last_active = time.monotonic()
        if close:
            self.closed = True
            self.transport.close()
            return
        self.busy = False
        if self.buf:
            self.pump()

    def reset(self) -> None:
        """Abort the connection: RST instead of FIN (SO_LINGER 0)."""
        self.closed = True
        try:
            sock = self.transport.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
        self.transport.abort()


def _html_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _target_path(target: str) -> str:
    p = target
    if p.startswith("http://") or p.startswith("https://"):
        s = urlsplit(p)
        p = s.path + ("?" + s.query if s.query else "")
    return p or "/"


class App:
    """Routes requests to the control API or the service."""

    def __init__(self, emu: Emulator, loop: asyncio.AbstractEventLoop):
        self.emu, self.loop = emu, loop
        self.connections: set[Connection] = set()
        self.accepted = 0
        self.registry = RegistryFlavour(emu.tokens)

    def handle(self, conn: Connection, req: Request) -> None:
        if req.method not in SERVICE_METHODS:
            html = (f"<html><head><title>Error response</title></head><body>"
                    f"<h1>Error response</h1><p>Error code: 501</p>"
                    f"<p>Message: Unsupported method ({_html_escape(repr(req.method))}).</p>"
                    f"</body></html>\n").encode()
            conn.respond(req, 501, html, "text/html;charset=utf-8", close=True)
            return
        path = _target_path(req.target)
        if path.startswith(CONTROL_PREFIX):
            self.control(conn, req, path)
        elif RegistryFlavour.handles(path):
            self.registry.handle(self, conn, req, path)
        else:
            Exchange(self, conn, req, path).start()

    def sweep_idle(self) -> None:
        now = time.monotonic()
        for c in list(self.connections):
            if not c.busy and now - c.last_active > IDLE_TIMEOUT_SECONDS:
                c.closed = True
                c.transport.close()
        self.loop.call_later(30, self.sweep_idle)

    # ---- control API -----------------------------------------------------------
    def control(self, conn: Connection, req: Request, path: str) -> None:
        emu = self.emu

        def answer(status, obj):
            conn.respond(req, status, json.dumps(obj).encode(), "application/json")

        route = (req.method, urlsplit(path).path[len(CONTROL_PREFIX):].rstrip("/"))
        body = req.body
        try:
            doc = json.loads(body) if body.strip() else None
        except ValueError as e:
            return answer(400, {"ok": False, "error": f"bad JSON: {e}"})
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
            elif route == ("POST", "images"):
                out = emu.set_image(doc)
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
                return answer(404, {"ok": False, "error": f"no control route {route[0]} {route[1]}"})
        except StateError as e:
            return answer(400, {"ok": False, "error": str(e)})
        except Exception as e:  # keep the connection usable on a bad control request
            return answer(500, {"ok": False, "error": repr(e)})
        answer(200, out)


class Exchange:
    """One service request, from arrival to answer: verify and log, wait the
    injected latency (a timer), apply a fault rule, answer."""

    __slots__ = ("app", "emu", "conn", "req", "path", "entry", "auth", "params",
                 "operation", "target", "request_id", "fault", "drop", "received")

    def __init__(self, app: App, conn: Connection, req: Request, path: str):
        self.app, self.emu, self.conn, self.req, self.path = app, app.emu, conn, req, path
        self.fault = self.drop = None
        self.received = app.loop.time()

    def start(self) -> None:
        emu, req = self.emu, self.req
        headers = req.headers
        self.request_id = str(uuid.uuid4())
        target = self.target = (headers.get("x-amz-target") or "").strip()
        self.operation = (target[len(TARGET_PREFIX):] if target.startswith(TARGET_PREFIX)
                          else (target or None))
        params = None
        try:
            params = json.loads(req.body) if req.body else {}
        except ValueError:
            pass
        self.params = params
        p = params if isinstance(params, dict) else {}
        digests = p.get("layerDigests")
        with emu.lock:
            state = emu.state
        auth = self.auth = verify_sigv4(req.method, self.path, headers, req.body, state,
                                        emu.allowed_regions(state))
        self.entry = entry = {
            "operation": self.operation,
            "registryId": p.get("registryId"),
            "repositoryName": p.get("repositoryName"),
            "layerDigests": list(digests) if isinstance(digests, list) else None,
            "signatureValid": auth.ok,
            "signatureError": None if auth.ok else f"{auth.code}: {auth.message}",
            "sessionTokenSigned": auth.token_signed,
            "status": None, "fault": None, "time": time.time(),
            "requestId": self.request_id, "method": req.method, "path": self.path,
            "accessKeyId": auth.access_key, "region": auth.region,
            "signedHeaders": auth.signed_headers,
            "contentType": headers.get("content-type"),
            "userAgent": headers.get("user-agent"),
            "serviceMs": None, "connection": getattr(self.conn, "number", None),
        }
        emu.log_add(entry)
        self.decide()

    def finish(self, status) -> None:
        entry = self.entry
        self.emu.log_update(entry, status=status,
                            serviceMs=round((self.app.loop.time() - self.received) * 1000, 3))
        if not self.emu.quiet:
            sys.stderr.write(f"emulator: {self.req.method} {self.operation} "
                             f"{entry['repositoryName']} -> {status}"
                             f"{' fault=' + entry['fault'] if entry['fault'] else ''}\n")

    def send(self, status, body, ctype=JSON_CT, extra=None, **kw) -> None:
        self.conn.respond(self.req, status, body, ctype, extra, **kw)
        self.finish(status)

    def error(self, status, code, message) -> None:
        body = json.dumps({"__type": code, "message": message}).encode()
        self.send(status, body, JSON_CT,
                  {"x-amzn-RequestId": self.request_id, "x-amzn-ErrorType": code})

    def at_due(self, action, delay: float = 0.0) -> None:
        """Run action (which writes the answer) once the injected latency,
        counted from the request's arrival, plus delay has passed."""
        loop = self.app.loop
        due = self.received + self.emu.latency + delay
        if due > loop.time():
            loop.call_at(due, action)
        else:
            action()

    def decide(self) -> None:
        """Everything the answer depends on is settled on arrival (signature,
        fault rule, the operation's result), so the latency timer only writes
        bytes and this request's own work never lengthens the latency seen by
        others.  slow/stall compute their answer when their delay ends."""
        emu, auth = self.emu, self.auth
        if not auth.ok:
            return self.at_due(lambda: self.error(auth.status, auth.code, auth.message))
        fault = self.fault = emu.take_fault(self.entry["repositoryName"])
        if not fault:
            return self.at_due(self.prepared_answer())
        kind = fault["kind"]
        self.entry["fault"] = kind
        rid = {"x-amzn-RequestId": self.request_id}
        if kind in ("slow", "stall"):
            self.at_due(self.answer, fault["delayMs"] / 1000.0)
        elif kind == "throttle":
            self.at_due(lambda: self.error(400, "ThrottlingException", "Rate exceeded"))
        elif kind == "throttle429":
            self.at_due(lambda: self.error(429, "TooManyRequestsException", "Too Many Requests"))
        elif kind == "access-denied":
            self.at_due(lambda: self.error(
                400, "AccessDeniedException",
                "User is not authorized to perform: ecr-public:BatchCheckLayerAvailability"))
        elif kind == "expired-token":
            self.at_due(lambda: self.error(403, "ExpiredTokenException",
                                           "The security token included in the request is expired"))
        elif kind == "http500":
            status = int(fault["status"] or 500)
            if status == 500:
                self.at_due(lambda: self.error(500, "ServerException", "Internal failure (injected)"))
            else:
                reason = REASONS.get(status, "Error")
                html = (f"<html><head><title>{status} {reason}</title></head><body>"
                        f"<h1>{status} {reason}</h1></body></html>\n").encode()
                self.at_due(lambda: self.send(status, html, "text/html"))
        elif kind == "reset":
            def reset():
                self.finish(0)
                self.conn.reset()
            self.at_due(reset)
        elif kind == "malformed":
            self.at_due(lambda: self.send(200, b"<html>this is not JSON {", JSON_CT, rid))
        elif kind == "wrong-shape":
            body = json.dumps({"layers": "not-a-list", "failures": 42}).encode()
            self.at_due(lambda: self.send(200, body, JSON_CT, rid))
        else:
            if kind == "drop-digest":
                self.drop = fault["digest"] or ((self.entry["layerDigests"] or [None])[0])
            # "truncated" is applied to the normal answer.
            self.at_due(self.prepared_answer())

    def prepared_answer(self):
        """The operation's answer computed now, as an action that sends it."""
        try:
            data = self.operate()
        except ServiceError as e:
            status, code, message = e.status, e.code, e.message  # `e` is unbound after the except block
            return lambda: self.error(status, code, message)
        except Exception as e:  # pragma: no cover - defensive
            message = f"emulator bug: {e!r}"
            return lambda: self.error(500, "ServerException", message)
        rid = {"x-amzn-RequestId": self.request_id}
        if self.fault and self.fault["kind"] == "truncated":
            return lambda: self.send(200, data[: len(data) // 2], JSON_CT, rid,
                                     content_length=len(data), close=True)
        return lambda: self.send(200, data, JSON_CT, rid)

    def answer(self) -> None:
        """Compute and send now (after a slow/stall delay)."""
        if self.conn.closed:  # the client went away during the delay
            return self.finish(None)
        self.prepared_answer()()

    def operate(self) -> bytes:
        emu, req, target, operation, params = self.emu, self.req, self.target, self.operation, self.params
        if req.method != "POST":
            raise ServiceError(400, "UnknownOperationException",
                               f"{req.method} is not supported; use POST /")
        if not target.startswith(TARGET_PREFIX) or operation not in emu.model.operations:
            raise ServiceError(400, "UnknownOperationException",
                               f"Unknown operation {target!r}")
        ctype = (req.headers.get("content-type") or "").split(";")[0].strip().lower()
        if ctype not in ("application/x-amz-json-1.1", "application/x-amz-json-1.0"):
            raise ServiceError(400, "SerializationException",
                               f"Unsupported Content-Type {ctype!r}; expected {JSON_CT}")
        if params is None or not isinstance(params, dict):
            raise ServiceError(400, "SerializationException",
                               "Request body is not a JSON object")
        if operation not in ("BatchCheckLayerAvailability", "DescribeImages", "DescribeImageTags", "DescribeRegistries",
                             "GetAuthorizationToken"):
            raise ServiceError(400, "UnsupportedCommandException",
                               f"The emulator does not implement {operation}")
        errors = emu.model.validate(operation, params)
        if errors:
            raise ServiceError(400, "InvalidParameterException",
                               f"{len(errors)} validation error(s) detected: " + "; ".join(errors))
        if operation == "DescribeImages":
            return json.dumps(emu.describe_images(params)).encode()
        if operation == "DescribeImageTags":
            return json.dumps(emu.describe_image_tags(params)).encode()
        if operation == "DescribeRegistries":
            return json.dumps(emu.describe_registries(params)).encode()
        if operation == "GetAuthorizationToken":
            return json.dumps({"authorizationData": {"authorizationToken": emu.tokens.login(self.auth.access_key),
                                                     "expiresAt": int(time.time()) + 12 * 3600}}).encode()
        return emu.batch_check_json(params, self.drop)


def listen_socket(host: str = "127.0.0.1", port: int = 0) -> socket.socket:
    """The listening socket (bound before any event loop exists)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(256)
    sock.setblocking(False)
    return sock


async def serve(emu: Emulator, sock: socket.socket) -> None:
    """Serve until SIGTERM or SIGINT."""
    loop = asyncio.get_running_loop()
    app = App(emu, loop)
    stop = asyncio.Event()

    def on_signal():
        emu.stopping.set()
        stop.set()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, on_signal)
    server = await loop.create_server(lambda: Connection(app), sock=sock, backlog=256)
    loop.call_later(30, app.sweep_idle)
    try:
        await stop.wait()
    finally:
        server.close()
        for c in list(app.connections):
            c.closed = True
            c.transport.abort()
        await server.wait_closed()


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
    ap.add_argument("--token-key", help="PEM private key (RSA or P-256) that signs registry pull tokens as JWTs")
    ap.add_argument("--token-issuer", default="verify-layers-emulator", help="the JWTs' iss claim")
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
                       quiet=args.quiet, log_limit=args.log_limit,
                       token_key=args.token_key, token_issuer=args.token_issuer)
    except StateError as e:
        print(f"error: invalid state: {e}", file=sys.stderr)
        return 2
    try:
        sock = listen_socket(args.host, args.port)
    except OSError as e:
        print(f"error: cannot listen on {args.host}:{args.port}: {e}", file=sys.stderr)
        return 2
    port = sock.getsockname()[1]
    # A parent that blocks signals in its threads (Swift's test runner, libdispatch) hands that mask to its
    # children; without this the emulator would ignore SIGTERM and outlive the test that started it.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    # The loaded model and state live as long as the process: keep them out of every later collection.
    gc.collect()
    gc.freeze()
    if args.port_file:
        _write_port_file(args.port_file, port)
    shown = f"[{args.host}]" if ":" in args.host else args.host
    print(f"listening on http://{shown}:{port}", flush=True)
    asyncio.run(serve(emu, sock))
    return 0


if __name__ == "__main__":
    sys.exit(main())
