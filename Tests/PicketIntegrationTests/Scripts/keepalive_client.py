#!/usr/bin/env python3
"""Keeps CONNECTIONS kept-alive HTTP/1.1 connections to 127.0.0.1:PORT busy, one request after another,
until the file STOP exists; then prints one JSON object: requests answered 200 by each body, failures
(anything but a 200, or an error on the connection) with the first few reasons, and connections opened
(a connection nginx closes, as old workers do at a reload, costs a new one).
    keepalive_client.py PORT CONNECTIONS STOP
"""
import http.client
import json
import os
import sys
import threading
import time

port, connections, stop = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
lock = threading.Lock()
bodies, reasons = {}, []
totals = {"failed": 0, "opened": 0}


def work():
    connection = None
    while not os.path.exists(stop):
        if connection is None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            with lock:
                totals["opened"] += 1
        try:
            connection.request("GET", "/")
            response = connection.getresponse()
            body = response.read().decode().strip()
            with lock:
                if response.status == 200:
                    bodies[body] = bodies.get(body, 0) + 1
                else:
                    totals["failed"] += 1
                    reasons.append("status %d" % response.status)
            if response.will_close:
                connection.close()
                connection = None
        except (OSError, http.client.HTTPException) as error:
            with lock:
                totals["failed"] += 1
                reasons.append(repr(error))
            connection.close()
            connection = None
            time.sleep(0.01)


threads = [threading.Thread(target=work) for _ in range(connections)]
for thread in threads:
    thread.start()
for thread in threads:
    thread.join()
print(json.dumps({"bodies": bodies, "failed": totals["failed"], "opened": totals["opened"], "reasons": reasons[:5]}))
