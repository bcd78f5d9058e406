"""The ECR Public registry flavour of the emulator: the OCI distribution API
(``/v2/``) and the pull-token endpoint (``/token/``) over the same state file
as the API, so one state drives both ways of asking.

- ``GET /v2/`` answers 401 with ``WWW-Authenticate: Bearer realm=…/token/,
  service=public.ecr.aws,scope=aws`` as the real registry does.
- ``GET /token/?service=…&scope=repository:<alias>/<repo>:pull`` answers
  ``{"token": …}``: a JWT signed with ``--token-key`` (RS256 or ES256, ``kid``
  in libtrust's form, so the CNCF distribution registry configured with
  ``auth.token`` and the matching certificate accepts it), else an opaque token.
- ``HEAD``/``GET /v2/<alias>/<repo>/blobs/<digest>`` → 200 with the layer size
  as ``Content-Length``, or 404; ``HEAD /v2/<alias>/<repo>/manifests/<ref>`` →
  200 with ``Docker-Content-Digest``, or 404; ``GET /v2/<alias>/<repo>/tags/list``
  → 200 with the tags; a repository not in the state → 404 ``NAME_UNKNOWN`` with
  ECR Public's message; a missing or foreign token → 401.
- Fault rules apply (``throttle429`` answers 429 with ``Retry-After: 1``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
import uuid
from urllib.parse import parse_qs, urlsplit

TOKEN_SERVICE = "public.ecr.aws"
TOKEN_TTL_SECONDS = 900
MANIFEST_TYPES = {
    "application/vnd.oci.image.manifest.v1+json", "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
}


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def libtrust_key_id(public_key) -> str:
    """The key id the distribution registry derives from a trusted certificate:
    sha256 of the DER SubjectPublicKeyInfo, first 30 bytes, base32, groups of 4."""
    from cryptography.hazmat.primitives import serialization
    der = public_key.public_bytes(serialization.Encoding.DER,
                                  serialization.PublicFormat.SubjectPublicKeyInfo)
    text = base64.b32encode(hashlib.sha256(der).digest()[:30]).decode().rstrip("=")
    return ":".join(text[i:i + 4] for i in range(0, len(text), 4))


class TokenIssuer:
    """Issues pull tokens; JWTs when a signing key is given, opaque ones otherwise."""

    def __init__(self, key_path: str | None = None, issuer: str = "verify-layers-emulator"):
        self.issuer = issuer
        self.key = None
        self.alg = None
        self.kid = None
        self.opaque: dict[str, str] = {}
        # GetAuthorizationToken answers: base64("AWS:<password>") -> the access key that asked.
        self.logins: dict[str, str] = {}
        if key_path:
            from cryptography.hazmat.primitives import serialization
            from cryptography.hazmat.primitives.asymmetric import ec, rsa
            with open(key_path, "rb") as f:
                self.key = serialization.load_pem_private_key(f.read(), password=None)
            if isinstance(self.key, rsa.RSAPrivateKey):
                self.alg = "RS256"
            elif isinstance(self.key, ec.EllipticCurvePrivateKey):
                self.alg = "ES256"
            else:
                raise ValueError("--token-key must be an RSA or P-256 EC private key")
            self.kid = libtrust_key_id(self.key.public_key())

    def login(self, access_key: str) -> str:
        """An ECR Public authorization token: what `docker login -u AWS` would send as Basic credentials."""
        token = base64.b64encode(f"AWS:{uuid.uuid4().hex}".encode()).decode()
        self.logins[token] = access_key
        return token

    def issue(self, service: str, repository: str) -> str:
        if self.key is None:
            token = "opaque-" + uuid.uuid4().hex
            self.opaque[token] = repository
            return token
        now = int(time.time())
        header = {"typ": "JWT", "alg": self.alg, "kid": self.kid}
        claims = {"iss": self.issuer, "sub": "", "aud": service, "exp": now + TOKEN_TTL_SECONDS,
                  "nbf": now - 10, "iat": now, "jti": uuid.uuid4().hex,
                  "access": [{"type": "repository", "name": repository, "actions": ["pull"]}]}
        signing_input = (_b64url(json.dumps(header, separators=(",", ":")).encode()) + "." +
                         _b64url(json.dumps(claims, separators=(",", ":")).encode()))
        return signing_input + "." + _b64url(self._sign(signing_input.encode()))

    def _sign(self, data: bytes) -> bytes:
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, padding
        from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
        if self.alg == "RS256":
            return self.key.sign(data, padding.PKCS1v15(), hashes.SHA256())
        r, s = decode_dss_signature(self.key.sign(data, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")

    def repository_of(self, token: str) -> str | None:
        """Which repository a token this issuer handed out may pull; None for anything else."""
        if self.key is None:
            return self.opaque.get(token)
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            claims = json.loads(base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4)))
        except ValueError:
            return None
        from cryptography.exceptions import InvalidSignature
        from cryptography.hazmat.primitives import hashes
        from cryptography.hazmat.primitives.asymmetric import ec, padding
        from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
        signature = base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
        try:
            public = self.key.public_key()
            if self.alg == "RS256":
                public.verify(signature, (parts[0] + "." + parts[1]).encode(), padding.PKCS1v15(), hashes.SHA256())
            else:
                der = encode_dss_signature(int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big"))
                public.verify(der, (parts[0] + "." + parts[1]).encode(), ec.ECDSA(hashes.SHA256()))
        except (InvalidSignature, ValueError):
            return None
        if claims.get("exp", 0) < time.time():
            return None
        for access in claims.get("access") or []:
            if access.get("type") == "repository" and "pull" in (access.get("actions") or []):
                return access.get("name")
        return None


def find_repository(state: dict, path: str):
    """(alias/repo path) -> the state's repository dict, or None."""
    if "/" not in path:
        return None
    alias, name = path.split("/", 1)
    rid = state["aliases"].get(alias, alias)
    registry = state["registries"].get(rid)
    if registry is None:
        return None
    return registry["repositories"].get(name)


def find_image(repo: dict, reference: str):
    for image in repo.get("images") or []:
        if image["imageDigest"] == reference or reference in image["imageTags"]:
            return image
    return None


class RegistryFlavour:
    """Answers ``/v2/`` and ``/token/`` requests for the emulator's App."""

    def __init__(self, issuer: TokenIssuer):
        self.issuer = issuer
        self.in_flight = 0

    @staticmethod
    def handles(path: str) -> bool:
        p = urlsplit(path).path
        return p == "/v2" or p.startswith("/v2/") or p == "/token" or p.startswith("/token/")

    def handle(self, app, conn, req, path: str) -> None:
        emu = app.emu
        parts = urlsplit(path)
        url_path = parts.path
        received = app.loop.time()
        self.in_flight += 1
        entry = {"operation": None, "registryId": None, "repositoryName": None, "layerDigests": None,
                 "signatureValid": True, "signatureError": None, "sessionTokenSigned": None,
                 "status": None, "fault": None, "time": time.time(), "requestId": str(uuid.uuid4()),
                 "method": req.method, "path": url_path, "inFlight": self.in_flight,
                 "userAgent": req.headers.get("user-agent"), "serviceMs": None,
                 "connection": getattr(conn, "number", None)}
        emu.log_add(entry)

        def send(status, body=b"", ctype="application/json", extra=None, content_length=None):
            def write():
                self.in_flight -= 1
                if req.method == "HEAD":
                    conn.respond(req, status, b"", ctype, extra,
                                 content_length=len(body) if content_length is None else content_length)
                else:
                    conn.respond(req, status, body, ctype, extra, content_length=content_length)
                emu.log_update(entry, status=status, serviceMs=round((app.loop.time() - received) * 1000, 3))
                if not emu.quiet:
                    import sys
                    sys.stderr.write(f"emulator: {req.method} {url_path} -> {status}\n")
            due = received + emu.latency
            if due > app.loop.time():
                app.loop.call_at(due, write)
            else:
                write()

        def error(status, code, message, extra=None):
            body = json.dumps({"errors": [{"code": code, "message": message}]}).encode()
            send(status, body, "application/json", extra)

        host = req.headers.get("host") or "127.0.0.1"
        challenge_extra = {"WWW-Authenticate":
                           f'Bearer realm="http://{host}/token/",service="{TOKEN_SERVICE}",scope="aws"',
                           "Docker-Distribution-Api-Version": "registry/2.0"}
        if url_path.startswith("/token"):
            entry["operation"] = "RegistryToken"
            query = parse_qs(parts.query)
            scope = (query.get("scope") or [""])[0]
            service = (query.get("service") or [TOKEN_SERVICE])[0]
            pieces = scope.split(":")
            if len(pieces) != 3 or pieces[0] != "repository" or "pull" not in pieces[2].split(","):
                return error(400, "DENIED", f"unsupported scope {scope!r}")
            entry["repositoryName"] = pieces[1]
            auth = req.headers.get("authorization") or ""
            entry["authenticated"] = bool(auth)
            if auth:
                login = auth[len("Basic "):] if auth.startswith("Basic ") else None
                if login not in self.issuer.logins:
                    entry["signatureValid"] = False
                    entry["signatureError"] = "unknown login"
                    return error(401, "UNAUTHORIZED", "bad credentials")
                entry["accessKeyId"] = self.issuer.logins[login]
            if self._fault(emu, entry, pieces[1], send):
                return
            return send(200, json.dumps({"token": self.issuer.issue(service, pieces[1])}).encode())

        if url_path in ("/v2", "/v2/"):
            entry["operation"] = "RegistryBase"
            return error(401, "UNAUTHORIZED", "authentication required", challenge_extra)

        rest = url_path[len("/v2/"):]
        kind = None
        if rest.endswith("/tags/list") and req.method == "GET":
            name, reference, kind = rest[:-len("/tags/list")], None, "tags"
        for marker in ("/blobs/", "/manifests/"):
            if kind is None and marker in rest:
                name, reference = rest.rsplit(marker, 1)
                kind = marker.strip("/")
                break
        if kind is None or req.method not in ("HEAD", "GET"):
            return error(404, "NAME_UNKNOWN", f"no route {req.method} {url_path}")
        entry["operation"] = {"blobs": "RegistryHeadBlob", "manifests": "RegistryHeadManifest",
                              "tags": "RegistryListTags"}[kind]
        entry["repositoryName"] = name
        entry["layerDigests"] = [reference] if reference else []
        auth = req.headers.get("authorization") or ""
        token = auth[len("Bearer "):] if auth.startswith("Bearer ") else None
        if token is None or self.issuer.repository_of(token) != name:
            entry["signatureValid"] = False
            entry["signatureError"] = "missing or foreign pull token"
            extra = dict(challenge_extra)
            extra["WWW-Authenticate"] = (f'Bearer realm="http://{host}/token/",service="{TOKEN_SERVICE}",'
                                         f'scope="repository:{name}:pull"')
            return error(401, "UNAUTHORIZED", "authentication required", extra)
        if self._fault(emu, entry, name, send):
            return
        with emu.lock:
            repo = find_repository(emu.state, name)
            if repo is None:
                alias, _, short = name.partition("/")
                return error(404, "NAME_UNKNOWN",
                             f"The repository with name '{short}' does not exist in the registry with id '{alias}'")
            if kind == "tags":
                tags = sorted({t for image in repo.get("images") or [] for t in image["imageTags"]})
                return send(200, json.dumps({"name": name, "tags": tags}).encode(), "application/json")
            if kind == "blobs":
                layer = repo["layers"].get(reference)
                if layer is None:
                    return error(404, "BLOB_UNKNOWN", "blob unknown to registry")
                return send(200, b"", "application/octet-stream",
                            {"Docker-Content-Digest": reference}, content_length=layer["size"])
            image = find_image(repo, reference)
            if image is None:
                return error(404, "MANIFEST_UNKNOWN", "manifest unknown")
            accept = req.headers.get("accept") or ""
            media_type = image["imageManifestMediaType"]
            if media_type not in accept and not accept.startswith("*/*"):
                return error(404, "MANIFEST_UNKNOWN", f"manifest unknown in the accepted media types ({media_type})")
            return send(200, b"", media_type, {"Docker-Content-Digest": image["imageDigest"]},
                        content_length=image.get("imageSizeInBytes") or 0)

    @staticmethod
    def _fault(emu, entry, repository, send) -> bool:
        fault = emu.take_fault(repository.split("/", 1)[-1])
        if not fault:
            return False
        kind = fault["kind"]
        entry["fault"] = kind
        if kind in ("throttle", "throttle429"):
            send(429, json.dumps({"errors": [{"code": "TOOMANYREQUESTS", "message": "Rate exceeded"}]}).encode(),
                 "application/json", {"Retry-After": "1"})
        elif kind == "http500":
            send(int(fault["status"] or 500), b"internal error (injected)", "text/plain")
        elif kind == "access-denied":
            send(403, json.dumps({"errors": [{"code": "DENIED", "message": "access denied"}]}).encode())
        else:
            entry["fault"] = None
            return False
        return True
