"""The matrix report in a real browser: headless Chromium driven over
WebDriver (chromedriver on a loopback port, spoken to with urllib).

The report is built from the small fixtures in fixtures/report/ (three
made-up implementations over a five-requirement demo spec), so the expected
counts are known: the test asserts that the summary and the grid render them,
that a real click on a cell opens its record with the timeline (the
implementation's events and the peer's actions, with seq numbers), that the
tabs switch implementation, that a URL fragment opens a cell, and that the
filters hide rows.

Needs Debian's `chromium` and `chromium-driver`; without chromedriver only
the first test runs (chromium --dump-dom of a page whose fragment opens a
cell); each test's skip says which package is missing.

Also a tool: `python3 harness/tests/test_report_browser.py REPORT.html#ID/LABEL OUT.png`
takes a screenshot of a report with that cell open (harness/report.png).
"""
import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETSPEC = os.path.join(ROOT, "harness", "netspec")
FIXTURES = os.path.join(ROOT, "fixtures", "report")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"     # the W3C WebDriver element key
START_S = 30.0
# Headless, and off the network: the page is a local file; no name is resolved but localhost
# (chromedriver's loopback port), and the browser's background services stay off.
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                 "--disable-extensions", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-domain-reliability", "--disable-client-side-phishing-detection",
                 "--no-pings", "--dns-prefetch-disable", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost"]


class WebDriverError(Exception):
    pass


class Browser:
    """A headless Chromium session through chromedriver (W3C WebDriver)."""

    def __init__(self, width=1400, height=900):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.proc = subprocess.Popen([CHROMEDRIVER, "--port=%d" % port, "--allowed-ips=127.0.0.1"],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
        self.base = "http://127.0.0.1:%d" % port
        self._wait_started()
        caps = {"capabilities": {"alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": CHROMIUM_ARGS + ["--hide-scrollbars", "--window-size=%d,%d" % (width, height)]}}}}
        try:
            self.session = self._call("POST", "/session", caps)["sessionId"]
        except Exception:
            self._stop_driver()
            raise

    def _wait_started(self):
        """chromedriver says on its standard output when it listens; read that with a deadline."""
        import select
        deadline = time.monotonic() + START_S
        seen = b""
        fd = self.proc.stdout.fileno()
        while b"started successfully" not in seen:
            left = deadline - time.monotonic()
            ready = select.select([fd], [], [], max(0, left))[0] if left > 0 else []
            if not ready:
                self._stop_driver()
                raise WebDriverError("chromedriver did not start within %.0f s: %r" % (START_S, seen[-300:]))
            chunk = os.read(fd, 4096)
            if not chunk:
                self._stop_driver()
                raise WebDriverError("chromedriver exited: %r" % seen[-300:])
            seen += chunk

    def _call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        # The proxy settings of the environment must not apply: this is loopback only.
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(req, timeout=60) as resp:
                payload = json.loads(resp.read().decode())
        except urllib.error.HTTPError as exc:
            raise WebDriverError("%s %s: %s" % (method, path, exc.read().decode()[:500])) from None
        return payload.get("value", payload) if path != "/session" else payload["value"]

    def s(self, method, path, body=None):
        return self._call(method, "/session/%s%s" % (self.session, path), body)

    def get(self, url):
        self.s("POST", "/url", {"url": url})

    def find_all(self, css):
        return [e[ELEMENT] for e in self.s("POST", "/elements", {"using": "css selector", "value": css})]

    def find(self, css):
        return self.s("POST", "/element", {"using": "css selector", "value": css})[ELEMENT]

    def click(self, element):
        self.s("POST", "/element/%s/click" % element, {})

    def text(self, element):
        return self.s("GET", "/element/%s/text" % element)

    def js(self, script, *args):
        return self.s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def screenshot(self, path):
        import base64
        with open(path, "wb") as fh:
            fh.write(base64.b64decode(self.s("GET", "/screenshot")))

    def _stop_driver(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()

    def close(self):
        try:
            self.s("DELETE", "")
        finally:
            self._stop_driver()


def _missing():
    return [p for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]


needs_browser = pytest.mark.skipif(
    bool(_missing()), reason="the report's browser test needs Debian's chromium and chromium-driver "
                             "(missing: %s; apt-get install -y chromium chromium-driver)" % ", ".join(_missing()))
needs_chromium = pytest.mark.skipif(
    not os.access(CHROMIUM, os.X_OK), reason="the report's browser test needs Debian's chromium "
                                             "(%s missing; apt-get install -y chromium)" % CHROMIUM)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "matrix.html"
    files = [os.path.join(FIXTURES, "%s.json" % n) for n in ("alpha", "beta", "gamma")]
    p = subprocess.run([NETSPEC, "matrix", "--from", *files, "--out", str(out),
                        "--spec-dir", os.path.join(FIXTURES, "spec"), "--tests-dir", os.path.join(FIXTURES, "tests")],
                       cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    assert p.returncode == 1, p.stdout          # beta fails a test, gamma passes one unexpectedly
    docs = {}
    for f in files:
        with open(f) as fh:
            doc = json.load(fh)
        docs[doc["impl"]["label"]] = doc
    return str(out), docs


@pytest.fixture(scope="module")
def browser():
    b = Browser()
    yield b
    b.close()


# What the fixtures must render: per implementation, the cells' letters in row order
# (DEMO.A.1, DEMO.B.1, DEMO.D.1 in section Alpha; DEMO.C.1, DEMO.E.1 in section Beta).
ROWS = ["DEMO.A.1", "DEMO.B.1", "DEMO.D.1", "DEMO.C.1", "DEMO.E.1"]
CELLS = {"alpha": ["P", "P", "-", "P", "P"],
         "beta": ["F", "F", "-", "E", "S"],
         "gamma": ["P", "P", "-", "U", "."]}


@needs_chromium
def test_the_report_in_chromium_without_webdriver(report, tmp_path):
    """Without chromedriver too: chromium --headless --dump-dom of the page with
    a fragment that opens a cell; the DOM after the page's script ran."""
    path, docs = report
    p = subprocess.run([CHROMIUM, *CHROMIUM_ARGS, "--user-data-dir=%s" % (tmp_path / "profile"),
                        "--virtual-time-budget=5000", "--dump-dom", "file://%s#DEMO.B.1/beta" % path],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, timeout=120)
    dom = p.stdout
    assert p.returncode == 0 and 'data-ready="1"' in dom, dom[-500:]
    for label, doc in docs.items():
        row = re.search(r'<tr data-impl="%s">(.*?)</tr>' % label, dom).group(1)
        cells = re.findall(r"<td[^>]*>([^<]*)</td>", row)
        assert cells[2:7] == [str(doc["summary"][k]) for k in ("passed", "failed", "xfailed", "xpassed", "skipped")]
    grid = re.findall(r'<tr class="row[^"]*" id="([^"]+)"[^>]*>(.*?)</tr>', dom)
    assert [g[0] for g in grid] == ROWS
    for col, label in enumerate(["alpha", "beta", "gamma"]):
        assert [re.findall(r'<td class="c [^"]*"[^>]*>([^<]*)</td>', g[1])[col] for g in grid] == CELLS[label]
    assert '<aside id="panel" aria-live="polite" class="on">' in dom
    assert '<h2 id="rec-id">DEMO.B.1</h2>' in dom
    panel = dom.split('<aside id="panel"', 1)[1].split("</aside>", 1)[0]
    kinds = re.findall(r'<tr class="([a-z])"><td class="t">', panel)
    assert kinds == list("qqepeppeenqerep"), kinds
    assert '<td class="p">client1 shutdown write side: FIN sent</td>' in panel


@needs_browser
def test_the_grid_renders_the_counts_of_the_json(report, browser):
    path, docs = report
    browser.get("file://" + path)
    assert browser.js("return document.body.getAttribute('data-ready')") == "1"
    # the summary table: one row per implementation, the JSON's counts
    rows = browser.js("""return Array.from(document.querySelectorAll('#summary tbody tr')).map(function(tr){
        return [tr.getAttribute('data-impl')].concat(Array.from(tr.querySelectorAll('td')).map(function(td){
            return td.textContent.trim(); })); });""")
    assert [r[0] for r in rows] == ["alpha", "beta", "gamma"]
    for row in rows:
        summary = docs[row[0]]["summary"]
        # columns: label, version, passed, failed, xfailed, xpassed, skipped, not run, wall
        assert row[3:8] == [str(summary[k]) for k in ("passed", "failed", "xfailed", "xpassed", "skipped")], row
    assert [r[8] for r in rows] == ["0", "0", "1"]     # gamma has no result for test_e
    # the grid: the rows in spec order under their sections, a letter per cell
    assert browser.js("return Array.from(document.querySelectorAll('#grid tr.sec th')).map("
                      "function(th){return th.firstChild.textContent.trim();})") == \
        ["Alpha: half-closed connections", "Beta: errors"]
    grid = browser.js("""return Array.from(document.querySelectorAll('#grid tr.row')).map(function(tr){
        return [tr.id].concat(Array.from(tr.querySelectorAll('td.c')).map(function(td){ return td.textContent; })); });""")
    assert [g[0] for g in grid] == ROWS
    for col, label in enumerate(["alpha", "beta", "gamma"]):
        assert [g[1 + col] for g in grid] == CELLS[label], label
    # colour goes with the letter (readable either way)
    colours = browser.js("""var out = {}; document.querySelectorAll('#grid td.c').forEach(function(td){
        out[td.textContent] = getComputedStyle(td).backgroundColor; }); return out;""")
    assert len(set(colours[k] for k in "PEFUS")) == 5, colours
    # hovering a requirement shows its rule; an expected difference's cell names the observed value
    assert "stays writable until it is ended too" in browser.js(
        "return document.querySelector('#grid tr[id=\"DEMO.A.1\"] th.req').title")
    assert "errno -98 instead of 'EADDRINUSE'" in browser.js(
        "return document.querySelector('#grid tr[id=\"DEMO.C.1\"] td.c.E').title")


@needs_browser
def test_clicking_a_cell_opens_its_timeline(report, browser):
    path, docs = report
    browser.get("file://" + path)
    assert not browser.js("return document.getElementById('panel').classList.contains('on')")
    cell = browser.find('#grid tr[id="DEMO.B.1"] td.c:nth-of-type(2)')     # beta's failure
    assert browser.text(cell) == "F"
    browser.click(cell)
    assert browser.js("return document.getElementById('panel').classList.contains('on')")
    assert browser.js("return location.hash") == "#DEMO.B.1/beta"
    panel = browser.text(browser.find("#panel"))
    assert "DEMO.B.1" in panel and "Data written after the peer's end still reaches the peer." in panel
    assert "test_a_second" in panel and "failed" in panel
    assert "after the peer's end the write must still reach it" in panel          # the assertion
    assert "harness/netspec run --impl beta 'fixtures/report/tests/demo/test_demo.py::test_a_second'" in panel
    # the timeline: opened for a failure, rows in time order, events with their seq, the peer's column
    rows = browser.js("""return Array.from(document.querySelectorAll('#panel table.tl tbody tr')).map(function(tr){
        return [tr.className].concat(Array.from(tr.querySelectorAll('td')).map(function(td){ return td.textContent; })); });""")
    with open(os.path.join(FIXTURES, "beta.json")) as fh:
        tl = [r for r in json.load(fh)["results"] if r["test"].endswith("test_a_second")][0]["timeline"]
    kinds = [r[0] for r in rows]
    assert kinds == ["q", "q", "e", "p", "e", "p", "p", "e", "e", "n", "q", "e", "r", "e", "p"], kinds
    times = [float(r[1]) for r in rows]
    assert times == sorted(times) and times[0] == pytest.approx(tl[1]["t"] * 1000)
    assert rows[0][2:] == ["1", "\u2192 net.createServer({allowHalfOpen: true})  \u2192 returned h1", ""]
    events = [(r[2], r[3]) for r in rows if r[0] == "e"]
    assert events == [("3", "h1 emits 'listening'"), ("4", "h1 emits 'connection' (h2)"),
                      ("5", "h2 emits 'data' (<5 bytes 'hello'>)"), ("6", "h2 emits 'end'"),
                      ("7", "h2 emits 'error' ({Error code=\"EPIPE\" syscall=\"write\" "
                            "\"This socket has been ended by the other party\"})"),
                      ("9", "h2 emits 'close' (true)")]
    peer = [r[4] for r in rows if r[0] == "p"]
    assert peer == ["client1 connect to 127.0.0.1:40001 from 127.0.0.1:50002", "client1 send 5 bytes b'hello'",
                    "client1 shutdown write side: FIN sent", "client1 recv end of stream (FIN) after 0 of 3 bytes"]
    # a response that did not come right after its request has a row of its own, with the seq
    assert [r for r in rows if r[0] == "r"] == [["r", "30.200", "8", "\u2190 #3 returned false", ""]]
    # the other tabs show the same requirement on another implementation
    tabs = browser.find_all("#panel .tabs button")
    assert [browser.text(t) for t in tabs] == ["alphaP", "betaF", "gammaP"]
    browser.click(tabs[0])
    assert browser.js("return location.hash") == "#DEMO.B.1/alpha"
    assert "passed" in browser.text(browser.find("#panel .test"))
    assert browser.js("return document.querySelector('#grid tr[id=\"DEMO.B.1\"] td.c.open').cellIndex") == 1
    # Escape closes the record
    browser.s("POST", "/actions", {"actions": [{"type": "key", "id": "kb", "actions": [
        {"type": "keyDown", "value": "\ue00c"}, {"type": "keyUp", "value": "\ue00c"}]}]})
    assert not browser.js("return document.getElementById('panel').classList.contains('on')")


@needs_browser
def test_a_fragment_opens_a_cell_and_the_filters_hide_rows(report, browser):
    path, _ = report
    browser.get("file://" + path + "#DEMO.C.1/gamma")
    assert browser.js("return document.getElementById('panel').classList.contains('on')")
    panel = browser.text(browser.find("#panel"))
    assert "unexpected pass" in panel and "gamma-net 0.3.0" in panel
    assert "Decided: the code string, not the number" in panel
    # an unexpected pass's record shows the re-run command; the timeline of a pass stays folded
    assert "harness/netspec run --impl gamma 'fixtures/report/tests/demo/test_demo.py::test_c[x]'" in panel
    # a requirement no implementation was tested on, and one no test cites
    browser.get("file://" + path + "#DEMO.D.1/alpha")
    panel = browser.text(browser.find("#panel"))
    assert "No test cites this requirement." in panel and "Why untestable: needs a kernel that loses the FIN" in panel
    # the record covers the right of the page; its close button uncovers the filters
    browser.click(browser.find("#panel button.close"))
    assert not browser.js("return document.getElementById('panel').classList.contains('on')")
    browser.click(browser.find("#bad"))
    shown = browser.js("return Array.from(document.querySelectorAll('#grid tr.row:not(.hidden)')).map(function(r){return r.id;})")
    assert shown == ["DEMO.A.1", "DEMO.B.1", "DEMO.C.1"]
    browser.click(browser.find("#bad"))
    browser.click(browser.find("#differ"))
    shown = browser.js("return Array.from(document.querySelectorAll('#grid tr.row:not(.hidden)')).map(function(r){return r.id;})")
    assert shown == ["DEMO.A.1", "DEMO.B.1", "DEMO.C.1", "DEMO.E.1"]
    assert browser.text(browser.find("#shown")) == "4 of 5 requirements shown"


@needs_browser
def test_the_spec_page_links_into_the_report(report, browser, tmp_path):
    """spec --render --report-link: a requirement's 'results' link lands on its
    row; a test's link opens the record of a requirement it cites."""
    path, _ = report
    page = tmp_path / "spec.html"
    p = subprocess.run([NETSPEC, "spec", "--spec-dir", os.path.join(FIXTURES, "spec"), "--tests-dir",
                        os.path.join(FIXTURES, "tests"), "--render", str(page), "--report-link", path],
                       cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    assert p.returncode == 0, p.stdout
    browser.get("file://" + str(page))
    browser.click(browser.find('div[id="DEMO.C.1"] a.results'))
    assert browser.js("return location.pathname") == path
    assert browser.js("return decodeURIComponent(location.hash)") == "#DEMO.C.1"
    assert browser.js("return document.querySelector('#grid tr.hl').id") == "DEMO.C.1"
    assert not browser.js("return document.getElementById('panel').classList.contains('on')")
    browser.get("file://" + str(page))
    browser.click(browser.find('div[id="DEMO.C.1"] p.tests a'))         # the test, by its function name
    assert browser.js("return location.pathname") == path
    assert browser.js("return document.getElementById('rec-id').textContent") == "DEMO.C.1"
    assert browser.js("return document.querySelector('#panel details.tlbox[open]').parentNode"
                      ".getAttribute('data-test')") == "fixtures/report/tests/demo/test_demo.py::test_c[x]"


# ------------------------------------------------- a hostile results file
# fixtures/results/xss.json is a valid results file (it passes matrix --from's
# check) whose every text carries markup: <img src=x onerror=...>, </script>,
# quote break-outs, <!--<script>, javascript:. Each payload, if it ever ran,
# would add to window.__pwned and set document.title.
RESULTS = os.path.join(ROOT, "fixtures", "results")
TITLE = "netspec conformance matrix"
IMG = ("<img src=x onerror=\"window.__pwned=(window.__pwned||[]).concat(['%s']);"
       "document.title='pwned'\">")
BAD_RID = "DEMO.%s.1" % (IMG % "requirement id")

# What the markup would have made had it become elements or run, collected
# after a barrier rather than a sleep: an image of the page's own that fails to
# load like the payloads' src=x; when its error event runs, the error events of
# the images made before it have run too.
NOTHING_RAN = """
var done = arguments[arguments.length - 1];
var made = [];
document.querySelectorAll("*").forEach(function(el){
  if(/^(img|svg|iframe|object|embed|video|audio|math)$/i.test(el.tagName)) made.push(el.tagName);
  Array.prototype.forEach.call(el.attributes, function(a){ if(/^on/i.test(a.name)) made.push(el.tagName + " " + a.name); });
});
var scripts = document.scripts.length;
var barrier = new Image();
barrier.onerror = function(){
  done({made: made, scripts: scripts, pwned: window.__pwned || null, title: document.title}); };
barrier.src = "no-such-image-" + Date.now();
"""


def wait_for_count(browser, css, n):
    """Until the page has n elements matching css: checked now and on every change
    of the DOM (a timeline is drawn by its details' toggle event, a task of its own)."""
    return browser.s("POST", "/execute/async", {"args": [css, n], "script": """
        var css = arguments[0], n = arguments[1], done = arguments[arguments.length - 1];
        function count(){ return document.querySelectorAll(css).length; }
        if(count() === n){ done(n); return; }
        var seen = new MutationObserver(function(){ if(count() === n){ seen.disconnect(); done(n); } });
        seen.observe(document.body, {childList: true, subtree: true, attributes: true});"""})


def nothing_ran(browser):
    return browser.s("POST", "/execute/async", {"script": NOTHING_RAN, "args": []})


def build_report(files, out):
    p = subprocess.run([NETSPEC, "matrix", "--from", *files, "--out", str(out),
                        "--spec-dir", os.path.join(FIXTURES, "spec"), "--tests-dir", os.path.join(FIXTURES, "tests")],
                       cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    return p


@pytest.fixture(scope="module")
def xss_report(tmp_path_factory):
    out = tmp_path_factory.mktemp("xss") / "matrix.html"
    p = build_report([os.path.join(FIXTURES, "alpha.json"), os.path.join(RESULTS, "xss.json")], out)
    assert p.returncode == 1 and "netspec:" not in p.stdout, p.stdout    # valid; xss has a failure
    return str(out)


@needs_browser
def test_a_hostile_results_file_shows_its_markup_as_text_and_runs_none(xss_report, browser):
    browser.get("file://" + xss_report + "#DEMO.A.1/xss")
    assert browser.js("return document.body.getAttribute('data-ready')") == "1"
    assert browser.js("return document.getElementById('rec-id').textContent") == "DEMO.A.1"
    for summary in browser.find_all("#panel details.tlbox:not([open]) > summary"):
        browser.click(summary)                          # every timeline of the record, opened by a click
    assert wait_for_count(browser, "#panel details.tlbox[open] table.tl", 2) == 2
    panel = browser.text(browser.find("#panel"))
    # the markup is there, as text: test names, the message, the impl, the re-run command
    for field in ("impl name", "test name", "message"):
        assert IMG % field in panel, field
    assert "</script><script>window.__pwned=['message'];document.title='pwned'</script>" in panel
    assert "'><svg onload=\"window.__pwned=['message']\">" in panel
    assert "harness/netspec run --impl xss 'fixtures/report/tests/demo/test_demo.py::test_a_second['\\''>" in panel
    rows = browser.js("""return Array.from(document.querySelectorAll('#panel table.tl tbody tr')).map(function(tr){
        return Array.from(tr.querySelectorAll('td')).map(function(td){ return td.textContent; }); });""")
    seqs = [r[1] for r in rows if len(r) > 1 and r[1]]
    assert '"<img src=x onerror=...(77 chars)' in seqs, seqs           # a seq of markup: cut, as text
    assert '"</script><script>wi...(75 chars)' in seqs, seqs
    assert any(IMG % "note" in c for r in rows for c in r)
    assert any("<!--<script>window.__pwned=['garbage']</script>-->" in c for r in rows for c in r)
    assert any("h1 emits" not in c and "</script><script>window.__pwned=['event name']" in c for r in rows for c in r)
    # the row of the requirement id made of markup, opened by a real click on its cell
    browser.s("POST", "/actions", {"actions": [{"type": "key", "id": "kb", "actions": [          # Escape closes
        {"type": "keyDown", "value": "\ue00c"}, {"type": "keyUp", "value": "\ue00c"}]}]})      # the record
    cell = browser.js("return document.getElementById(arguments[0]).querySelectorAll('td.c')[1]", BAD_RID)
    browser.click(cell[ELEMENT])
    assert browser.js("return document.getElementById('rec-id').textContent") == BAD_RID
    assert "this id is cited by the tests but is not in spec/" in browser.text(browser.find("#panel"))
    assert nothing_ran(browser) == {"made": [], "scripts": 3, "pwned": None, "title": TITLE}


@needs_browser
def test_a_page_built_past_the_check_still_escapes_and_renders(browser, tmp_path):
    """Escaping is not left to matrix --from's check: a page built in code from
    a doc that the check would refuse (a label of markup, NaN and strings where
    numbers belong) shows everything as text, and one bad number does not blank it."""
    sys.path.insert(0, os.path.join(ROOT, "harness"))
    from netspec_harness import report as rep, spec as specmod
    with open(os.path.join(RESULTS, "xss.json")) as fh:
        doc = json.load(fh)
    label = "x'><img src=x onerror=\"window.__pwned=['label']\">"
    doc["impl"]["label"] = label
    doc["wall_s"] = float("nan")
    doc["results"][0]["duration_s"] = "NaN"
    doc["results"][0]["timeline"][1]["t"] = float("inf")
    page = tmp_path / "past.html"
    page.write_text(rep.build_html(rep.Matrix(specmod.load(os.path.join(FIXTURES, "spec")), {}, [doc])))
    browser.get("file://" + str(page))
    assert browser.js("return document.body.getAttribute('data-ready')") == "1"     # the script ran: not blank
    cell = browser.js("return document.getElementById('DEMO.A.1').querySelector('td.c')")
    browser.click(cell[ELEMENT])
    panel = browser.text(browser.find("#panel"))
    assert label in panel and "harness/netspec run --impl %s" % shlex.quote(label) in panel   # quoted for a shell
    assert nothing_ran(browser) == {"made": [], "scripts": 3, "pwned": None, "title": TITLE}


def screenshot(url, out, width=1400, height=900):
    b = Browser(width, height)
    try:
        # make the page's viewport (not the window) width x height
        inner = b.js("return [window.innerWidth, window.innerHeight]")
        b.s("POST", "/window/rect", {"width": 2 * width - inner[0], "height": 2 * height - inner[1]})
        b.get(url)
        if b.js("return document.body.getAttribute('data-ready')") != "1":
            raise WebDriverError("the report's script did not run")
        b.screenshot(out)
    finally:
        b.close()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: %s REPORT.html[#ID/LABEL] OUT.png" % sys.argv[0])
    target = sys.argv[1]
    path, _, frag = target.partition("#")
    screenshot("file://" + os.path.abspath(path) + ("#" + frag if frag else ""), sys.argv[2])
    print("wrote %s" % sys.argv[2])


# ------------------------------------------------- the version axis (history)
HISTORY = {
    "command": "harness/netspec history", "suite_commit": "0123456789abcdef", "generated": "2026-12-07",
    "measured": ["8.17.0", "10.24.1", "12.22.12"],
    "verdicts": {"8.17.0": {"conformance/a/test_a.py::test_a": "passed", "conformance/a/test_b.py::test_b": "passed"},
                 "10.24.1": {"conformance/a/test_a.py::test_a": "failed", "conformance/a/test_b.py::test_b": "passed"},
                 "12.22.12": {"conformance/a/test_a.py::test_a": "passed", "conformance/a/test_b.py::test_b": "passed"}},
    "changes": [{"requirement": "DEMO.A.1", "points": [
        {"last_old": "9.11.2", "first_new": "10.0.0", "tests": ["conformance/a/test_a.py::test_a"],
         "before": ["passed"], "after": ["failed: <b>errno</b> -98, not the code 'EADDRINUSE'"]},
        {"last_old": "11.4.0", "first_new": "11.5.0", "tests": ["conformance/a/test_a.py::test_a"],
         "before": ["failed: errno -98"], "after": ["passed"]}]}],
}


def test_the_version_axis_marks_each_change_where_it_happened(browser, tmp_path):
    sys.path.insert(0, os.path.join(ROOT, "harness"))
    from netspec_harness.render import history_html
    page = tmp_path / "history.html"
    page.write_text(history_html(HISTORY, tests={"conformance/a/test_a.py::test_a": (["DEMO.A.1"], "", 1),
                                                 "conformance/a/test_b.py::test_b": (["DEMO.B.1"], "", 1)}))
    browser.get("file://" + str(page))
    heads = browser.js("return Array.from(document.querySelectorAll('#history th.v')).map(e => e.textContent)")
    assert heads == ["8.17.0", "10.24.1", "12.22.12"]
    cells = browser.js("return Array.from(document.querySelectorAll('tr[id=\"DEMO.A.1\"] td')).map("
                       "e => [e.className, e.textContent])")
    assert cells == [["id", "DEMO.A.1"], ["P", "P"], ["F chg", "F 10.0.0"], ["P chg", "P 11.5.0"]]
    title = browser.js("return document.querySelector('td.chg').title")
    assert "from 10.0.0: passed -> failed: <b>errno</b> -98" in title          # text, not markup
    assert browser.js("return document.querySelectorAll('b').length") == 0
