#!/usr/bin/env python3
"""Headless Chromium driven over the DevTools protocol, with the standard library only.

Opens a page (report.html from disk), waits until it has loaded and its script has run, and
records what a test must see: console errors, uncaught exceptions and every network request the
page made. It can evaluate JavaScript in the page and take a screenshot (PNG) of the page or of
its whole length. The report's browser test (tests/report/report_browser_test.py) uses it, and so
does the screenshot in docs/report.md:

    scripts/headless_chromium.py screenshot RUN_DIR/report.html docs/report.png --height 1800

Chromium is Debian's (`chromium`, scripts/debian-packages.txt), started with --headless
--no-sandbox --disable-gpu and a DevTools port on 127.0.0.1 only.
"""

import argparse
import base64
import json
import os
import pathlib
import re
import shutil
import socket
import struct
import subprocess
import tempfile
import time
import urllib.request


def find_chromium():
    """The path of a Chromium binary, or None."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


class _WebSocket:
    """A minimal RFC 6455 client: text frames, masked as a client must, fragments joined."""

    def __init__(self, url, timeout):
        match = re.match(r"ws://([^/:]+):(\d+)(/.*)", url)
        if not match:
            raise ValueError("not a ws:// URL: " + url)
        host, port, path = match.group(1), int(match.group(2)), match.group(3)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        key = base64.b64encode(os.urandom(16)).decode()
        request = (f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
                   f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                   "Sec-WebSocket-Version: 13\r\n\r\n")
        self.sock.sendall(request.encode())
        response = b""
        while b"\r\n\r\n" not in response:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError("DevTools closed the connection during the handshake")
            response += chunk
        head, self.buffer = response.split(b"\r\n\r\n", 1)
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError("DevTools refused the WebSocket: " + head.decode(errors="replace"))

    def _read(self, n):
        while len(self.buffer) < n:
            chunk = self.sock.recv(max(65536, n - len(self.buffer)))
            if not chunk:
                raise ConnectionError("DevTools closed the connection")
            self.buffer += chunk
        data, self.buffer = self.buffer[:n], self.buffer[n:]
        return data

    def send(self, text):
        payload = text.encode()
        header = bytes([0x81])
        n = len(payload)
        if n < 126:
            header += bytes([0x80 | n])
        elif n < 65536:
            header += bytes([0x80 | 126]) + struct.pack(">H", n)
        else:
            header += bytes([0x80 | 127]) + struct.pack(">Q", n)
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.sock.sendall(header + mask + masked)

    def receive(self):
        message = b""
        while True:
            b0, b1 = self._read(2)
            n = b1 & 0x7F
            if n == 126:
                n = struct.unpack(">H", self._read(2))[0]
            elif n == 127:
                n = struct.unpack(">Q", self._read(8))[0]
            mask = self._read(4) if b1 & 0x80 else None
            payload = self._read(n)
            if mask:
                payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
            opcode = b0 & 0x0F
            if opcode == 0x8:
                raise ConnectionError("DevTools closed the WebSocket")
            if opcode in (0x9, 0xA):  # ping, pong: not part of a message
                continue
            message += payload
            if b0 & 0x80:
                return message.decode()

    def close(self):
        self.sock.close()


class Chromium:
    """One headless Chromium with one page; use as a context manager."""

    def __init__(self, binary=None, width=1280, height=900, timeout=60):
        self.binary = binary or find_chromium()
        if not self.binary:
            raise FileNotFoundError("no chromium on PATH (Debian package chromium)")
        self.width, self.height, self.timeout = width, height, timeout
        self.console_errors = []  # console.error, uncaught exceptions, error log entries
        self.requests = []        # every URL the page asked for, its own document included
        self._next_id = 0
        self._events = []

    def __enter__(self):
        self.profile = tempfile.mkdtemp(prefix="servebench-chromium-")
        self.process = subprocess.Popen(
            [self.binary, "--headless", "--no-sandbox", "--disable-gpu",
             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0",
             "--user-data-dir=" + self.profile, "--no-first-run", "--no-default-browser-check",
             "--hide-scrollbars", "--force-device-scale-factor=1", "about:blank"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        port = self._devtools_port()
        deadline = time.monotonic() + self.timeout
        while True:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=10) as r:
                pages = [t for t in json.load(r) if t.get("type") == "page"]
            if pages or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if not pages:
            raise RuntimeError("chromium opened no page")
        self.ws = _WebSocket(pages[0]["webSocketDebuggerUrl"], self.timeout)
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(domain + ".enable")
        self.call("Emulation.setDeviceMetricsOverride",
                  width=self.width, height=self.height, deviceScaleFactor=1, mobile=False)
        return self

    def __exit__(self, *exc):
        try:
            self.ws.close()
        except Exception:  # pylint: disable=broad-except
            pass
        self.process.kill()
        self.process.wait()
        shutil.rmtree(self.profile, ignore_errors=True)

    def _devtools_port(self):
        deadline = time.monotonic() + self.timeout
        seen = []
        while time.monotonic() < deadline:
            line = self.process.stderr.readline()
            if not line:
                break
            seen.append(line)
            match = re.search(r"DevTools listening on ws://127\.0\.0\.1:(\d+)/", line)
            if match:
                return int(match.group(1))
        raise RuntimeError("chromium did not open its DevTools port: " + "".join(seen[-10:]))

    def _record(self, event):
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            args = [a.get("value", a.get("description", "")) for a in params.get("args", [])]
            self.console_errors.append("console." + params["type"] + ": " +
                                       " ".join(str(a) for a in args))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            text = details.get("exception", {}).get("description") or details.get("text", "")
            self.console_errors.append("uncaught: " + text)
        elif method == "Log.entryAdded" and params.get("entry", {}).get("level") == "error":
            self.console_errors.append("log: " + params["entry"].get("text", ""))
        elif method == "Network.requestWillBeSent":
            self.requests.append(params.get("request", {}).get("url", ""))
        self._events.append(method)

    def call(self, method, **params):
        """Sends one DevTools command and returns its result, recording events meanwhile."""
        self._next_id += 1
        self.ws.send(json.dumps({"id": self._next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.ws.receive())
            if message.get("id") == self._next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self._record(message)

    def wait_for_event(self, method):
        while method not in self._events:
            self._record(json.loads(self.ws.receive()))

    def evaluate(self, expression):
        """The value of a JavaScript expression in the page (JSON-serialisable)."""
        result = self.call("Runtime.evaluate", expression=expression, returnByValue=True,
                           awaitPromise=True)
        if "exceptionDetails" in result:
            raise RuntimeError("evaluate: " + json.dumps(result["exceptionDetails"]))
        return result.get("result", {}).get("value")

    def open(self, path, ready="true"):
        """Loads `path` (a file) and waits for its load event and then for `ready`, a
        JavaScript expression, to be true. Returns the page's URL."""
        url = pathlib.Path(path).resolve().as_uri()
        self._events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for_event("Page.loadEventFired")
        deadline = time.monotonic() + self.timeout
        # The document must be the one asked for, not the blank page before it.
        ready = f"location.href === {json.dumps(url)} && ({ready})"
        while not self.evaluate(ready):
            if time.monotonic() > deadline:
                raise TimeoutError("the page never became ready: " + ready)
            time.sleep(0.05)
        self.call("Runtime.evaluate", expression="0")  # collect events queued meanwhile
        return url

    def screenshot(self, height=None):
        """A PNG of the page from its top: `height` CSS pixels, or its whole length."""
        metrics = self.call("Page.getLayoutMetrics")
        full = int(metrics["cssContentSize"]["height"])
        height = min(height, full) if height else full
        self.call("Emulation.setDeviceMetricsOverride",
                  width=self.width, height=height, deviceScaleFactor=1, mobile=False)
        time.sleep(0.2)
        shot = self.call("Page.captureScreenshot", format="png",
                         clip={"x": 0, "y": 0, "width": self.width, "height": height, "scale": 1},
                         captureBeyondViewport=True)
        return base64.b64decode(shot["data"])


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    shot = sub.add_parser("screenshot", help="a PNG of a page opened from disk")
    shot.add_argument("page")
    shot.add_argument("png")
    shot.add_argument("--width", type=int, default=1280)
    shot.add_argument("--height", type=int, default=None, help="CSS pixels from the top")
    args = parser.parse_args()
    with Chromium(width=args.width) as browser:
        browser.open(args.page, ready="document.readyState === 'complete'")
        time.sleep(0.3)
        pathlib.Path(args.png).write_bytes(browser.screenshot(args.height))
        for error in browser.console_errors:
            print("console error:", error)
    return 1 if browser.console_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
