#!/usr/bin/python3
"""A gRPC server for Picket's tests: grpc.health.v1.Health/Check and a /picket.test.Echo/Hello method.

Debian's python3-grpcio has no health service package, so both methods are generic handlers on raw
bytes (the health messages are one field each). Statuses are read from a JSON file at every call
({"": "SERVING", "api": "NOT_SERVING"}), so a test switches them by rewriting the file; a service not
in the file is NOT_FOUND, as in grpc/grpc doc/health-checking.md. Without --health the server has no
health service (UNIMPLEMENTED). Prints "ready" once it listens.

usage: grpc_health_server.py PORT NAME STATUS_FILE [--no-health] [--tls CERT KEY]
"""
import json
import sys
from concurrent import futures

import grpc

STATUSES = {"UNKNOWN": 0, "SERVING": 1, "NOT_SERVING": 2, "SERVICE_UNKNOWN": 3}


def service_name(request):
    if not request:
        return ""
    if request[0] != 0x0A:
        return None
    length, shift, index = 0, 0, 1
    while True:
        byte = request[index]
        index += 1
        length |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            break
    return request[index:index + length].decode()


class Handler(grpc.GenericRpcHandler):
    def __init__(self, name, status_file, health):
        self.name, self.status_file, self.health = name, status_file, health

    def check(self, request, context):
        with open(self.status_file) as f:
            statuses = json.load(f)
        service = service_name(request)
        if service not in statuses:
            context.abort(grpc.StatusCode.NOT_FOUND, "unknown service")
        status = STATUSES[statuses[service]]
        return bytes([0x08, status]) if status else b""

    def hello(self, request, context):
        return self.name.encode()

    def service(self, details):
        if details.method == "/grpc.health.v1.Health/Check" and self.health:
            return grpc.unary_unary_rpc_method_handler(self.check)
        if details.method == "/picket.test.Echo/Hello":
            return grpc.unary_unary_rpc_method_handler(self.hello)
        return None


def main():
    port, name, status_file = sys.argv[1], sys.argv[2], sys.argv[3]
    rest = sys.argv[4:]
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    server.add_generic_rpc_handlers((Handler(name, status_file, "--no-health" not in rest),))
    address = "127.0.0.1:" + port
    if "--tls" in rest:
        at = rest.index("--tls")
        with open(rest[at + 1], "rb") as cert, open(rest[at + 2], "rb") as key:
            server.add_secure_port(address, grpc.ssl_server_credentials([(key.read(), cert.read())]))
    else:
        server.add_insecure_port(address)
    server.start()
    print("ready", flush=True)
    server.wait_for_termination()


if __name__ == "__main__":
    main()
