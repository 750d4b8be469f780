#!/usr/bin/env python3
"""A webhook receiver over HTTPS, as a team would write one with the standard library.

Usage: webhook_receiver.py CERT KEY SECRET. It serves TLS with CERT and KEY on a free loopback port,
prints `receiver on PORT`, and for every POST prints one JSON line: the alert's event, whether the
X-Picket-Signature-256 header is the HMAC-SHA256 of the body under SECRET, and the X-Team header.
A TLS handshake that fails is printed as a `handshake_failed` line.
"""
import hashlib
import hmac
import json
import signal
import ssl
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        expected = "sha256=" + hmac.new(SECRET, body, hashlib.sha256).hexdigest()
        given = self.headers.get("X-Picket-Signature-256", "")
        alert = json.loads(body)
        print(json.dumps({"event": alert.get("event"), "signature_ok": hmac.compare_digest(expected, given),
                          "team": self.headers.get("X-Team")}), flush=True)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *arguments):
        pass


class TLSServer(HTTPServer):
    def get_request(self):
        connection, address = self.socket.accept()
        connection.settimeout(5)
        try:
            return CONTEXT.wrap_socket(connection, server_side=True), address
        except (ssl.SSLError, OSError) as error:
            print(json.dumps({"handshake_failed": str(error)}), flush=True)
            connection.close()
            raise


# The test process starts this with its threads' signal mask (SIGTERM blocked): unblock it so stop() works.
signal.pthread_sigmask(signal.SIG_SETMASK, [])
CERT, KEY, SECRET = sys.argv[1], sys.argv[2], sys.argv[3].encode()
CONTEXT = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
CONTEXT.load_cert_chain(CERT, KEY)
server = TLSServer(("127.0.0.1", 0), Receiver)
print(f"receiver on {server.server_address[1]}", flush=True)
server.serve_forever()
