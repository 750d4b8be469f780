#!/usr/bin/env python3
"""A real headless Chromium for the dashboard tests, driven through the DevTools protocol.

Chromium is started with --remote-debugging-pipe (the protocol as NUL-terminated JSON on descriptors 3
and 4, as Puppeteer uses it), so nothing but the Python standard library is needed. The test process
controls the browser through a small HTTP server on loopback: it prints `browser control on PORT`, then
answers POST requests whose JSON body is one command:

  {"method": "open", "url": ...}                      navigate and wait for the load event
  {"method": "eval", "expression": ...}              the value of a JavaScript expression (promises awaited)
  {"method": "click", "selector": ...}               a real left click at the middle of the element
  {"method": "type", "selector": ..., "text": ...}   focus the element and type the text
  {"method": "screenshot", "path": ..., "width": ..., "height": ...}

Every answer is {"value": ...} or {"error": "..."}. The browser reaches loopback only: every host name
but localhost resolves to nothing, and Chromium's own background traffic is switched off.
"""
import base64
import fcntl
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer


class Browser:
    def __init__(self, binary):
        self.profile = tempfile.mkdtemp(prefix="picket-chromium-")
        to_chrome_read, to_chrome_write = os.pipe()
        from_chrome_read, from_chrome_write = os.pipe()

        def descriptors():
            # Chromium reads commands on 3 and writes answers on 4; the pipes may already sit at 3 or 4,
            # so both are first copied above 10. Python's own descriptors close at exec (O_CLOEXEC).
            high_read = fcntl.fcntl(to_chrome_read, fcntl.F_DUPFD, 10)
            high_write = fcntl.fcntl(from_chrome_write, fcntl.F_DUPFD, 10)
            os.dup2(high_read, 3)
            os.dup2(high_write, 4)

        arguments = [
            binary, "--headless=new", "--remote-debugging-pipe", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            f"--user-data-dir={self.profile}", "--no-first-run", "--no-default-browser-check", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-extensions", "--disable-default-apps", "--disable-breakpad",
            "--metrics-recording-only", "--disable-features=Translate,OptimizationHints,MediaRouter,DialMediaRouteProvider",
            "--no-proxy-server", "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1", "--window-size=1400,900",
            # For scripts/bench-dashboard.sh: performance.memory exact and current, and gc() to read it after a collection.
            "--enable-precise-memory-info", "--js-flags=--expose-gc", "about:blank",
        ]
        self.process = subprocess.Popen(arguments, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        close_fds=False, preexec_fn=descriptors)
        os.close(to_chrome_read)
        os.close(from_chrome_write)
        self.writer = os.fdopen(to_chrome_write, "wb", buffering=0)
        self.reader = os.fdopen(from_chrome_read, "rb", buffering=0)
        self.next_id = 0
        self.lock = threading.Lock()
        self.pending = {}
        self.events = []
        self.condition = threading.Condition()
        threading.Thread(target=self.read_loop, daemon=True).start()
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        self.call("Page.enable", session=True)
        self.call("Runtime.enable", session=True)

    def read_loop(self):
        buffer = b""
        while True:
            chunk = self.reader.read(65536)
            if not chunk:
                break
            buffer += chunk
            while b"\0" in buffer:
                raw, buffer = buffer.split(b"\0", 1)
                message = json.loads(raw)
                with self.condition:
                    if "id" in message:
                        self.pending[message["id"]] = message
                    else:
                        self.events.append(message.get("method"))
                        del self.events[:-100]
                    self.condition.notify_all()

    def call(self, method, params=None, session=False, timeout=30):
        with self.lock:
            self.next_id += 1
            ident = self.next_id
            message = {"id": ident, "method": method, "params": params or {}}
            if session:
                message["sessionId"] = self.session
            self.writer.write(json.dumps(message).encode() + b"\0")
        with self.condition:
            if not self.condition.wait_for(lambda: ident in self.pending, timeout=timeout):
                raise RuntimeError(f"{method}: no answer within {timeout}s")
            answer = self.pending.pop(ident)
        if "error" in answer:
            raise RuntimeError(f"{method}: {answer['error'].get('message')}")
        return answer.get("result", {})

    def open(self, url):
        with self.condition:
            self.events.clear()
        self.call("Page.navigate", {"url": url}, session=True)
        with self.condition:
            if not self.condition.wait_for(lambda: "Page.loadEventFired" in self.events, timeout=30):
                raise RuntimeError(f"{url} did not load within 30s")
        return url

    def eval(self, expression):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True}, session=True)
        if "exceptionDetails" in result:
            raise RuntimeError(result["exceptionDetails"].get("exception", {}).get("description", "exception"))
        return result.get("result", {}).get("value")

    def click(self, selector):
        box = self.eval(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return null; e.scrollIntoView({{block: 'center'}});"
                        " const r = e.getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()")
        if box is None:
            raise RuntimeError(f"no element {selector}")
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            self.call("Input.dispatchMouseEvent", {"type": kind, "x": box[0], "y": box[1], "button": "left", "clickCount": 1}, session=True)
        return box

    def type(self, selector, text):
        if not self.eval(f"(() => {{ const e = document.querySelector({json.dumps(selector)}); if (!e) return false; e.focus(); return true; }})()"):
            raise RuntimeError(f"no element {selector}")
        self.call("Input.insertText", {"text": text}, session=True)
        return True

    def screenshot(self, path, width, height):
        self.call("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False}, session=True)
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        with open(path, "wb") as file:
            file.write(base64.b64decode(data))
        return path

    def close(self):
        self.process.kill()
        self.process.wait()
        subprocess.run(["rm", "-rf", self.profile], check=False)


def main():
    # The test process starts this with its threads' signal mask (SIGTERM blocked), which Chromium would
    # inherit too: clear it, and let SIGTERM end the driver and the browser with it.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    browser = Browser(sys.argv[1] if len(sys.argv) > 1 else "chromium")

    class Control(BaseHTTPRequestHandler):
        def do_POST(self):
            command = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
            try:
                method = command.pop("method")
                if method == "quit":
                    answer = {"value": True}
                else:
                    answer = {"value": getattr(browser, method)(**command)}
            except Exception as error:
                answer = {"error": f"{type(error).__name__}: {error}"}
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            if method == "quit":
                threading.Thread(target=server.shutdown).start()

        def log_message(self, *arguments):
            pass

    server = HTTPServer(("127.0.0.1", 0), Control)
    print(f"browser control on {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    finally:
        browser.close()


if __name__ == "__main__":
    main()
