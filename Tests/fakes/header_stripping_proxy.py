"""A loopback HTTP proxy that forwards every request to ``--upstream`` and drops
the response headers named by ``--strip`` (case-insensitive): a registry that
answers a manifest HEAD without ``Docker-Content-Digest``, as some mirrors and
caches do. Writes its port to ``--port-file`` once it listens. Test-only."""

from __future__ import annotations

import argparse
import http.client
import http.server
import urllib.parse


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--strip", action="append", default=[])
    parser.add_argument("--port-file", required=True)
    args = parser.parse_args()
    upstream = urllib.parse.urlsplit(args.upstream)
    stripped = {name.lower() for name in args.strip}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_):
            pass

        def relay(self):
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
            connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=30)
            connection.request(self.command, self.path, body=body, headers=headers)
            response = connection.getresponse()
            payload = response.read()
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() in stripped or name.lower() in ("connection", "transfer-encoding", "content-length"):
                    continue
                self.send_header(name, value)
            declared = response.getheader("content-length")
            self.send_header("Content-Length", declared if self.command == "HEAD" and declared else str(len(payload)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)
            connection.close()

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = relay

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(args.port_file, "w", encoding="utf-8") as handle:
        handle.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
