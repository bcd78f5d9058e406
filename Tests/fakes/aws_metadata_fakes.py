#!/usr/bin/env python3
"""Loopback fakes of AWS STS, the ECS/EKS container credentials endpoint and EC2 IMDSv2, plus a forward proxy.

One HTTP server (standard library only) answers:

  POST /                                   STS query API: AssumeRoleWithWebIdentity (unsigned) and AssumeRole (SigV4
                                           Authorization header required), XML answers like sts.amazonaws.com
  GET  /container/...                      container credentials (JSON AccessKeyId/SecretAccessKey/Token/Expiration),
                                           Authorization header checked when the config names a token
  PUT  /latest/api/token                   IMDSv2 session token (x-aws-ec2-metadata-token-ttl-seconds required)
  GET  /latest/meta-data/iam/security-credentials/[role]
                                           role name, then credentials; the session token header is required (v2 only)
  absolute-form requests and CONNECT       forwarded / tunnelled, so the server doubles as an HTTP(S) proxy

and a control API under /__fakes/ (GET requests, POST requests/clear, POST faults, DELETE faults, GET health).

Optionally (--tls-cert/--tls-key/--tls-upstream) a second, TLS listener relays every request to an upstream http URL
(the ECR Public emulator), so https endpoints, AWS_CA_BUNDLE and HTTPS_PROXY can be tested on loopback.

Credentials come from --config (JSON):
  {"sts": [cred, ...], "assumeRole": [...], "container": [...], "imds": [...],   # successive fetches take successive
                                                                                # entries; the last one repeats
   "expiresIn": 3600,                  # seconds until Expiration (per fetch); may be per source: {"imds": 2, ...}
   "webIdentityToken": "...",          # when set, AssumeRoleWithWebIdentity requires exactly this token
   "containerToken": "...",            # when set, the container endpoint requires exactly this Authorization value
   "imdsRole": "vl-runner-role",
   "assumeRoleSourceKeys": ["AKIA..."]}  # access keys allowed to sign AssumeRole
  cred = {"accessKeyId", "secretAccessKey", "sessionToken"}

Fault rules (POST /__fakes/faults, one rule or a list), first match wins, `count` default 1 (-1 forever):
  {"target": "sts"|"container"|"imds-token"|"imds-role"|"imds-credentials", "kind": "status", "status": 500,
   "code": "InvalidIdentityToken"}            # an error answer (XML for STS, JSON/text otherwise)
  {"target": ..., "kind": "stall", "delayMs": 5000}
  {"target": ..., "kind": "malformed"}       # 200 with a body that is not the expected document
"""

import argparse
import base64
import json
import os
import re
import select
import signal
import socket
import ssl
import sys
import tempfile
import threading
import time
import uuid
from datetime import datetime, timedelta, timezone
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, parse_qsl, urlsplit

CONTROL = "/__fakes/"
IMDS_ROLE_PATH = "/latest/meta-data/iam/security-credentials/"
SESSION_NAME = re.compile(r"^[\w+=,.@-]{2,64}$")
SIGV4_STS = re.compile(r"^AWS4-HMAC-SHA256 Credential=([A-Z0-9]+)/\d{8}/([a-z0-9-]+)/sts/aws4_request, "
                       r"SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$")


class Fakes:
    def __init__(self, config: dict):
        self.config = config
        self.lock = threading.Lock()
        self.log = []
        self.faults = []
        self.fetches = {"sts": 0, "assumeRole": 0, "container": 0, "imds": 0, "sso": 0}
        self.imds_tokens = set()
        self.stopping = threading.Event()

    def next_credentials(self, source: str) -> dict:
        with self.lock:
            entries = self.config.get(source) or []
            if not entries:
                raise KeyError(source)
            index = min(self.fetches[source], len(entries) - 1)
            self.fetches[source] += 1
        expires = self.config.get("expiresIn", 3600)
        if isinstance(expires, dict):
            expires = expires.get(source, 3600)
        expiration = datetime.now(timezone.utc) + timedelta(seconds=float(expires))
        # Milliseconds, so a test's "expires in 1 s" means exactly that (real services round to whole seconds).
        return dict(entries[index], expiration=expiration.isoformat(timespec="milliseconds").replace("+00:00", "Z"))

    def take_fault(self, target: str):
        with self.lock:
            for rule in self.faults:
                if rule["target"] != target:
                    continue
                if rule["count"] > 0:
                    rule["count"] -= 1
                    if rule["count"] == 0:
                        self.faults.remove(rule)
                return dict(rule)
        return None

    def record(self, entry: dict) -> None:
        with self.lock:
            self.log.append(entry)


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "aws-metadata-fakes/1"
    fakes: Fakes

    def log_message(self, fmt, *args):
        pass

    def _body(self) -> bytes:
        n = int(self.headers.get("content-length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status: int, body: bytes, ctype: str = "application/json", extra=None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _record(self, target: str, body: bytes = b"", **extra) -> dict:
        entry = {
            "target": target, "method": self.command, "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "time": time.time(),
        }
        entry.update(extra)
        self.fakes.record(entry)
        return entry

    # ---- verbs -------------------------------------------------------------------------------------------------
    def do_CONNECT(self):
        host, _, port = self.path.rpartition(":")
        self._record("proxy-connect")
        try:
            upstream = socket.create_connection((host.strip("[]"), int(port)), timeout=10)
        except OSError as e:
            self._send(502, f"cannot connect: {e}".encode(), "text/plain")
            return
        self.send_response(200, "Connection Established")
        self.end_headers()
        self.close_connection = True
        sockets = [self.connection, upstream]
        try:
            while not self.fakes.stopping.is_set():
                readable, _, _ = select.select(sockets, [], [], 0.5)
                for s in readable:
                    data = s.recv(65536)
                    if not data:
                        return
                    (upstream if s is self.connection else self.connection).sendall(data)
        except OSError:
            pass
        finally:
            upstream.close()

    def do_GET(self):
        self._dispatch()

    def do_POST(self):
        self._dispatch()

    def do_PUT(self):
        self._dispatch()

    def do_DELETE(self):
        self._dispatch()

    def _dispatch(self):
        body = self._body()
        if self.path.startswith("http://"):
            return self._forward(body)
        path = urlsplit(self.path).path
        if path.startswith(CONTROL):
            return self._control(path[len(CONTROL):].rstrip("/"), body)
        if path.startswith("/container"):
            return self._container()
        if path == "/federation/credentials":
            return self._sso()
        if path == "/latest/api/token":
            return self._imds_token()
        if path.startswith(IMDS_ROLE_PATH):
            return self._imds_credentials(path[len(IMDS_ROLE_PATH):])
        if self.command == "POST":
            return self._sts(body)
        self._send(404, b'{"message": "not found"}')

    # ---- forward proxy (absolute-form requests) -----------------------------------------------------------------
    def _forward(self, body: bytes):
        self._record("proxy")
        target = urlsplit(self.path)
        connection = HTTPConnection(target.hostname, target.port or 80, timeout=30)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("proxy-connection", "proxy-authorization")}
        try:
            connection.request(self.command, (target.path or "/") + (("?" + target.query) if target.query else ""), body=body,
                               headers=headers)
            response = connection.getresponse()
            data = response.read()
        except OSError as e:
            self._send(502, f"proxy: upstream failed: {e}".encode(), "text/plain")
            return
        finally:
            connection.close()
        extra = {k: v for k, v in response.getheaders() if k.lower() not in ("content-length", "content-type", "connection",
                                                                             "transfer-encoding", "server", "date")}
        self._send(response.status, data, response.getheader("content-type") or "application/octet-stream", extra)

    # ---- faults ---------------------------------------------------------------------------------------------------
    def _fault(self, target: str, entry: dict) -> bool:
        """Applies a fault for `target`; True when the answer was already sent."""
        rule = self.fakes.take_fault(target)
        if not rule:
            return False
        entry["fault"] = rule["kind"]
        if rule["kind"] == "stall":
            self.fakes.stopping.wait(rule.get("delayMs", 5000) / 1000.0)
            return False
        if rule["kind"] == "malformed":
            self._send(200, b"<html>not what you expected", "text/html")
            return True
        status = int(rule.get("status", 500))
        code = rule.get("code") or ("InternalFailure" if status >= 500 else "AccessDenied")
        if target == "sts":
            self._send(status, sts_error(code, f"injected {code}"), "text/xml")
        else:
            self._send(status, json.dumps({"Code": code, "Message": f"injected {code}"}).encode())
        return True

    # ---- STS -----------------------------------------------------------------------------------------------------
    def _sts(self, body: bytes):
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True).items()}
        entry = self._record("sts", form=form, action=form.get("Action"))
        if self._fault("sts", entry):
            return
        action = form.get("Action")
        if form.get("Version") != "2011-06-15":
            return self._send(400, sts_error("InvalidParameterValue", "Version must be 2011-06-15"), "text/xml")
        if not (self.headers.get("content-type") or "").startswith("application/x-www-form-urlencoded"):
            return self._send(400, sts_error("InvalidParameterValue", "expected a form body"), "text/xml")
        if not form.get("RoleArn", "").startswith("arn:aws:iam::"):
            return self._send(400, sts_error("ValidationError", "RoleArn is missing or malformed"), "text/xml")
        if not SESSION_NAME.match(form.get("RoleSessionName", "")):
            return self._send(400, sts_error("ValidationError", "RoleSessionName is missing or malformed"), "text/xml")
        config = self.fakes.config
        if action == "AssumeRoleWithWebIdentity":
            if self.headers.get("authorization"):
                return self._send(400, sts_error("InvalidParameterValue", "AssumeRoleWithWebIdentity must not be signed"),
                                  "text/xml")
            expected = config.get("webIdentityToken")
            token = form.get("WebIdentityToken", "")
            if not token or (expected and token != expected):
                return self._send(400, sts_error("InvalidIdentityToken", "Couldn't verify the identity token"), "text/xml")
            source = "sts"
        elif action == "AssumeRole":
            match = SIGV4_STS.match(self.headers.get("authorization") or "")
            allowed = config.get("assumeRoleSourceKeys") or []
            if not match or (allowed and match.group(1) not in allowed):
                return self._send(403, sts_error("InvalidClientTokenId", "The security token included in the request is invalid"),
                                  "text/xml")
            if "content-type" not in match.group(3).split(";"):
                return self._send(403, sts_error("SignatureDoesNotMatch", "content-type must be signed"), "text/xml")
            entry["signedBy"] = match.group(1)
            source = "assumeRole"
        else:
            return self._send(400, sts_error("InvalidAction", f"unknown action {action!r}"), "text/xml")
        try:
            cred = self.fakes.next_credentials(source)
        except KeyError:
            return self._send(403, sts_error("AccessDenied", "no credentials configured for " + source), "text/xml")
        result = f"{action}Result"
        xml = (f'<{action}Response xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><{result}>'
               f"<Credentials><AccessKeyId>{cred['accessKeyId']}</AccessKeyId>"
               f"<SecretAccessKey>{xml_escape(cred['secretAccessKey'])}</SecretAccessKey>"
               f"<SessionToken>{xml_escape(cred['sessionToken'])}</SessionToken>"
               f"<Expiration>{cred['expiration']}</Expiration></Credentials>"
               f"<AssumedRoleUser><Arn>{form['RoleArn']}/{form['RoleSessionName']}</Arn>"
               f"<AssumedRoleId>AROAFAKE:{form['RoleSessionName']}</AssumedRoleId></AssumedRoleUser>"
               f"</{result}><ResponseMetadata><RequestId>{uuid.uuid4()}</RequestId></ResponseMetadata></{action}Response>")
        self._send(200, xml.encode(), "text/xml")

    # ---- container -----------------------------------------------------------------------------------------------
    def _container(self):
        entry = self._record("container")
        if self._fault("container", entry):
            return
        expected = self.fakes.config.get("containerToken")
        if expected and self.headers.get("authorization") != expected:
            return self._send(401, b'{"Code": "Unauthorized", "Message": "bad or missing Authorization"}')
        try:
            cred = self.fakes.next_credentials("container")
        except KeyError:
            return self._send(404, b'{"Code": "NotFound"}')
        self._send(200, json.dumps({
            "AccessKeyId": cred["accessKeyId"], "SecretAccessKey": cred["secretAccessKey"], "Token": cred["sessionToken"],
            "Expiration": cred["expiration"], "RoleArn": "arn:aws:iam::123456789012:role/vl-task-role",
        }).encode())

    # ---- IAM Identity Center portal (GetRoleCredentials) -----------------------------------------------------------
    def _sso(self):
        query = dict(parse_qsl(urlsplit(self.path).query))
        entry = self._record("sso", query=query)
        if self._fault("sso", entry):
            return
        expected = self.fakes.config.get("ssoToken")
        if not expected or self.headers.get("x-amz-sso_bearer_token") != expected:
            return self._send(401, b'{"message": "Session token not found or invalid"}',
                              extra={"x-amzn-ErrorType": "UnauthorizedException"})
        if query.get("role_name") != self.fakes.config.get("ssoRole") or query.get("account_id") != self.fakes.config.get("ssoAccount"):
            return self._send(403, b'{"message": "No access"}', extra={"x-amzn-ErrorType": "ForbiddenException"})
        try:
            cred = self.fakes.next_credentials("sso")
        except KeyError:
            return self._send(404, b'{"message": "not found"}')
        expiration = datetime.fromisoformat(cred["expiration"].replace("Z", "+00:00"))
        self._send(200, json.dumps({"roleCredentials": {
            "accessKeyId": cred["accessKeyId"], "secretAccessKey": cred["secretAccessKey"], "sessionToken": cred["sessionToken"],
            "expiration": int(expiration.timestamp() * 1000),
        }}).encode())

    # ---- IMDSv2 --------------------------------------------------------------------------------------------------
    def _imds_token(self):
        entry = self._record("imds-token")
        if self.command != "PUT":
            return self._send(405, b"", "text/plain")
        if self.headers.get("x-forwarded-for"):
            return self._send(403, b"", "text/plain")
        ttl = self.headers.get("x-aws-ec2-metadata-token-ttl-seconds")
        if not ttl or not ttl.isdigit() or not 1 <= int(ttl) <= 21600:
            return self._send(400, b"", "text/plain")
        if self._fault("imds-token", entry):
            return
        token = base64.b64encode(os.urandom(30)).decode()
        with self.fakes.lock:
            self.fakes.imds_tokens.add(token)
        self._send(200, token.encode(), "text/plain", {"x-aws-ec2-metadata-token-ttl-seconds": ttl})

    def _imds_credentials(self, role: str):
        target = "imds-credentials" if role else "imds-role"
        entry = self._record(target)
        token = self.headers.get("x-aws-ec2-metadata-token")
        with self.fakes.lock:
            known = token in self.fakes.imds_tokens
        if not known:
            return self._send(401, b"", "text/plain")
        if self._fault(target, entry):
            return
        name = self.fakes.config.get("imdsRole", "vl-runner-role")
        if not role:
            return self._send(200, name.encode(), "text/plain")
        if role != name:
            return self._send(404, b"", "text/plain")
        try:
            cred = self.fakes.next_credentials("imds")
        except KeyError:
            return self._send(404, b"", "text/plain")
        self._send(200, json.dumps({
            "Code": "Success", "LastUpdated": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"), "Type": "AWS-HMAC",
            "AccessKeyId": cred["accessKeyId"], "SecretAccessKey": cred["secretAccessKey"], "Token": cred["sessionToken"],
            "Expiration": cred["expiration"],
        }).encode(), "text/plain")

    # ---- control -------------------------------------------------------------------------------------------------
    def _control(self, route: str, body: bytes):
        fakes = self.fakes
        if self.command == "GET" and route == "health":
            return self._send(200, b'{"ok": true}')
        if self.command == "GET" and route == "requests":
            with fakes.lock:
                data = json.dumps(fakes.log).encode()
            return self._send(200, data)
        if self.command == "POST" and route == "requests/clear":
            with fakes.lock:
                fakes.log.clear()
            return self._send(200, b'{"ok": true}')
        if route == "faults" and self.command == "DELETE":
            with fakes.lock:
                fakes.faults.clear()
            return self._send(200, b'{"ok": true}')
        if route == "faults" and self.command == "POST":
            try:
                doc = json.loads(body)
            except ValueError:
                return self._send(400, b'{"error": "bad JSON"}')
            rules = doc if isinstance(doc, list) else [doc]
            for rule in rules:
                if rule.get("target") not in ("sts", "container", "imds-token", "imds-role", "imds-credentials", "sso") \
                        or rule.get("kind") not in ("status", "stall", "malformed"):
                    return self._send(400, json.dumps({"error": f"bad rule {rule!r}"}).encode())
                rule.setdefault("count", 1)
            with fakes.lock:
                fakes.faults.extend(rules)
            return self._send(200, b'{"ok": true}')
        self._send(404, b'{"error": "unknown control route"}')


class RelayHandler(BaseHTTPRequestHandler):
    """The TLS listener: relays each request, headers untouched (the Host header stays what the client signed)."""
    protocol_version = "HTTP/1.1"
    upstream: str
    fakes: Fakes

    def log_message(self, fmt, *args):
        pass

    def _relay(self):
        n = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(n) if n > 0 else b""
        self.fakes.record({"target": "tls-relay", "method": self.command, "path": self.path, "time": time.time(),
                           "headers": {k.lower(): v for k, v in self.headers.items()}})
        target = urlsplit(self.upstream)
        connection = HTTPConnection(target.hostname, target.port or 80, timeout=60)
        try:
            connection.request(self.command, self.path, body=body, headers=dict(self.headers.items()))
            response = connection.getresponse()
            data = response.read()
        except OSError as e:
            data = f"relay: upstream failed: {e}".encode()
            self.send_response(502)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        finally:
            connection.close()
        self.send_response(response.status)
        for k, v in response.getheaders():
            if k.lower() not in ("content-length", "connection", "transfer-encoding", "server", "date"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = _relay


def xml_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def sts_error(code: str, message: str) -> bytes:
    return (f'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type>'
            f"<Code>{code}</Code><Message>{xml_escape(message)}</Message></Error>"
            f"<RequestId>{uuid.uuid4()}</RequestId></ErrorResponse>").encode()


def write_port_file(path: str, port: int) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".port-", dir=os.path.dirname(os.path.abspath(path)))
    with os.fdopen(fd, "w") as f:
        f.write(f"{port}\n")
    os.replace(tmp, path)


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--config", help="credentials and expectations (JSON)")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    ap.add_argument("--tls-upstream", help="http URL the TLS listener relays to")
    ap.add_argument("--tls-port-file")
    args = ap.parse_args(argv)
    config = {}
    if args.config:
        try:
            with open(args.config) as f:
                config = json.load(f)
        except (OSError, ValueError) as e:
            print(f"error: cannot read config {args.config}: {e}", file=sys.stderr)
            return 2
    fakes = Fakes(config)
    server = Server(("127.0.0.1", args.port), type("BoundHandler", (Handler,), {"fakes": fakes}))
    servers = [server]
    if args.tls_cert and args.tls_key and args.tls_upstream:
        relay = Server(("127.0.0.1", 0), type("BoundRelay", (RelayHandler,), {"upstream": args.tls_upstream, "fakes": fakes}))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        relay.socket = context.wrap_socket(relay.socket, server_side=True)
        servers.append(relay)
        threading.Thread(target=relay.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True).start()
        if args.tls_port_file:
            write_port_file(args.tls_port_file, relay.server_address[1])

    def stop(signum, frame):
        fakes.stopping.set()
        for s in servers:
            threading.Thread(target=s.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    # A parent that spawned us from a thread with SIGTERM blocked (libdispatch workers do) passed that mask on.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})
    if args.port_file:
        write_port_file(args.port_file, server.server_address[1])
    print(f"listening on http://127.0.0.1:{server.server_address[1]}", flush=True)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
