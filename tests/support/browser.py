"""Headless Chromium driven over the Chrome DevTools protocol (a websocket on 127.0.0.1): open a
local page, collect its console errors and uncaught exceptions, evaluate expressions in it, take a
screenshot. Chromium is Debian's `chromium` package (`.ci/run` installs it)."""
from __future__ import annotations

import base64
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

CHROMIUM = "chromium"


def chromium_path() -> str | None:
    return shutil.which(CHROMIUM)


@dataclass
class Page:
    url: str
    errors: list[str] = field(default_factory=list)     # console errors, exceptions, failed loads
    values: dict = field(default_factory=dict)          # the expressions' results
    screenshot: bytes = b""


class _Session:
    def __init__(self, socket):
        self.socket, self.next_id, self.events = socket, 0, []

    def call(self, method: str, **params):
        self.next_id += 1
        self.socket.send(json.dumps({"id": self.next_id, "method": method, "params": params}))
        while True:
            message = json.loads(self.socket.recv(timeout=60))
            if message.get("id") == self.next_id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})
            self.events.append(message)

    def wait_for(self, method: str, timeout: float = 60):
        deadline = time.monotonic() + timeout
        for event in self.events:
            if event.get("method") == method:
                return event
        while time.monotonic() < deadline:
            message = json.loads(self.socket.recv(timeout=max(deadline - time.monotonic(), 0.1)))
            self.events.append(message)
            if message.get("method") == method:
                return message
        raise TimeoutError(method)

    def drain(self, seconds: float) -> None:
        """Collect what arrives for a little while (late console messages)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.events.append(json.loads(self.socket.recv(timeout=max(deadline - time.monotonic(), 0.05))))
            except TimeoutError:
                return


def _errors(events: list[dict]) -> list[str]:
    found = []
    for event in events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Runtime.exceptionThrown":
            found.append("exception: " + params["exceptionDetails"].get("text", "")
                         + " " + str(params["exceptionDetails"].get("exception", {}).get("description", "")))
        elif method == "Runtime.consoleAPICalled" and params.get("type") in ("error", "assert"):
            found.append("console: " + " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"]))
        elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
            found.append(f"log ({params['entry'].get('source')}): {params['entry']['text']} {params['entry'].get('url', '')}")
    return found


def open_page(path: Path, expressions: dict[str, str], width: int = 1100, height: int = 1400) -> Page:
    """Load the file in a fresh headless Chromium, evaluate each expression (JSON-serialisable
    results), take a full-page screenshot."""
    from websockets.sync.client import connect
    profile = Path(tempfile.mkdtemp(prefix="broadsheet-chromium-"))
    process = subprocess.Popen(
        [chromium_path(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
         "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
         "--remote-debugging-port=0", "--remote-debugging-address=127.0.0.1", f"--user-data-dir={profile}",
         f"--window-size={width},{height}", "about:blank"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        port_file = profile / "DevToolsActivePort"
        deadline = time.monotonic() + 60
        while not (port_file.exists() and port_file.read_text().count("\n") >= 1):
            if time.monotonic() > deadline or process.poll() is not None:
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/json/list", timeout=30) as answer:
            target = next(t for t in json.load(answer) if t["type"] == "page")
        with connect(target["webSocketDebuggerUrl"], max_size=None, open_timeout=30) as socket:
            session = _Session(socket)
            for domain in ("Page.enable", "Runtime.enable", "Log.enable"):
                session.call(domain)
            url = path.resolve().as_uri()
            session.call("Page.navigate", url=url)
            session.wait_for("Page.loadEventFired")
            session.drain(0.5)
            page = Page(url)
            for name, expression in expressions.items():
                result = session.call("Runtime.evaluate", expression=f"JSON.stringify({expression})",
                                      returnByValue=True)
                if "exceptionDetails" in result:
                    raise RuntimeError(f"{name}: {result['exceptionDetails'].get('text')}")
                page.values[name] = json.loads(result["result"]["value"])
            metrics = session.call("Page.getLayoutMetrics")
            size = metrics.get("cssContentSize") or metrics["contentSize"]
            shot = session.call("Page.captureScreenshot", format="png", captureBeyondViewport=True,
                                clip={"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1})
            page.screenshot = base64.b64decode(shot["data"])
            session.drain(0.2)
            page.errors = _errors(session.events)
            return page
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        shutil.rmtree(profile, ignore_errors=True)
