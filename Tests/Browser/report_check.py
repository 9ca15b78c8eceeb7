#!/usr/bin/env python3
"""Opens wgsim report pages (report.html) in headless Chromium and checks them.

For each page given it:
  * loads the file and fails on any console error, uncaught exception or network request other
    than the file itself (every http(s)/ws(s) request is also blocked, so nothing leaves the
    machine);
  * checks the page's DOM contract: the six sections, the topology (nodes, links, tunnels with
    their allowed IPs, drops), the peer tables (prefix tree, address bars, carved parts, moved
    entries, one colour per owner), the ownership timeline, the ladder (every arrow with its step,
    outcome, action, decisions.txt line, a drawn path in a colour of its outcome with a marker, a
    text label; dropped and lost arrows end in a different marker), the player and the
    expectations;
  * drives the player with real key presses (ArrowRight, ArrowRight, ArrowLeft) and real mouse
    clicks on its buttons, checking the position text and which arrow is `current`, then walks
    every step;
  * when the run's decisions.txt lies beside the page (a golden folder), checks that every
    arrow's line number points at a decision with the arrow's action, that the player shows that
    decision, that the matched prefix's row is highlighted, and that frame numbers exist in the
    node's pcap files;
  * checks what is known about the scenario itself (SCENARIO_FACTS below, keyed by the <h1>);
  * saves a screenshot PNG into the folder given with --screenshots;
and prints one line of JSON per page: {"report", "scenario", "ok", "failures", ...}.

Chromium is driven through its DevTools protocol over a pipe (--remote-debugging-pipe), so
nothing beyond Python's standard library is needed.

  report_check.py --screenshots DIR [--expect-all-pass] REPORT.html...
  report_check.py --self-test --screenshots DIR

Exit status: 0 every page passed; 1 a page failed a check; 2 usage error or the browser could
not be started or driven.
"""

import argparse
import base64
import json
import os
import re
import select
import shutil
import struct
import subprocess
import sys
import tempfile
import time
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))

SECTIONS = ["topology", "tables", "timeline", "ladder", "player", "expectations"]
OUTCOMES = ["delivered", "dropped", "lost", "icmp", "handshake", "keepalive", "cookie", "config"]
CROSS_OUTCOMES = {"dropped", "lost"}

# What is known about particular scenarios, keyed by the page's <h1>. Checked in addition to the
# contract. "nodes": the topology's nodes exactly; "tunnels": pairs that must have a g.tunnel, with
# a prefix each side's label must show; "moved": (node, prefix, new owner, previous owner) that
# must appear as a moved entry in that node's tables; "carved": (node, wider prefix, narrower
# prefix, narrower's owner): a rect.carved for the pair in that node's address bars, drawn beside
# the narrower prefix's range in its owner's colour; "timeline-moves": (prefix, from, to);
# "outcomes": ladder outcomes the lesson is about, each on at least one arrow; "drops": (node,
# reason) marked on the topology. Each entry is what the lesson teaches, not a copy of a page.
SCENARIO_FACTS = {
    "seed-overlap": {
        "nodes": ["ABCD", "EFGH", "server"],
        "tunnels": [("server", "ABCD", "192.168.32.0/24"), ("server", "EFGH", "192.168.32.19/32")],
        "moved": [("server", "192.168.32.19/32", "EFGH", "ABCD")],
        "carved": [("server", "192.168.32.0/24", "192.168.32.19/32", "EFGH")],
        "timeline-moves": [("192.168.32.19/32", "ABCD", "EFGH")],
        # ABCD's datagram from .19 fails the source check: EFGH owns the /32.
        "outcomes": ["config", "handshake", "delivered", "dropped"],
        "drops": [("server", "dropped-src-not-allowed")],
    },
    # Handshake messages lost on a lossy link, then retried.
    "lossy-handshake": {"outcomes": ["lost", "handshake"], "drops": [("branch", "dropped-link-loss")]},
    # A server under load answers with a cookie reply instead of a response.
    "cookie-under-load": {"outcomes": ["cookie", "handshake"]},
    # A packet whose inner source the sending peer does not own is dropped by the receiver.
    "spoofed-source": {"outcomes": ["dropped"], "drops": [("server", "dropped-src-not-allowed")]},
    # No allowed-IPs entry for the destination: dropped with an ICMP unreachable back.
    "no-peer-unreachable": {"outcomes": ["dropped", "icmp"], "drops": [("laptop", "dropped-no-peer")]},
    # The endpoint lies inside the allowed IPs: wg0's own datagrams would loop back into wg0.
    "endpoint-inside-allowed-ips": {"outcomes": ["dropped"], "drops": [("laptop", "dropped-routing-loop")]},
    # The driver's own sample page (fixtures/contract-sample.html): the same lesson, drawn by hand.
    "contract-sample": {
        "nodes": ["ABCD", "EFGH", "server"],
        "tunnels": [("server", "ABCD", "192.168.32.0/24"), ("server", "EFGH", "192.168.32.19/32")],
        "moved": [("server", "192.168.32.19/32", "EFGH", "ABCD")],
        "carved": [("server", "192.168.32.0/24", "192.168.32.19/32", "EFGH")],
        "timeline-moves": [("192.168.32.19/32", "ABCD", "EFGH")],
        "outcomes": ["config", "handshake", "delivered", "dropped"],
        "drops": [("server", "dropped-src-not-allowed")],
    },
}

# Every check name a failure can carry. The self-test requires the broken fixture to fail each.
CHECKS = [
    "load", "console", "network", "sections", "title",
    "topology.nodes", "topology.links", "topology.tunnels", "topology.drops",
    "tables.figures", "tables.tree", "tables.bars", "tables.moved", "tables.colours",
    "timeline.spans", "timeline.moves",
    "ladder.lifelines", "ladder.arrows", "ladder.paths", "ladder.labels", "ladder.colours",
    "ladder.cross",
    "player.controls", "player.steps", "player.keys", "player.buttons", "player.walk",
    "expectations.items", "expectations.links",
    "log.lines", "log.decision", "log.matched", "log.frames",
    "scenario.nodes", "scenario.tunnels", "scenario.moved", "scenario.carved",
    "scenario.timeline", "scenario.outcomes", "scenario.drops",
]

# Owners' colours may repeat only once a page uses this many (Okabe and Ito's colour-blind-safe
# set has eight).
OWN_COLOURS = 8

# Walking the player stops after this many steps, so that a huge page cannot hold the test.
WALK_LIMIT = 2000


class BrowserError(Exception):
    """The browser could not be started or stopped answering: not a finding about the page."""


class Chromium:
    """One headless Chromium, spoken to through the DevTools protocol on fds 3 and 4."""

    def __init__(self, binary, timeout):
        self.timeout = timeout
        self.profile = tempfile.mkdtemp(prefix="report-check-profile-")
        to_browser_r, self.to_browser = os.pipe()
        self.from_browser, from_browser_w = os.pipe()

        def give_pipes():  # runs in the child between fork and exec
            a, b = os.dup(to_browser_r), os.dup(from_browser_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        args = [binary, "--headless", "--remote-debugging-pipe", "--user-data-dir=" + self.profile,
                "--no-first-run", "--no-default-browser-check", "--disable-gpu",
                "--disable-extensions", "--disable-background-networking", "--disable-sync",
                "--disable-component-update", "--disable-default-apps", "--mute-audio",
                "--hide-scrollbars", "--font-render-hinting=none", "about:blank"]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            args.insert(2, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        try:
            self.process = subprocess.Popen(args, preexec_fn=give_pipes, close_fds=False,
                                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
        except OSError as error:
            raise BrowserError("cannot start %s: %s" % (binary, error))
        finally:
            os.close(to_browser_r)
            os.close(from_browser_w)
        self.buffer = b""
        self.next_id = 0
        self.events = []

    def close(self):
        """Asks the browser to quit (so that it ends its own helper processes), then makes sure."""
        try:
            self.timeout = min(self.timeout, 5)
            self.call("Browser.close")
        except (BrowserError, OSError):
            pass
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        for fd in (self.to_browser, self.from_browser):
            try:
                os.close(fd)
            except OSError:
                pass
        shutil.rmtree(self.profile, ignore_errors=True)

    def _read_message(self, deadline):
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrowserError("Chromium did not answer within %d s" % self.timeout)
            ready, _, _ = select.select([self.from_browser], [], [], left)
            if not ready:
                continue
            chunk = os.read(self.from_browser, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed its DevTools pipe (exit status %s)"
                                   % self.process.poll())
            self.buffer += chunk
        message, self.buffer = self.buffer.split(b"\0", 1)
        return json.loads(message)

    def call(self, method, params=None, session=None):
        """Sends one command and returns its result; events that arrive meanwhile are kept."""
        self.next_id += 1
        ident = self.next_id
        message = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        data = json.dumps(message).encode() + b"\0"
        while data:
            written = os.write(self.to_browser, data)
            data = data[written:]
        deadline = time.monotonic() + self.timeout
        while True:
            reply = self._read_message(deadline)
            if reply.get("id") == ident:
                if "error" in reply:
                    raise BrowserError("%s failed: %s" % (method, reply["error"].get("message")))
                return reply.get("result", {})
            if "method" in reply:
                self.events.append(reply)

    def wait_for(self, method, session, seconds):
        """Waits for an event (already arrived or to come); False after `seconds`."""
        deadline = time.monotonic() + seconds
        while True:
            for event in self.events:
                if event["method"] == method and event.get("sessionId") == session:
                    return True
            try:
                self.events.append(self._read_message(deadline))
            except BrowserError:
                if time.monotonic() >= deadline:
                    return False
                raise


# Gathers what the checks need from the page, in one pass, as plain JSON.
COLLECT_JS = r"""
(() => {
  const attrs = (el, names) => { const o = {}; for (const n of names) o[n] = el.getAttribute(n); return o; };
  const cls = el => (el.getAttribute('class') || '').split(/\s+/).filter(Boolean);
  const text = el => (el ? el.textContent : '').replace(/\s+/g, ' ').trim();
  const out = {};
  out.h1 = Array.from(document.querySelectorAll('h1')).map(text);
  out.sections = {};
  for (const id of %SECTIONS%) {
    const s = document.querySelector('section#' + id);
    out.sections[id] = s ? {omitted: Array.from(s.querySelectorAll('p.omitted')).map(text)} : null;
  }
  const topo = document.querySelector('svg.topology');
  out.topology = topo ? {
    nodes: Array.from(topo.querySelectorAll('g.node')).map(g => ({
      node: g.getAttribute('data-node'),
      shapes: g.querySelectorAll('rect,circle,ellipse,path,polygon').length,
      texts: Array.from(g.querySelectorAll('text')).map(text)})),
    links: Array.from(topo.querySelectorAll('g.link')).map(g => Object.assign(attrs(g, ['data-a', 'data-b']),
      {drawn: g.querySelectorAll('line,path,polyline').length})),
    tunnels: Array.from(topo.querySelectorAll('g.tunnel')).map(g => Object.assign(attrs(g, ['data-a', 'data-b']),
      {drawn: g.querySelectorAll('line,path,polyline').length, texts: Array.from(g.querySelectorAll('text')).map(text)})),
    drops: Array.from(topo.querySelectorAll('g.drop')).map(g => Object.assign(attrs(g, ['data-node', 'data-reason']),
      {texts: Array.from(g.querySelectorAll('text')).map(text)})),
  } : null;
  out.figures = Array.from(document.querySelectorAll('figure.peer-table')).map(f => {
    const tree = f.querySelector('svg.prefix-tree'), bars = f.querySelector('svg.address-bars');
    return Object.assign(attrs(f, ['data-node', 'data-t']), {
      tree: tree ? {
        prefixes: Array.from(tree.querySelectorAll('g.prefix')).map(g => Object.assign(
          attrs(g, ['data-prefix', 'data-owner', 'data-from']), {moved: cls(g).includes('moved')})),
        edges: tree.querySelectorAll('line,path,polyline').length} : null,
      bars: bars ? {
        ranges: Array.from(bars.querySelectorAll('rect.range')).map(r => Object.assign(
          attrs(r, ['data-prefix', 'data-owner', 'data-from']),
          {moved: cls(r).includes('moved'), fill: getComputedStyle(r).fill, width: r.getBBox().width})),
        carved: Array.from(bars.querySelectorAll('rect.carved')).map(r => Object.assign(
          attrs(r, ['data-prefix', 'data-owner']), {fill: getComputedStyle(r).fill}))} : null,
    });
  });
  const tl = document.querySelector('svg.timeline');
  out.timeline = tl ? {
    spans: Array.from(tl.querySelectorAll('rect.owner-span')).map(r => attrs(r,
      ['data-node', 'data-prefix', 'data-owner', 'data-from-t', 'data-to-t'])),
    moves: Array.from(tl.querySelectorAll('g.move')).map(g => attrs(g, ['data-prefix', 'data-from', 'data-to', 'data-t'])),
  } : null;
  const ladder = document.querySelector('svg.ladder');
  out.ladder = ladder ? {
    lifelines: Array.from(ladder.querySelectorAll('g.lifeline')).map(g => g.getAttribute('data-node')),
    arrows: Array.from(ladder.querySelectorAll('g.arrow')).map(g => {
      const path = g.querySelector('path');
      const style = path ? getComputedStyle(path) : null;
      return Object.assign(attrs(g, ['id', 'data-step', 'data-outcome', 'data-action', 'data-line', 'data-frame', 'data-pcap']), {
        pathClasses: path ? cls(path) : null,
        stroke: style ? style.stroke : null,
        marker: path ? (path.getAttribute('marker-end') || style.markerEnd || 'none') : null,
        label: text(g.querySelector('text'))});
    }),
  } : null;
  const script = document.querySelector('script#report-steps');
  out.steps = null;
  if (script) {
    try {
      const data = JSON.parse(script.textContent);
      const list = Array.isArray(data) ? data : (data && Array.isArray(data.steps) ? data.steps : null);
      out.steps = {type: script.getAttribute('type'), count: list ? list.length : null};
    } catch (e) {
      out.steps = {type: script.getAttribute('type'), count: null, error: String(e)};
    }
  }
  out.player = {};
  for (const id of ['player-back', 'player-forward', 'player-position', 'player-decision', 'player-table']) {
    const el = document.getElementById(id);
    out.player[id] = el ? {tag: el.tagName.toLowerCase(), inPlayer: !!el.closest('section#player')} : null;
  }
  out.expectations = Array.from(document.querySelectorAll('section#expectations li.expectation')).map(li => ({
    result: li.getAttribute('data-result'), text: text(li),
    links: Array.from(li.querySelectorAll('a[href^="#step-"]')).map(a => {
      const target = document.getElementById(a.getAttribute('href').slice(1));
      return {href: a.getAttribute('href'),
              target: target ? (target.matches('svg.ladder g.arrow') ? 'arrow' : target.tagName) : null};
    })}));
  return JSON.stringify(out);
})()
""".replace("%SECTIONS%", json.dumps(SECTIONS))

# The player's visible state: position text, which arrows are current, the decision and table.
STATE_JS = r"""
(() => {
  const text = el => (el ? el.textContent : '').replace(/\s+/g, ' ').trim();
  const table = document.getElementById('player-table');
  return JSON.stringify({
    position: text(document.getElementById('player-position')),
    current: Array.from(document.querySelectorAll('svg.ladder g.arrow.current')).map(g => g.getAttribute('data-step')),
    decision: text(document.getElementById('player-decision')),
    table: text(table),
    matched: table ? Array.from(table.querySelectorAll('.matched')).map(text) : [],
  });
})()
"""

CENTRE_JS = r"""
(id => {
  const el = document.getElementById(id);
  if (!el) return 'null';
  el.scrollIntoView({block: 'center'});
  const r = el.getBoundingClientRect();
  return JSON.stringify({x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height});
})
"""


class Page:
    """One report page open in its own tab."""

    def __init__(self, browser, path):
        self.browser = browser
        self.path = os.path.abspath(path)
        self.url = "file://" + urllib.parse.quote(self.path)
        target = browser.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.target = target
        self.session = browser.call("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(domain + ".enable")
        self.call("Network.setBlockedURLs", {"urls": ["http://*", "https://*", "ws://*", "wss://*", "ftp://*"]})
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": 1280, "height": 900, "deviceScaleFactor": 1, "mobile": False})
        self.load_ms = None

    def call(self, method, params=None):
        return self.browser.call(method, params, self.session)

    def open(self):
        self.browser.events = [e for e in self.browser.events
                               if not (e["method"] == "Page.loadEventFired" and e.get("sessionId") == self.session)]
        start = time.monotonic()
        self.call("Page.navigate", {"url": self.url})
        loaded = self.browser.wait_for("Page.loadEventFired", self.session, self.browser.timeout)
        self.load_ms = int((time.monotonic() - start) * 1000)
        # Two animation frames, so that scripts run at load have drawn.
        self.evaluate("new Promise(r => requestAnimationFrame(() => requestAnimationFrame(() => r(0))))", promise=True)
        return loaded

    def evaluate(self, expression, promise=False):
        result = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                                "awaitPromise": promise})
        if "exceptionDetails" in result:
            raise BrowserError("the checker's own script failed: %s"
                               % result["exceptionDetails"].get("text"))
        return result["result"].get("value")

    def collect(self):
        return json.loads(self.evaluate(COLLECT_JS))

    def state(self):
        return json.loads(self.evaluate(STATE_JS))

    def key(self, name):
        code = {"ArrowRight": 39, "ArrowLeft": 37}[name]
        for kind in ("rawKeyDown", "keyUp"):
            self.call("Input.dispatchKeyEvent", {"type": kind, "key": name, "code": name,
                                                 "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code})

    def click(self, element_id):
        """A real mouse click in the middle of the element; False when it has no box."""
        box = json.loads(self.evaluate("(%s)(%s)" % (CENTRE_JS, json.dumps(element_id))))
        if not box or box["w"] <= 0 or box["h"] <= 0:
            return False
        for kind in ("mouseMoved", "mousePressed", "mouseReleased"):
            params = {"type": kind, "x": box["x"], "y": box["y"]}
            if kind != "mouseMoved":
                params.update({"button": "left", "clickCount": 1})
            self.call("Input.dispatchMouseEvent", params)
        return True

    def screenshot(self, destination):
        self.evaluate("window.scrollTo(0, 0)")
        metrics = self.call("Page.getLayoutMetrics")
        size = metrics.get("cssContentSize") or metrics.get("contentSize")
        height = min(int(size["height"]) + 1, 12000)  # a very long page is cut, not refused
        shot = self.call("Page.captureScreenshot", {
            "format": "png", "captureBeyondViewport": True,
            "clip": {"x": 0, "y": 0, "width": max(int(size["width"]), 1280), "height": height, "scale": 1}})
        with open(destination, "wb") as handle:
            handle.write(base64.b64decode(shot["data"]))

    def events(self, method):
        return [e["params"] for e in self.browser.events
                if e["method"] == method and e.get("sessionId") == self.session]

    def close(self):
        try:
            self.browser.call("Target.closeTarget", {"targetId": self.target})
        except BrowserError:
            pass


class Findings:
    def __init__(self):
        self.failures = []
        self.checked = set()

    def check(self, name, condition, message):
        assert name in CHECKS, name
        self.checked.add(name)
        if not condition:
            self.failures.append("%s: %s" % (name, message))
        return condition

    def failed(self, name):
        return any(f.startswith(name + ":") for f in self.failures)


def is_prefix(text):
    return bool(text) and re.fullmatch(r"[0-9a-fA-F:.]+/\d{1,3}", text) is not None


def is_int(text, minimum=0):
    return text is not None and re.fullmatch(r"\d+", text) is not None and int(text) >= minimum


# ---------------------------------------------------------------------------------------------
# The run's files beside a golden page: decisions.txt and the pcaps.

TIMESTAMP = re.compile(r"^\d+\.\d{9} ")


def read_log(folder):
    path = os.path.join(folder, "decisions.txt")
    if not os.path.isfile(path):
        return None
    with open(path, encoding="utf-8") as handle:
        return handle.read().split("\n")


def pcap_frame_times(path):
    """Each frame's time stamp in nanoseconds, in a classic pcap file (either byte order, micro
    or nano seconds); None if the file is not one."""
    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) < 24:
        return None
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        order = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        order = ">"
    else:
        return None
    scale = 1 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 1000
    offset, times = 24, []
    while offset + 16 <= len(data):
        seconds, fraction, captured = struct.unpack(order + "III", data[offset:offset + 12])
        times.append(seconds * 1_000_000_000 + fraction * scale)
        offset += 16 + captured
    return times


def pcap_frame_count(path):
    times = pcap_frame_times(path)
    return None if times is None else len(times)


def seconds_to_ns(text):
    """'2.002000000' (decisions.txt's time) in nanoseconds."""
    negative = text.startswith("-")
    whole, _, fraction = text.lstrip("-").partition(".")
    value = int(whole) * 1_000_000_000 + int((fraction + "000000000")[:9])
    return -value if negative else value


def node_frame_counts(folder):
    """node name -> largest frame count among its pcap files (pcap/NODE-IFACE.pcap)."""
    pcaps = os.path.join(folder, "pcap")
    counts = {}
    if not os.path.isdir(pcaps):
        return counts
    for name in sorted(os.listdir(pcaps)):
        if not name.endswith(".pcap") or "-" not in name:
            continue
        node = name[:-len(".pcap")].rsplit("-", 1)[0]
        frames = pcap_frame_count(os.path.join(pcaps, name))
        if frames is not None:
            counts[node] = max(counts.get(node, 0), frames)
    return counts


def pcap_files_times(folder):
    """pcap file name -> its frames' time stamps, for the files in FOLDER/pcap."""
    pcaps = os.path.join(folder, "pcap")
    times = {}
    if os.path.isdir(pcaps):
        for name in sorted(os.listdir(pcaps)):
            if name.endswith(".pcap"):
                found = pcap_frame_times(os.path.join(pcaps, name))
                if found is not None:
                    times[name] = found
    return times


def decision_of(line):
    """(node, action, why) of one decisions.txt line, or None when it is not a decision's line."""
    if not TIMESTAMP.match(line):
        return None
    head, _, why = line.partition(": ")
    words = head.split(" ")
    if len(words) < 4:
        return None
    action = words[4] if words[3] in ("tx", "rx") and len(words) > 4 else words[3]
    return words[1], action.rstrip(":"), why


# ---------------------------------------------------------------------------------------------
# The checks.

def check_page(page, facts, findings, expect_all_pass, log, frames, frame_times):
    data = page.collect()

    # Sections and title.
    missing = [s for s in SECTIONS if data["sections"][s] is None]
    findings.check("sections", not missing, "missing section(s) %s" % ", ".join("#" + s for s in missing))
    omitted = {s for s in SECTIONS if data["sections"][s] and data["sections"][s]["omitted"]}
    findings.check("title", len(data["h1"]) == 1 and data["h1"][0] != "",
                   "expected one non-empty <h1> naming the scenario, found %r" % data["h1"])
    scenario = data["h1"][0] if data["h1"] else ""

    # Topology. When it says it left nodes out for size (p.omitted), names elsewhere on the page
    # cannot be checked against it; they must still be there.
    topo = data["topology"]
    node_names = []
    all_nodes_drawn = "topology" not in omitted

    def known(name):
        return bool(name) and (name in node_names or not all_nodes_drawn)

    if findings.check("topology.nodes", topo is not None, "no svg.topology"):
        node_names = [n["node"] for n in topo["nodes"]]
        problems = []
        if not node_names:
            problems.append("no g.node")
        for n in topo["nodes"]:
            if not n["node"]:
                problems.append("a g.node without data-node")
            elif n["shapes"] == 0:
                problems.append("node %s has no shape" % n["node"])
            elif n["node"] not in n["texts"]:
                problems.append("node %s does not show its name" % n["node"])
        if len(set(node_names)) != len(node_names):
            problems.append("a node appears twice")
        findings.check("topology.nodes", not problems, "; ".join(problems))
        problems = []
        for link in topo["links"]:
            if not known(link["data-a"]) or not known(link["data-b"]):
                problems.append("link %s-%s names an unknown node" % (link["data-a"], link["data-b"]))
            elif link["drawn"] == 0:
                problems.append("link %s-%s is not drawn" % (link["data-a"], link["data-b"]))
        findings.check("topology.links", not problems, "; ".join(problems))
        problems = []
        if not topo["tunnels"] and "topology" not in omitted:
            problems.append("no g.tunnel")
        for tunnel in topo["tunnels"]:
            name = "%s-%s" % (tunnel["data-a"], tunnel["data-b"])
            if not known(tunnel["data-a"]) or not known(tunnel["data-b"]):
                problems.append("tunnel %s names an unknown node" % name)
            elif tunnel["drawn"] == 0:
                problems.append("tunnel %s is not drawn" % name)
            elif not any(re.search(r"/\d{1,3}\b", t) for t in tunnel["texts"]):
                problems.append("tunnel %s has no label with allowed IPs" % name)
        findings.check("topology.tunnels", not problems, "; ".join(problems))
        problems = []
        for drop in topo["drops"]:
            if not known(drop["data-node"]):
                problems.append("drop on unknown node %r" % drop["data-node"])
            elif not drop["data-reason"]:
                problems.append("drop on %s has no data-reason" % drop["data-node"])
            elif not any(re.search(r"\d", t) for t in drop["texts"]):
                problems.append("drop %s on %s shows no count" % (drop["data-reason"], drop["data-node"]))
        findings.check("topology.drops", not problems, "; ".join(problems))

    # Peer tables.
    figures = data["figures"]
    problems = []
    if not figures and "tables" not in omitted:
        problems.append("no figure.peer-table")
    for f in figures:
        if not known(f["data-node"]) or not is_int(f["data-t"]):
            problems.append("figure.peer-table with data-node=%r data-t=%r" % (f["data-node"], f["data-t"]))
    findings.check("tables.figures", not problems, "; ".join(problems))
    tree_problems, bar_problems, moved_problems = [], [], []
    owner_fill = {}
    colour_problems = []
    for f in figures:
        where = "%s at t=%s" % (f["data-node"], f["data-t"])
        tree, bars = f["tree"], f["bars"]
        if tree is None:
            tree_problems.append("%s has no svg.prefix-tree" % where)
        else:
            for p in tree["prefixes"]:
                if not is_prefix(p["data-prefix"]) or not p["data-owner"]:
                    tree_problems.append("%s: g.prefix %r owner %r" % (where, p["data-prefix"], p["data-owner"]))
                if p["moved"] and not p["data-from"]:
                    moved_problems.append("%s: moved %s without data-from" % (where, p["data-prefix"]))
            if len(tree["prefixes"]) > 1 and tree["edges"] == 0:
                tree_problems.append("%s: the prefix tree has no edges drawn" % where)
        if bars is None:
            bar_problems.append("%s has no svg.address-bars" % where)
        else:
            for r in bars["ranges"]:
                if not is_prefix(r["data-prefix"]) or not r["data-owner"]:
                    bar_problems.append("%s: rect.range %r owner %r" % (where, r["data-prefix"], r["data-owner"]))
                    continue
                if r["width"] <= 0:
                    bar_problems.append("%s: range %s has no width" % (where, r["data-prefix"]))
                if r["moved"] and not r["data-from"]:
                    moved_problems.append("%s: moved range %s without data-from" % (where, r["data-prefix"]))
                owner_fill.setdefault(r["data-owner"], set()).add(r["fill"])
            for c in bars["carved"]:
                if not is_prefix(c["data-prefix"]):
                    bar_problems.append("%s: rect.carved with data-prefix %r" % (where, c["data-prefix"]))
    findings.check("tables.tree", not tree_problems, "; ".join(tree_problems))
    findings.check("tables.bars", not bar_problems, "; ".join(bar_problems))
    findings.check("tables.moved", not moved_problems, "; ".join(moved_problems))
    for owner, fills in sorted(owner_fill.items()):
        if len(fills) != 1:
            colour_problems.append("owner %s drawn in %d colours %s" % (owner, len(fills), sorted(fills)))
    # Owners get colours of their own; a palette may come round again only once it has used
    # OWN_COLOURS of them (every picture names owners in words too, so a repeat is never alone).
    seen = {}
    distinct = {fill for fills in owner_fill.values() for fill in fills}
    for owner, fills in sorted(owner_fill.items()):
        for fill in fills:
            if fill in seen and seen[fill] != owner and len(distinct) < OWN_COLOURS:
                colour_problems.append("owners %s and %s share the colour %s with only %d colours in use"
                                       % (seen[fill], owner, fill, len(distinct)))
            seen[fill] = owner
    findings.check("tables.colours", not colour_problems, "; ".join(colour_problems))

    # Timeline.
    tl = data["timeline"]
    if findings.check("timeline.spans", tl is not None, "no svg.timeline"):
        problems = []
        if not tl["spans"] and "timeline" not in omitted:
            problems.append("no rect.owner-span")
        for s in tl["spans"]:
            if (not known(s["data-node"]) or not is_prefix(s["data-prefix"]) or not s["data-owner"]
                    or not is_int(s["data-from-t"]) or not is_int(s["data-to-t"])
                    or int(s["data-from-t"]) > int(s["data-to-t"])):
                problems.append("owner-span %r" % s)
        findings.check("timeline.spans", not problems, "; ".join(problems[:5]))
        problems = ["move %r" % m for m in tl["moves"]
                    if not is_prefix(m["data-prefix"]) or not m["data-from"] or not m["data-to"]
                    or m["data-from"] == m["data-to"] or not is_int(m["data-t"])]
        findings.check("timeline.moves", not problems, "; ".join(problems[:5]))

    # Ladder.
    ladder = data["ladder"]
    arrows = []
    if findings.check("ladder.arrows", ladder is not None, "no svg.ladder"):
        arrows = ladder["arrows"]
        bad_lifelines = [n for n in ladder["lifelines"] if not known(n)]
        findings.check("ladder.lifelines", ladder["lifelines"] and not bad_lifelines,
                       "lifelines %r (topology nodes %r)" % (ladder["lifelines"], node_names))
        problems = []
        if not arrows and "ladder" not in omitted:
            problems.append("no g.arrow")
        steps = []
        for a in arrows:
            name = "arrow %s" % (a["id"] or a["data-step"])
            if not is_int(a["data-step"]):
                problems.append("%s: data-step %r" % (name, a["data-step"]))
                continue
            steps.append(int(a["data-step"]))
            if a["id"] != "step-" + a["data-step"]:
                problems.append("%s: id should be step-%s" % (name, a["data-step"]))
            if a["data-outcome"] not in OUTCOMES:
                problems.append("%s: data-outcome %r" % (name, a["data-outcome"]))
            if not a["data-action"]:
                problems.append("%s: no data-action" % name)
            if not is_int(a["data-line"], 1):
                problems.append("%s: data-line %r" % (name, a["data-line"]))
            if a["data-frame"] is not None and not is_int(a["data-frame"], 1):
                problems.append("%s: data-frame %r" % (name, a["data-frame"]))
        if len(set(steps)) != len(steps):
            problems.append("two arrows share a data-step")
        findings.check("ladder.arrows", not problems, "; ".join(problems[:5]))
        problems = []
        for a in arrows:
            if a["pathClasses"] is None:
                problems.append("arrow %s has no path" % a["data-step"])
            elif "outcome-%s" % a["data-outcome"] not in a["pathClasses"]:
                problems.append("arrow %s: path classes %r lack outcome-%s"
                                % (a["data-step"], a["pathClasses"], a["data-outcome"]))
            elif a["marker"] in (None, "", "none"):
                problems.append("arrow %s: path has no marker at its end" % a["data-step"])
        findings.check("ladder.paths", not problems, "; ".join(problems[:5]))
        unlabelled = [a["data-step"] for a in arrows if not a["label"]]
        findings.check("ladder.labels", not unlabelled, "arrows without a text label: %s" % unlabelled[:10])
        colours = {}
        for a in arrows:
            if a["stroke"]:
                colours.setdefault(a["data-outcome"], set()).add(a["stroke"])
        problems = []
        for outcome, strokes in sorted(colours.items()):
            if len(strokes) != 1:
                problems.append("%s arrows drawn in %d colours" % (outcome, len(strokes)))
        by_colour = {}
        for outcome, strokes in sorted(colours.items()):
            for stroke in strokes:
                by_colour.setdefault(stroke, []).append(outcome)
        for stroke, outcomes in sorted(by_colour.items()):
            if len(outcomes) > 1:
                problems.append("outcomes %s share the colour %s" % ("/".join(outcomes), stroke))
        findings.check("ladder.colours", not problems, "; ".join(problems))
        cross = {a["marker"] for a in arrows if a["data-outcome"] in CROSS_OUTCOMES}
        heads = {a["marker"] for a in arrows if a["data-outcome"] not in CROSS_OUTCOMES}
        findings.check("ladder.cross", not (cross & heads),
                       "dropped/lost arrows end in the same marker as other arrows: %s" % sorted(cross & heads))

    # Expectations.
    expectations = data["expectations"]
    problems = []
    for e in expectations:
        if e["result"] not in ("pass", "fail"):
            problems.append("expectation %r has data-result %r" % (e["text"][:60], e["result"]))
        elif expect_all_pass and e["result"] != "pass":
            problems.append("expectation %r failed in a golden run" % e["text"][:60])
    findings.check("expectations.items", not problems, "; ".join(problems))
    problems = []
    for e in expectations:
        for link in e["links"]:
            if link["target"] != "arrow":
                problems.append("%s in %r does not lead to a ladder arrow" % (link["href"], e["text"][:60]))
    findings.check("expectations.links", not problems, "; ".join(problems[:5]))

    # The log and pcaps beside the page.
    arrow_by_step = {int(a["data-step"]): a for a in arrows if is_int(a["data-step"])}
    if log is not None:
        problems = []
        for a in arrows:
            if not is_int(a["data-line"], 1):
                continue
            n = int(a["data-line"])
            decision = decision_of(log[n - 1]) if n <= len(log) else None
            if decision is None:
                problems.append("arrow %s: decisions.txt line %d is not a decision" % (a["data-step"], n))
            elif decision[1] != a["data-action"]:
                problems.append("arrow %s: decisions.txt line %d is %s, the arrow says %s"
                                % (a["data-step"], n, decision[1], a["data-action"]))
        findings.check("log.lines", not problems, "; ".join(problems[:5]))
        problems = []
        for a in arrows:
            if a["data-frame"] is None or not is_int(a["data-line"], 1) or not is_int(a["data-frame"], 1):
                continue
            decision = decision_of(log[int(a["data-line"]) - 1]) if int(a["data-line"]) <= len(log) else None
            if decision is None:
                continue
            available = frames.get(decision[0], 0)
            if int(a["data-frame"]) > available:
                problems.append("arrow %s: frame %s but %s's pcaps hold at most %d frames"
                                % (a["data-step"], a["data-frame"], decision[0], available))
        # Where the arrow names its capture file (data-pcap), the frame is looked up in it: it must
        # be the deciding node's, and every frame must lie at the same distance from its decision's
        # time (the pcap's clock is the scenario's start time plus simulated time).
        offsets = {}
        for a in arrows:
            pcap = a.get("data-pcap")
            if not pcap or not is_int(a["data-frame"], 1) or not is_int(a["data-line"], 1) or int(a["data-line"]) > len(log):
                continue
            line = log[int(a["data-line"]) - 1]
            decision = decision_of(line)
            if decision is None:
                continue
            if not pcap.startswith(decision[0] + "-") or "/" in pcap:
                problems.append("arrow %s: data-pcap %s is not a capture of %s" % (a["data-step"], pcap, decision[0]))
                continue
            times = frame_times.get(pcap)
            if times is None or int(a["data-frame"]) > len(times):
                problems.append("arrow %s: frame %s is not in pcap/%s" % (a["data-step"], a["data-frame"], pcap))
                continue
            offset = times[int(a["data-frame"]) - 1] - seconds_to_ns(line.split(" ", 1)[0])
            offsets.setdefault(offset, []).append(a["data-step"])
        if len(offsets) > 1:
            common = max(offsets, key=lambda o: len(offsets[o]))
            odd = sorted((steps for o, steps in offsets.items() if o != common), key=len)
            problems.append("frames at a different distance from their decision's time than the rest: steps %s"
                            % [step for steps in odd for step in steps][:10])
        findings.check("log.frames", not problems, "; ".join(problems[:5]))

    # The player.
    check_player(page, data, findings, arrow_by_step, log)

    # What is known about this scenario.
    if facts:
        check_facts(data, facts, findings)
    return scenario


def position_of(state):
    match = re.search(r"step (\d+) of (\d+)", state["position"])
    return (int(match.group(1)), int(match.group(2))) if match else None


def check_player(page, data, findings, arrow_by_step, log):
    controls = data["player"]
    problems = ["#%s missing%s" % (k, "" if v is None else " from section#player")
                for k, v in sorted(controls.items()) if v is None or not v["inPlayer"]]
    for k in ("player-back", "player-forward"):
        if controls[k] is not None and controls[k]["tag"] != "button":
            problems.append("#%s is a <%s>, not a <button>" % (k, controls[k]["tag"]))
    findings.check("player.controls", not problems, "; ".join(problems))
    if any(controls[k] is None for k in ("player-back", "player-forward", "player-position")):
        return  # nothing to press or read: the failure above says why
    steps = data["steps"]
    count = steps["count"] if steps else None
    findings.check("player.steps", steps is not None and steps["type"] == "application/json"
                   and count == len(arrow_by_step) and set(arrow_by_step) == set(range(len(arrow_by_step))),
                   "script#report-steps %r, but %d arrows with steps %s"
                   % (steps, len(arrow_by_step), sorted(arrow_by_step)[:8]))
    total = len(arrow_by_step)
    if total < 3:
        findings.check("player.keys", False, "fewer than 3 steps: the player cannot be exercised")
        return

    def current_step(state):
        return int(state["current"][0]) if len(state["current"]) == 1 and is_int(state["current"][0]) else None

    def sequence(moves, name):
        """Runs the moves, checking the current arrow and the position text after each."""
        before = page.state()
        start = current_step(before)
        if start is None and before["current"]:
            return findings.check(name, False, "before stepping, arrows %s are current" % before["current"])
        expected = -1 if start is None else start
        offset = None
        done = []
        for move, delta in moves:
            move()
            done.append(move.__name__)
            expected = max(expected + delta, 0)
            state = page.state()
            got, position = current_step(state), position_of(state)
            if got != expected:
                return findings.check(name, False, "after %s expected arrow %d current, found %s"
                                      % (", ".join(done), expected, state["current"]))
            if position is None or position[1] != total:
                return findings.check(name, False, "#player-position %r is not 'step K of %d'"
                                      % (state["position"], total))
            if offset is None:
                offset = position[0] - got
            if offset not in (0, 1) or position[0] - got != offset:
                return findings.check(name, False, "#player-position %r while arrow %d is current"
                                      % (state["position"], got))
            if not state["decision"]:
                return findings.check(name, False, "#player-decision is empty at step %d" % got)
        return findings.check(name, True, "")

    def press(key):
        def move():
            page.key(key)
        move.__name__ = key
        return move

    def click(element_id):
        def move():
            if not page.click(element_id):
                raise BrowserError("#%s has no box to click" % element_id)
        move.__name__ = "click #" + element_id
        return move

    sequence([(press("ArrowRight"), 1), (press("ArrowRight"), 1), (press("ArrowLeft"), -1)], "player.keys")
    try:
        sequence([(click("player-forward"), 1), (click("player-forward"), 1), (click("player-back"), -1)],
                 "player.buttons")
    except BrowserError as error:
        findings.check("player.buttons", False, str(error))

    # From a freshly loaded page, every step forward, each checked against the log.
    page.open()
    state = page.state()
    walk_problems, decision_problems, matched_problems = [], [], []
    if current_step(state) is None:  # nothing current before the first press: it shows step 0
        page.key("ArrowRight")
        state = page.state()
    if current_step(state) != 0:
        walk_problems.append("a fresh page does not start at step 0 (current %s)" % state["current"])
    else:
        decisions = []
        for k in range(min(total, WALK_LIMIT)):
            if k > 0:
                page.key("ArrowRight")
                state = page.state()
            if current_step(state) != k:
                walk_problems.append("step %d: arrows %s are current" % (k, state["current"]))
                break
            decisions.append(state["decision"])
            arrow = arrow_by_step.get(k)
            line = int(arrow["data-line"]) if arrow and is_int(arrow["data-line"], 1) else None
            decision = decision_of(log[line - 1]) if log is not None and line and line <= len(log) else None
            if decision:
                node, action, why = decision
                shown = state["decision"]
                first_why = " ".join(why.split())[:40]
                if action not in shown or node not in shown or first_why not in shown:
                    decision_problems.append("step %d: #player-decision %r does not show line %d (%s %s: %s)"
                                             % (k, shown[:120], line, node, action, first_why))
                match = re.search(r"matched (\S+/\d+) \(", why)
                if match and not any(match.group(1) in row for row in state["matched"]):
                    matched_problems.append("step %d: %s matched, rows marked matched: %r"
                                            % (k, match.group(1), state["matched"]))
        if not walk_problems and total <= WALK_LIMIT:
            page.key("ArrowRight")
            if current_step(page.state()) != total - 1:
                walk_problems.append("ArrowRight at the last step left it")
        if len(decisions) > 1 and len(set(decisions)) == 1:
            walk_problems.append("#player-decision shows the same text at every step")
    findings.check("player.walk", not walk_problems, "; ".join(walk_problems))
    if log is not None:
        findings.check("log.decision", not decision_problems, "; ".join(decision_problems[:3]))
        findings.check("log.matched", not matched_problems, "; ".join(matched_problems[:3]))


def check_facts(data, facts, findings):
    topo = data["topology"] or {"nodes": [], "tunnels": []}
    nodes = sorted(n["node"] or "" for n in topo["nodes"])
    if "nodes" in facts:
        findings.check("scenario.nodes", nodes == sorted(facts["nodes"]),
                       "topology nodes %r, expected %r" % (nodes, sorted(facts["nodes"])))
    problems = []
    for a, b, prefix in facts.get("tunnels", []):
        found = [t for t in topo["tunnels"] if {t["data-a"], t["data-b"]} == {a, b}]
        if not found:
            problems.append("no tunnel %s-%s" % (a, b))
        elif not any(prefix in label for t in found for label in t["texts"]):
            problems.append("tunnel %s-%s does not show %s" % (a, b, prefix))
    if "tunnels" in facts:
        findings.check("scenario.tunnels", not problems, "; ".join(problems))
    problems = []
    for node, prefix, owner, previous in facts.get("moved", []):
        if not any(p["moved"] and p["data-prefix"] == prefix and p["data-owner"] == owner and p["data-from"] == previous
                   for f in data["figures"] if f["data-node"] == node and f["tree"]
                   for p in f["tree"]["prefixes"]):
            problems.append("%s's tables show no %s moved from %s to %s" % (node, prefix, previous, owner))
    if "moved" in facts:
        findings.check("scenario.moved", not problems, "; ".join(problems))
    problems = []
    for node, wider, narrower, owner in facts.get("carved", []):
        good = False
        for f in data["figures"]:
            if f["data-node"] != node or not f["bars"]:
                continue
            ranges = f["bars"]["ranges"]
            carved = [c for c in f["bars"]["carved"] if c["data-prefix"] in (wider, narrower)]
            owner_fills = {r["fill"] for r in ranges if r["data-prefix"] == narrower and r["data-owner"] == owner}
            if carved and owner_fills and any(r["data-prefix"] == wider for r in ranges):
                good = True
        if not good:
            problems.append("%s's address bars never show %s carved out of %s in %s's colour"
                            % (node, narrower, wider, owner))
    if "carved" in facts:
        findings.check("scenario.carved", not problems, "; ".join(problems))
    moves = (data["timeline"] or {"moves": []})["moves"]
    problems = ["no timeline move of %s from %s to %s" % m for m in facts.get("timeline-moves", [])
                if not any((g["data-prefix"], g["data-from"], g["data-to"]) == m for g in moves)]
    if "timeline-moves" in facts:
        findings.check("scenario.timeline", not problems, "; ".join(problems))
    outcomes = {a["data-outcome"] for a in (data["ladder"] or {"arrows": []})["arrows"]}
    missing = [o for o in facts.get("outcomes", []) if o not in outcomes]
    if "outcomes" in facts:
        findings.check("scenario.outcomes", not missing, "no %s arrow in the ladder (outcomes drawn: %s)"
                       % ("/".join(missing), sorted(o or "" for o in outcomes)))
    drops = {(d["data-node"], d["data-reason"]) for d in topo.get("drops", [])}
    missing = ["%s on %s" % (reason, node) for node, reason in facts.get("drops", []) if (node, reason) not in drops]
    if "drops" in facts:
        findings.check("scenario.drops", not missing, "the topology marks no drop %s" % ", ".join(missing))


def check_report(browser, path, screenshots, expect_all_pass, folder_name):
    findings = Findings()
    result = {"report": path, "scenario": None}
    page = Page(browser, path)
    try:
        if not findings.check("load", page.open(), "the page did not finish loading"):
            result.update(ok=False, failures=findings.failures)
            return result
        folder = os.path.dirname(os.path.abspath(path))
        log = read_log(folder)
        frames = node_frame_counts(folder)
        frame_times = pcap_files_times(folder)
        data_h1 = page.evaluate("(document.querySelector('h1') || {}).textContent || ''").strip()
        facts = SCENARIO_FACTS.get(data_h1)
        scenario = check_page(page, facts, findings, expect_all_pass, log, frames, frame_times)
        result["scenario"] = scenario
        # Console errors and requests, gathered over the whole visit including the player's use.
        errors = ["console.%s: %s" % (e["type"], " ".join(str(a.get("value", a.get("description", "")))
                                                          for a in e.get("args", [])))
                  for e in page.events("Runtime.consoleAPICalled") if e["type"] in ("error", "assert")]
        errors += ["exception: %s" % (e["exceptionDetails"].get("exception", {}).get("description")
                                      or e["exceptionDetails"].get("text"))
                   for e in page.events("Runtime.exceptionThrown")]
        errors += ["%s: %s" % (e["entry"]["source"], e["entry"]["text"])
                   for e in page.events("Log.entryAdded") if e["entry"]["level"] == "error"]
        findings.check("console", not errors, "; ".join(errors[:5]))
        own = page.url.split("#")[0]
        requests = sorted({e["request"]["url"] for e in page.events("Network.requestWillBeSent")
                           if e["request"]["url"].split("#")[0] != own})
        findings.check("network", not requests, "requests other than the page: %s" % requests[:5])
        if screenshots:
            os.makedirs(screenshots, exist_ok=True)
            name = re.sub(r"[^A-Za-z0-9._-]", "_", folder_name or scenario or "report") + ".png"
            destination = os.path.join(screenshots, name)
            page.screenshot(destination)
            result["screenshot"] = destination
        result["arrows"] = page.evaluate("document.querySelectorAll('svg.ladder g.arrow').length")
        result["load_ms"] = page.load_ms
        result["bytes"] = os.path.getsize(path)
    finally:
        page.close()
    result["ok"] = not findings.failures
    result["failures"] = findings.failures
    result["checks"] = len(findings.checked)
    result["checked"] = sorted(findings.checked)
    return result


def find_chromium(given):
    for candidate in [given, os.environ.get("CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser"), shutil.which("google-chrome")]:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    return None


def self_test(browser, screenshots):
    """The sample page must pass every check; the broken page must fail every one of them."""
    fixtures = os.path.join(HERE, "fixtures")
    problems = []
    good = check_report(browser, os.path.join(fixtures, "contract-sample", "report.html"),
                        screenshots, True, "contract-sample")
    if not good["ok"]:
        problems.append("contract-sample passed no clean bill: %s" % good["failures"])
    never_run = sorted(set(CHECKS) - {"load"} - set(good.get("checked", [])))
    if never_run:
        problems.append("checks that never ran on contract-sample: %s" % ", ".join(never_run))
    bad = check_report(browser, os.path.join(fixtures, "contract-broken", "report.html"),
                       screenshots, True, "contract-broken")
    failed = {f.split(":", 1)[0] for f in bad["failures"]}
    # "load" is left out: it fails only when the load event never comes, after the timeout.
    never_failed = sorted(set(CHECKS) - {"load"} - failed)
    if never_failed:
        problems.append("contract-broken did not fail: %s" % ", ".join(never_failed))
    return {"self-test": True, "ok": not problems, "failures": problems,
            "sample-checks": good.get("checks"), "broken-failures": bad["failures"]}


def main(argv):
    parser = argparse.ArgumentParser(description="Checks wgsim report pages in headless Chromium.")
    parser.add_argument("reports", nargs="*", help="report.html files")
    parser.add_argument("--screenshots", help="folder for one PNG per page")
    parser.add_argument("--expect-all-pass", action="store_true",
                        help="fail when an expectation on the page failed (golden runs pass theirs)")
    parser.add_argument("--self-test", action="store_true",
                        help="check the driver itself on its fixtures")
    parser.add_argument("--chromium", help="the browser binary (default: /usr/bin/chromium)")
    parser.add_argument("--timeout", type=float, default=30, help="seconds to wait for the browser")
    args = parser.parse_args(argv)
    if not args.reports and not args.self_test:
        parser.print_usage(sys.stderr)
        print("report_check: give report.html files, or --self-test", file=sys.stderr)
        return 2
    for report in args.reports:
        if not os.path.isfile(report):
            print("report_check: %s: no such file" % report, file=sys.stderr)
            return 2
    binary = find_chromium(args.chromium)
    if binary is None:
        print("report_check: no Chromium found (install Debian's chromium; scripts/setup.sh does)", file=sys.stderr)
        return 2
    status = 0
    try:
        browser = Chromium(binary, args.timeout)
        try:
            browser.call("Browser.getVersion")
            if args.self_test:
                result = self_test(browser, args.screenshots)
                print(json.dumps(result, sort_keys=True))
                status = max(status, 0 if result["ok"] else 1)
            for report in args.reports:
                folder = os.path.basename(os.path.dirname(os.path.abspath(report)))
                result = check_report(browser, report, args.screenshots, args.expect_all_pass, folder)
                print(json.dumps(result, sort_keys=True))
                sys.stdout.flush()
                status = max(status, 0 if result["ok"] else 1)
        finally:
            browser.close()
    except BrowserError as error:
        print("report_check: %s" % error, file=sys.stderr)
        return 2
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
