"""The matrix report: one static HTML file (inline CSS and JS, opens from disk).

    harness/netspec matrix --impls ref,node8,node20      # runs them, then writes the report
    harness/netspec matrix --from out/matrix/*.json      # the report from earlier runs

The page has a summary table (per implementation: passed, failed, expected
differences, unexpected passes, skipped, not run), then the grid: one row per
requirement of spec/ (grouped by section, the rule on hover), one column per
implementation. A cell is the worst outcome of the tests citing the
requirement (skipped tests count only if all were skipped), as a colour
and a letter:

    F failed  U unexpected pass  E expected difference  S skipped  P passed
    . not run (no test citing it has a result)   - no test cites it

Clicking a cell opens its record: the requirement, each test citing it with
its outcome, message and re-run command, and the test's timeline: what the
harness asked, what the implementation answered and emitted (with seq
numbers) and what the real peer did and saw, in the order it happened.

Timelines are stored once per test and implementation, pre-rendered as short
text rows, in a JSON <script> block parsed on first use; long data is cut
(TEXT_LIMIT) and very long timelines keep their head and tail (ROWS_HEAD,
ROWS_TAIL). `#ID` in the URL scrolls to a requirement's row, `#ID/LABEL`
opens a cell, `#TEST-NODE-ID` opens the first requirement a test cites.
"""
import base64
import datetime
import html
import json
import math
import re

from .render import prose_html

OUTCOMES = ("passed", "failed", "skipped", "xfailed", "xpassed")
# worst first; a cell shows the worst outcome among the tests citing its requirement
SEVERITY = {"failed": 5, "xpassed": 4, "xfailed": 3, "skipped": 2, "passed": 1}
LETTER = {"failed": "F", "xpassed": "U", "xfailed": "E", "skipped": "S", "passed": "P",
          "notrun": ".", "none": "-"}
WORDS = {"failed": "failed", "xpassed": "unexpected pass", "xfailed": "expected difference",
         "skipped": "skipped", "passed": "passed", "notrun": "not run", "none": "no test"}
TEXT_LIMIT = 240        # characters of one timeline row
ROWS_HEAD, ROWS_TAIL = 300, 100
VALUE_LIMIT = 60        # characters of one string value inside a row
BYTES_PREVIEW = 24      # bytes of a buffer shown inside a row
MESSAGE_LIMIT = 20000   # characters of a test's message (a failure's text is at most 4000 per phase)


# --------------------------------------------------------------- the model
def cell_outcome(outcomes):
    """The cell of a requirement for one implementation, from the outcomes of
    the tests citing it that have a result (tests without one are ignored):
    the worst of them, "notrun" if none has a result. A skipped test counts
    only when every test of the cell was skipped: a test that does not apply
    to an implementation (e.g. a heap test for C shims) must not hide what
    the others showed."""
    if not outcomes:
        return "notrun"
    ran = [o for o in outcomes if o != "skipped"]
    return max(ran or outcomes, key=lambda o: SEVERITY[o])


def observed_of(message):
    """The observed value quoted in an expected difference's message."""
    m = re.search(r"observed: (.*?); ", message or "")
    return m.group(1) if m else ""


class Matrix:
    """Requirements x implementations, from the JSON results of `netspec run`."""

    def __init__(self, spec, traced, docs, errors=None):
        self.spec = spec
        self.docs = docs                         # one per implementation, in column order
        self.errors = errors or {}               # label -> why the run gave no results
        self.labels = [d["impl"].get("label") or d["impl"].get("name", "?") for d in docs]
        self.results = [{r["test"]: r for r in d.get("results", [])} for d in docs]
        # which tests cite which requirement: what the results say, plus the spec's tracing
        # (from the sources) for tests no run has; a parametrized test is known by its variants
        ran = {t for res in self.results for t in res}
        bases = {t.split("[")[0] for t in ran}
        cites = {rid: [t for t in ts if t in ran or t not in bases] for rid, ts in traced.items()}
        for res in self.results:
            for test, rec in res.items():
                rids = rec.get("requirements")
                for rid in (rids if isinstance(rids, list) else []):
                    lst = cites.setdefault(rid, [])
                    if test not in lst:
                        lst.append(test)
        self.cites = cites
        self.tests = sorted({t for ts in cites.values() for t in ts}
                            | {t for res in self.results for t in res})
        self.unknown = sorted(rid for rid in cites if rid not in spec.by_id and cites[rid])

    def cell(self, rid, col):
        tests = self.cites.get(rid, [])
        if not tests:
            return "none"
        res = self.results[col]
        return cell_outcome([res[t]["outcome"] for t in tests if t in res])

    def summary(self, col):
        counts = {o: 0 for o in OUTCOMES}
        for rec in self.results[col].values():
            counts[rec["outcome"]] = counts.get(rec["outcome"], 0) + 1
        counts["notrun"] = len(self.tests) - len(self.results[col])
        return counts

    def cell_counts(self, col):
        counts = {k: 0 for k in LETTER}
        for rid in self.row_ids():
            counts[self.cell(rid, col)] += 1
        return counts

    def row_ids(self):
        return [r.id for r in self.spec.requirements] + self.unknown

    def unexpected(self):
        """Labels with an unexpected outcome (a failure or an unexpected pass) or no results."""
        bad = []
        for col, label in enumerate(self.labels):
            s = self.summary(col)
            if s["failed"] or s["xpassed"] or label in self.errors:
                bad.append(label)
        return bad


# ------------------------------------------------------- timeline rendering
# Results files are input from elsewhere (matrix.load_doc checks them): whatever
# they hold, the page gets finite numbers and text, and the page's script
# escapes every text it puts into HTML.
def _finite(value, default=0.0):
    """A finite number of the input, else default (a string, NaN, a bool, an int beyond a double)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return default
    try:
        return value if math.isfinite(value) else default
    except OverflowError:
        return default


# json.dumps(s, ensure_ascii=False) for a str, without making an encoder per call
_json_str = json.encoder.encode_basestring
_JSON_CONSTANTS = {None: "null", True: "true", False: "false"}


def _json_scalar(v):
    """json.dumps(v) for a number, bool or null, without making an encoder per call."""
    if type(v) is int:
        return int.__repr__(v)
    if type(v) is float and math.isfinite(v):
        return float.__repr__(v)
    if v is None or type(v) is bool:
        return _JSON_CONSTANTS[v]
    return json.dumps(v)


def _text(value, default="?"):
    return value if isinstance(value, str) else default


def _seq(value):
    """The seq of a message as the page shows it: an integer, or the shim's odd value as short text."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 2 ** 53:
        return value
    return _short(fmt_value(value), 20) if value else 0


def _short(text, limit=VALUE_LIMIT):
    return text if len(text) <= limit else text[:limit] + "...(%d chars)" % len(text)


def _bytes_text(b64):
    try:
        data = base64.b64decode(b64)
    except (ValueError, TypeError):
        return "<bytes ?>"
    shown = repr(data[:BYTES_PREVIEW])[1:]
    return "<%d bytes %s%s>" % (len(data), shown, "..." if len(data) > BYTES_PREVIEW else "")


def fmt_value(v, depth=0):
    """A protocol value (PROTOCOL.md section 5) as short JS-like text."""
    if isinstance(v, dict):
        if depth > 6:                          # tagged values nest too ($error in $error ...)
            return "{...}"
        if "$bytes" in v:
            return _bytes_text(v["$bytes"])
        if "$handle" in v:
            return str(v["$handle"])
        if "$undefined" in v:
            return "undefined"
        if "$number" in v:
            return str(v["$number"])
        if "$callback" in v:
            return "fn %s" % v["$callback"]
        if "$opaque" in v:
            return "[%s]" % v["$opaque"]
        if "$error" in v:
            e = v["$error"] if isinstance(v["$error"], dict) else {}
            parts = [str(e.get("name", "Error"))]
            for key in ("code", "syscall", "address", "port"):
                if key in e:
                    parts.append("%s=%s" % (key, fmt_value(e[key], depth + 1)))
            if "message" in e:
                msg = e["message"]
                parts.append(json.dumps(_short(msg if isinstance(msg, str) else fmt_value(msg, depth + 1), 80)))
            return "{%s}" % " ".join(parts)
        if depth > 2:
            return "{...}"
        items = ["%s: %s" % (k, fmt_value(x, depth + 1)) for k, x in list(v.items())[:8]]
        return "{%s%s}" % (", ".join(items), ", ..." if len(v) > 8 else "")
    if isinstance(v, list):
        if depth > 2:
            return "[...]"
        items = [fmt_value(x, depth + 1) for x in v[:8]]
        return "[%s%s]" % (", ".join(items), ", ..." if len(v) > 8 else "")
    if isinstance(v, str):
        return _json_str(_short(v))
    return _json_scalar(v)


def _args(args):
    return ", ".join(fmt_value(a) for a in (args or []))


def fmt_request(data):
    if isinstance(data, str):                  # a line the test wrote itself (e.g. several at once)
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict) and "op" in parsed:
            return "%s (written as a raw line)" % fmt_request(parsed)
    if not isinstance(data, dict):
        return "raw line %s" % json.dumps(_short(str(data), 120))
    op = data.get("op")
    target = data.get("target", "?")
    if op == "call":
        return "%s.%s(%s)" % (target, data.get("method"), _args(data.get("args")))
    if op == "new":
        return "new %s(%s)" % (data.get("class"), _args(data.get("args")))
    if op == "get":
        return "%s.%s" % (target, data.get("prop"))
    if op == "set":
        return "%s.%s = %s" % (target, data.get("prop"), fmt_value(data.get("value")))
    if op == "detach":
        return "detach (the shim stops reading; the process may exit)"
    return json.dumps(data)[:TEXT_LIMIT]


def fmt_response(data):
    status = data.get("status")
    if status == "ok":
        return "returned %s" % fmt_value(data.get("value", {"$undefined": True}))
    if status == "threw":
        return "threw %s" % fmt_value(data.get("error"))
    return "%s %s %s" % (status, data.get("code", ""), json.dumps(_short(str(data.get("message", "")), 120)))


def _request_id(data):
    if isinstance(data, str):
        try:
            data = json.loads(data)
        except ValueError:
            return None
    return data.get("id") if isinstance(data, dict) else None


RERUN_FLAGS = ("--impl", "--node", "--shim", "--build-dir", "--expectations", "--label")


def rerun_prefix(doc, label):
    """The command that re-runs one test of this column (the test id is
    appended), safe to paste into a shell: the results file's own `rerun` if
    it is `harness/netspec run` with known flags (each value re-quoted, so
    nothing in it can run), else one made from the label."""
    import shlex
    given = doc.get("rerun")
    try:
        words = shlex.split(given) if isinstance(given, str) and len(given) < 4000 else []
    except ValueError:
        words = []
    if words[:2] == ["harness/netspec", "run"] and len(words) % 2 == 0 and all(
            flag in RERUN_FLAGS for flag in words[2::2]):
        return " ".join(words[:2] + [shlex.quote(w) if i % 2 == 0 else w for i, w in enumerate(words[2:], 1)])
    if label == "custom":
        return "harness/netspec run --shim '<your shim>'"
    return "harness/netspec run --impl %s" % shlex.quote(label)


def compact_timeline(timeline):
    """The JSON timeline of one test as rows [t_ms, kind, seq, text]; kind is
    q (request of the test; merged with its response when that came next),
    r (response), e (event), c (callback), p (peer), n (note), g (garbage)."""
    rows = []
    pending = None                         # (row, request id) of the last request
    for entry in timeline or []:
        if not isinstance(entry, dict):
            entry = {"kind": "entry", "data": entry}
        kind, t, data = entry.get("kind"), entry.get("t"), entry.get("data")
        if type(t) is not float or not -1e300 < t < 1e300:       # NaN fails this too
            t = _finite(t)
        t = round(t * 1000, 3)
        if kind == "send":
            row = [t, "q", 0, fmt_request(data)]
            rows.append(row)
            rid = _request_id(data)
            if rid is not None:
                row[3] = "#%s %s" % (rid, row[3])       # the number its response will carry
            pending = (row, rid)
            continue
        if kind == "recv" and isinstance(data, dict):
            typ = data.get("type")
            seq = data.get("seq")
            if type(seq) is not int or not 0 <= seq < 2 ** 53:
                seq = _seq(seq)
            if typ == "hello":
                pending = None
                continue               # the implementation's hello is in the report's header
            if typ == "response":
                text = fmt_response(data)
                if pending and pending[1] is not None and pending[1] == data.get("id") and rows[-1] is pending[0]:
                    pending[0][2] = seq
                    pending[0][3] = pending[0][3].split(" ", 1)[1] + "  \u2192 " + text
                else:
                    rows.append([t, "r", seq, "#%s %s" % (data.get("id"), text)])
            elif typ == "event":
                rows.append([t, "e", seq, "%s emits '%s'%s" % (
                    data.get("target"), data.get("event"),
                    (" (%s)" % _args(data.get("args"))) if data.get("args") else "")])
            elif typ == "callback":
                rows.append([t, "c", seq, "%s called (%s)" % (data.get("callback"), _args(data.get("args")))])
            else:
                rows.append([t, "g", seq, json.dumps(data)[:TEXT_LIMIT]])
        elif kind == "peer" and isinstance(data, dict):
            rows.append([t, "p", 0, "%s %s %s" % (data.get("sock", "peer"), data.get("act", ""),
                                                  data.get("detail", ""))])
        elif kind == "note":
            rows.append([t, "n", 0, data if isinstance(data, str) else fmt_value(data)])
        else:
            rows.append([t, "g", 0, "%s: %s" % (kind, json.dumps(data)[:TEXT_LIMIT])])
        pending = None
    for row in rows:
        row[3] = row[3].strip()
        if len(row[3]) > TEXT_LIMIT:
            row[3] = row[3][:TEXT_LIMIT] + "...(%d chars)" % len(row[3])
    if len(rows) > ROWS_HEAD + ROWS_TAIL + 1:
        cut = len(rows) - ROWS_HEAD - ROWS_TAIL
        rows = rows[:ROWS_HEAD] + [[rows[ROWS_HEAD][0], "n", 0, "... %d rows left out ..." % cut]] + rows[-ROWS_TAIL:]
    return rows


# ------------------------------------------------------------------- HTML
def _plain(text):
    return re.sub(r"\s+", " ", re.sub(r"[`*]", "", text or "")).strip()


def _json_script(obj):
    # allow_nan=False: a NaN in the page's data would stop JSON.parse, and the page with it
    text = json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    # Nothing in a <script> block may close it ("</") or open an HTML comment ("<!--"), in which
    # "<script" would change how the block ends. Both replacements stay JSON: "\/" and "\u003c"
    # are JSON escapes, while "<\!--" is none and made JSON.parse refuse the whole page's data.
    return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


CSS = """
:root{--P:#2e8b57;--E:#d9a400;--F:#c62828;--U:#8e24aa;--S:#8a8a8a;--N:#e4e4e4;--bg:#fff}
*{box-sizing:border-box}
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222;background:var(--bg)}
header,main{padding:0 1.2rem}
h1{font-size:1.45rem;margin:1rem 0 .3rem} h2{font-size:1.1rem;margin:1.2rem 0 .4rem}
.lede{max-width:70rem;color:#444;margin:.2rem 0 .8rem}
code{background:#f3f3f3;padding:0 .2em;border-radius:3px}
table.summary{border-collapse:collapse;margin:.4rem 0}
table.summary th,table.summary td{border:1px solid #ddd;padding:.2rem .6rem;text-align:right}
table.summary th:first-child,table.summary td:first-child{text-align:left}
table.summary td.bad{color:var(--F);font-weight:bold}
.legend span.k{display:inline-block;width:1.5em;text-align:center;border-radius:3px;margin:0 .2em 0 .8em;font-weight:bold}
.controls{margin:.6rem 0;display:flex;gap:1.2rem;align-items:center;flex-wrap:wrap}
.controls input[type=search]{width:22rem;padding:.2rem .4rem}
table.grid{border-collapse:separate;border-spacing:2px;margin-bottom:3rem}
table.grid thead th{position:sticky;top:0;background:#fff;z-index:1;font-size:.85rem;padding:.2rem .3rem;
 border-bottom:2px solid #999;vertical-align:bottom}
table.grid tr.sec th{text-align:left;background:#eef2f7;padding:.35rem .5rem;font-size:.95rem}
table.grid th.req{text-align:left;font-weight:normal;max-width:44rem;white-space:nowrap;overflow:hidden;
 text-overflow:ellipsis;padding:0 .4rem;font-size:.85rem}
th.req a.rid{font-family:monospace;font-weight:bold;color:#222;text-decoration:none;margin-right:.6em}
th.req .txt{color:#666}
tr.row:target th.req,tr.row.hl th.req{background:#fffbe6}
td.c{width:3.2rem;text-align:center;font:bold 13px monospace;cursor:pointer;border-radius:3px;color:#fff;padding:.15rem 0}
td.c.P{background:var(--P)} td.c.E{background:var(--E);color:#222} td.c.F{background:var(--F)}
td.c.U{background:var(--U)} td.c.S{background:var(--S)} td.c.N{background:var(--N);color:#555}
td.c.X{background:transparent;color:#aaa;cursor:default}
td.c.open{outline:3px solid #1565c0;outline-offset:1px}
td.c:hover{filter:brightness(1.12)}
.k.P{background:var(--P);color:#fff} .k.E{background:var(--E)} .k.F{background:var(--F);color:#fff}
.k.U{background:var(--U);color:#fff} .k.S{background:var(--S);color:#fff} .k.N{background:var(--N)}
.k.X{color:#aaa}
#panel{position:fixed;top:0;right:0;width:min(54rem,56vw);height:100vh;overflow:auto;background:#fff;
 border-left:1px solid #bbb;box-shadow:-4px 0 14px rgba(0,0,0,.15);padding:.6rem 1.1rem 3rem;display:none;z-index:5}
#panel.on{display:block}
#panel .close{position:sticky;top:0;float:right;font-size:1.3rem;border:0;background:#eee;cursor:pointer;border-radius:4px}
#panel h2{margin-top:.2rem;font-family:monospace}
.tabs{margin:.3rem 0 .6rem} .tabs button{margin-right:.3rem;border:1px solid #bbb;background:#f7f7f7;
 border-radius:4px;padding:.1rem .5rem;cursor:pointer}
.tabs button.cur{background:#1565c0;color:#fff;border-color:#1565c0}
.tabs .k{display:inline-block;width:1.3em;border-radius:3px;margin-left:.3em;font:bold 12px monospace}
.reqtext{border-left:4px solid #4a7;padding:.1rem .8rem;background:#f8fbf9}
.meta{color:#555;font-size:.9rem;margin:.2rem 0}
.test{border:1px solid #ddd;border-radius:5px;margin:.8rem 0;padding:.4rem .7rem}
.test .name{font-family:monospace;font-size:.85rem;word-break:break-all}
.test .k{display:inline-block;padding:0 .4em;border-radius:3px;font-weight:bold;margin-right:.5em}
pre.msg{white-space:pre-wrap;background:#fff4f4;border:1px solid #f2caca;padding:.4rem;font-size:.8rem;max-height:18rem;overflow:auto}
pre.msg.xf{background:#fffbe6;border-color:#eedc9a}
.rerun{font-family:monospace;font-size:.8rem;background:#f3f3f3;padding:.3rem;display:block;word-break:break-all;user-select:all}
table.tl{border-collapse:collapse;width:100%;font-size:.8rem;margin-top:.4rem}
table.tl th{text-align:left;background:#f0f0f0;position:sticky;top:0}
table.tl td{border-top:1px solid #eee;padding:.08rem .35rem;vertical-align:top;font-family:monospace;word-break:break-word}
table.tl td.t,table.tl td.s{text-align:right;color:#777;white-space:nowrap}
table.tl tr.q td.i{color:#0d47a1} table.tl tr.e td.i{color:#1b5e20;font-weight:bold}
table.tl tr.c td.i{color:#4a148c} table.tl tr.r td.i{color:#0d47a1}
table.tl tr.p td.p{color:#bf360c;font-weight:bold;background:#fff3ec}
table.tl tr.n td.note{color:#555;font-style:italic;font-family:system-ui,sans-serif}
table.tl tr.g td.i{color:var(--F)}
details.tlbox>summary{cursor:pointer;color:#1565c0}
.hidden{display:none}
body.open th.req .txt{display:none}
table.tl th{padding:.1rem .35rem}
table.tl td.t{width:4.8em} table.tl td.s{width:2.6em} table.tl td.p{width:32%}
"""

JS = r"""
(function(){
"use strict";
var D = JSON.parse(document.getElementById("matrix-data").textContent);
var TL = null;
function timelines(){ if(!TL){ TL = JSON.parse(document.getElementById("matrix-timelines").textContent); } return TL; }
var LET = {failed:"F",xpassed:"U",xfailed:"E",skipped:"S",passed:"P"};
var CLS = {F:"F",U:"U",E:"E",S:"S",P:"P",".":"N","-":"X"};
var WORD = {failed:"failed",xpassed:"unexpected pass",xfailed:"expected difference",skipped:"skipped",passed:"passed"};
var panel = document.getElementById("panel"), body = document.getElementById("panel-body");
var current = null;
// Every text from the results files goes into HTML through esc(); lookups by a
// name from them go through own(), so "constructor" or "__proto__" find nothing.
function esc(s){ return String(s).replace(/[&<>"']/g,function(c){return {"&":"&amp;","<":"&lt;",">":"&gt;",'"':"&quot;","'":"&#39;"}[c];}); }
function own(o, k){ return Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined; }
function q(s){ return "'" + String(s).replace(/'/g,"'\\''") + "'"; }
function rerun(col, test){ return D.impls[col].rerun + " " + q(test); }
function cellOf(rid, col){
  var tr = document.getElementById(rid);
  return tr ? tr.querySelectorAll("td.c")[col] : null;
}
function timelineHTML(rows){
  var h = ['<table class="tl"><thead><tr><th>ms</th><th>seq</th><th>test \u2192 implementation / the implementation emits</th><th>the real peer</th></tr></thead><tbody>'];
  for(var i=0;i<rows.length;i++){
    var r = rows[i], t = esc(Number(r[0]).toFixed(3)), s = r[2] ? esc(r[2]) : "", k = esc(r[1]);
    if(r[1] === "n"){ h.push('<tr class="n"><td class="t">'+t+'</td><td class="s"></td><td class="note" colspan="2">'+esc(r[3])+'</td></tr>'); }
    else if(r[1] === "p"){ h.push('<tr class="p"><td class="t">'+t+'</td><td class="s"></td><td class="i"></td><td class="p">'+esc(r[3])+'</td></tr>'); }
    else { var pre = r[1]==="q" ? "\u2192 " : (r[1]==="r" ? "\u2190 " : ""); h.push('<tr class="'+k+'"><td class="t">'+t+'</td><td class="s">'+s+'</td><td class="i">'+pre+esc(r[3])+'</td><td class="p"></td></tr>'); }
  }
  h.push("</tbody></table>");
  return h.join("");
}
function open(rid, col, focusTest){
  var req = own(D.reqs, rid); if(!req) return false;
  if(col < 0 || col >= D.impls.length) col = 0;
  if(current){ var old = cellOf(current[0], current[1]); if(old) old.classList.remove("open"); }
  current = [rid, col];
  var td = cellOf(rid, col); if(td) td.classList.add("open");
  var imp = D.impls[col];
  var h = ['<button class="close" title="close (Esc)" aria-label="close">\u00d7</button>'];
  h.push('<h2 id="rec-id">'+esc(rid)+'</h2>');
  h.push('<div class="tabs">');
  for(var i=0;i<D.impls.length;i++){
    var c = cellOf(rid, i), letter = c ? c.textContent : "";
    h.push('<button data-col="'+i+'" class="'+(i===col?"cur":"")+'">'+esc(D.impls[i].label)+'<span class="k '+esc(own(CLS, letter)||"")+'">'+esc(letter)+'</span></button>');
  }
  h.push('</div>');
  h.push('<p class="meta">'+esc(req.s)+' \u00b7 '+esc(req.c)+' \u00b7 <span class="where">'+esc(req.w)+'</span></p>');
  h.push('<div class="reqtext">'+req.t+'</div>');
  if(req.n8) h.push('<p class="meta"><b>Observed on Node 8.17:</b> '+esc(req.n8)+'</p>');
  if(req.d) h.push('<p class="meta"><b>Decided:</b> '+esc(req.d)+'</p>');
  if(req.why) h.push('<p class="meta"><b>Why untestable:</b> '+esc(req.why)+'</p>');
  h.push('<h3>'+esc(imp.label)+' <span class="meta">'+esc(imp.name+" "+imp.version)+'</span></h3>');
  if(imp.error) h.push('<pre class="msg">this implementation gave no results: '+esc(imp.error)+'</pre>');
  if(!req.tests.length) h.push('<p class="meta">No test cites this requirement.</p>');
  var res = D.res[col];
  // tests with a result first (worst first), then those not run; one timeline opens by itself:
  // the asked-for test's, else each unexpected outcome's, else the first test's
  var SEV = {failed:5,xpassed:4,xfailed:3,skipped:2,passed:1};
  var order = req.tests.slice().sort(function(a, b){
    var ra = res[a] ? SEV[res[a][0]] : 0, rb = res[b] ? SEV[res[b][0]] : 0;
    return (rb - ra) || (D.tests[a] < D.tests[b] ? -1 : 1); });
  var anyBad = order.some(function(ti){ return res[ti] && (res[ti][0] === "failed" || res[ti][0] === "xpassed"); });
  for(var j=0;j<order.length;j++){
    var ti = order[j], name = D.tests[ti], rec = res[ti];
    var oc = rec ? rec[0] : null, letter = oc ? (own(LET, oc) || "?") : ".";
    var openTl = focusTest ? (name === focusTest) : (anyBad ? (oc === "failed" || oc === "xpassed") : j === 0);
    h.push('<div class="test" data-test="'+esc(name)+'"><div><span class="k '+esc(oc?(own(CLS, letter)||""):"N")+'">'+esc(letter)+' '+esc(oc?(own(WORD, oc)||oc):"not run")+'</span>');
    h.push('<span class="name">'+esc(name)+'</span>'+(rec?' <span class="meta">'+esc(Number(rec[1]).toFixed(3))+' s</span>':'')+'</div>');
    if(rec && rec[2]) h.push('<pre class="msg'+(oc==="xfailed"||oc==="skipped"?" xf":"")+'">'+esc(rec[2])+'</pre>');
    if(oc === "failed" || oc === "xpassed") h.push('<p class="meta">re-run it alone:</p>');
    if(rec || !imp.error) h.push('<code class="rerun">'+esc(rerun(col, name))+'</code>');
    var key = col+":"+ti;
    if(rec) h.push('<details class="tlbox" data-key="'+key+'"'+(openTl?" open":"")+'><summary>timeline</summary><div class="tlwrap"></div></details>');
    h.push('</div>');
  }
  body.innerHTML = h.join("");
  var boxes = body.querySelectorAll("details.tlbox");
  for(var k=0;k<boxes.length;k++){
    (function(box){
      function fill(){ var w = box.querySelector(".tlwrap"); if(box.open && !w.firstChild){ var rows = timelines()[box.getAttribute("data-key")] || []; w.innerHTML = rows.length ? timelineHTML(rows) : '<p class="meta">no timeline recorded (the test did not start a shim)</p>'; } }
      box.addEventListener("toggle", fill); fill();
    })(boxes[k]);
  }
  panel.classList.add("on");
  document.body.classList.add("open");
  panel.scrollTop = 0;
  if(focusTest){ var el = body.querySelector('div.test[data-test="'+CSS.escape(focusTest)+'"]'); if(el) el.scrollIntoView(); }
  var hash = "#" + rid + "/" + imp.label;
  if(location.hash !== hash) history.replaceState(null, "", hash);
  return true;
}
function close(){
  panel.classList.remove("on");
  document.body.classList.remove("open");
  if(current){ var td = cellOf(current[0], current[1]); if(td) td.classList.remove("open"); }
  current = null;
}
document.getElementById("grid").addEventListener("click", function(ev){
  var td = ev.target.closest("td.c"); if(!td) return;
  var tr = td.parentNode, cells = tr.querySelectorAll("td.c");
  open(tr.id, Array.prototype.indexOf.call(cells, td));
});
panel.addEventListener("click", function(ev){
  if(ev.target.closest("button.close")){ close(); return; }
  var b = ev.target.closest(".tabs button"); if(b && current){ open(current[0], +b.getAttribute("data-col")); }
});
document.addEventListener("keydown", function(ev){ if(ev.key === "Escape") close(); });
function fromHash(){
  var h = decodeURIComponent(location.hash.slice(1)); if(!h) return;
  var i = h.lastIndexOf("/");
  if(i > 0 && own(D.reqs, h.slice(0,i))){
    var lab = h.slice(i+1), col = 0;
    for(var c=0;c<D.impls.length;c++) if(D.impls[c].label === lab) col = c;
    open(h.slice(0,i), col);
    var tr = document.getElementById(h.slice(0,i)); if(tr) tr.scrollIntoView({block:"center"});
    return;
  }
  if(own(D.reqs, h)){ var row = document.getElementById(h); if(row){ row.classList.add("hl"); row.scrollIntoView({block:"center"}); } return; }
  var ti = D.tests.indexOf(h);
  if(ti < 0){ for(var x=0;x<D.tests.length;x++){ if(D.tests[x].indexOf(h + "[") === 0){ ti = x; h = D.tests[x]; break; } } }
  if(ti >= 0){
    for(var rid in D.reqs){ if(D.reqs[rid].tests.indexOf(ti) >= 0){ open(rid, 0, h); var r2 = document.getElementById(rid); if(r2) r2.scrollIntoView({block:"center"}); return; } }
  }
}
window.addEventListener("hashchange", fromHash);
var search = document.getElementById("search"), differ = document.getElementById("differ"), bad = document.getElementById("bad");
function filter(){
  var s = search.value.trim().toLowerCase(), rows = document.querySelectorAll("#grid tr.row"), shown = 0;
  for(var i=0;i<rows.length;i++){
    var tr = rows[i], ok = true;
    if(s) ok = (tr.id.toLowerCase().indexOf(s) >= 0) || (tr.getAttribute("data-text") || "").toLowerCase().indexOf(s) >= 0;
    var letters = Array.prototype.map.call(tr.querySelectorAll("td.c"), function(td){ return td.textContent; });
    if(ok && differ.checked) ok = letters.some(function(l){ return l !== letters[0]; });
    if(ok && bad.checked) ok = letters.some(function(l){ return l === "F" || l === "U"; });
    tr.classList.toggle("hidden", !ok); if(ok) shown++;
  }
  var secs = document.querySelectorAll("#grid tbody");
  for(var j=0;j<secs.length;j++){ var any = secs[j].querySelector("tr.row:not(.hidden)"); secs[j].classList.toggle("hidden", !any); }
  document.getElementById("shown").textContent = shown + " of " + rows.length + " requirements shown";
}
search.addEventListener("input", filter); differ.addEventListener("change", filter); bad.addEventListener("change", filter);
filter();
fromHash();
document.body.setAttribute("data-ready", "1");
})();
"""


def build_html(matrix, title="netspec conformance matrix", generated=None):
    """The report as one HTML string."""
    m = matrix
    spec = m.spec
    test_index = {t: i for i, t in enumerate(m.tests)}
    impls_json, res_json, timelines = [], [], {}
    for col, doc in enumerate(m.docs):
        imp = doc.get("impl", {})
        label = m.labels[col]
        impls_json.append({"label": label, "name": _text(imp.get("name")), "version": _text(imp.get("version")),
                           "wall_s": _finite(doc.get("wall_s"), None), "error": m.errors.get(label),
                           "rerun": rerun_prefix(doc, label)})
        res = {}
        for test, rec in m.results[col].items():
            ti = test_index[test]
            msg = _text(rec.get("message"), "")
            if len(msg) > MESSAGE_LIMIT:
                msg = msg[:MESSAGE_LIMIT] + "...(%d chars)" % len(msg)
            res[ti] = [rec["outcome"], round(_finite(rec.get("duration_s")), 3), msg]
            if rec.get("timeline"):
                timelines["%d:%d" % (col, ti)] = compact_timeline(rec["timeline"])
        res_json.append(res)
    reqs_json = {}
    for r in spec.requirements:
        reqs_json[r.id] = {"t": prose_html(r.text, sep=""), "c": r.cls, "s": r.section, "w": r.where,
                           "n8": r.node8 or "", "d": r.decided or "", "why": r.reason or "",
                           "tests": [test_index[t] for t in m.cites.get(r.id, []) if t in test_index]}
    for rid in m.unknown:
        reqs_json[rid] = {"t": "<p>(this id is cited by the tests but is not in spec/)</p>", "c": "?",
                          "s": "not in spec/", "w": "", "n8": "", "d": "", "why": "",
                          "tests": [test_index[t] for t in m.cites.get(rid, [])]}
    data = {"impls": impls_json, "reqs": reqs_json, "tests": m.tests, "res": res_json}

    generated = generated or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = ["<!doctype html><html lang=en><head><meta charset=utf-8>",
           "<meta name=viewport content='width=device-width,initial-scale=1'>",
           "<title>%s</title><style>%s</style></head><body>" % (html.escape(title), CSS),
           "<header><h1>%s</h1>" % html.escape(title),
           "<p class=lede>Each row is a requirement of the spec (the rule shows on hover), each column an "
           "implementation run through its shim against the same black-box tests. A cell is the worst outcome "
           "of the tests citing that requirement (a skipped test counts only when all were skipped). Click a cell to see the requirement, the tests, and each "
           "test's timeline: what the test asked, what the implementation answered and emitted, and what the "
           "real peer on the other end of the socket did and saw. Node.js 8.17 is the truth the spec "
           "was written from. Generated %s.</p>" % html.escape(generated)]
    # summary
    out.append("<table class=summary id=summary><thead><tr><th>implementation</th><th>version</th>"
               + "".join("<th>%s</th>" % w for w in ("passed", "failed", "expected differences",
                                                     "unexpected passes", "skipped", "not run", "wall s"))
               + "</tr></thead><tbody>")
    for col, lab in enumerate(m.labels):
        s = m.summary(col)
        imp = impls_json[col]
        cells = [("passed", ""), ("failed", "bad" if s["failed"] else ""), ("xfailed", ""),
                 ("xpassed", "bad" if s["xpassed"] else ""), ("skipped", ""), ("notrun", "")]
        out.append("<tr data-impl='%s'><td>%s%s</td><td>%s %s</td>%s<td>%s</td></tr>" % (
            html.escape(lab), html.escape(lab),
            (" <b class=bad title='%s'>(no results)</b>" % html.escape(imp["error"])) if imp["error"] else "",
            html.escape(imp["name"]), html.escape(imp["version"]),
            "".join("<td class='%s %s'>%d</td>" % (k, cls, s[k]) for k, cls in cells),
            "%.1f" % imp["wall_s"] if isinstance(imp["wall_s"], (int, float)) else ""))
    out.append("</tbody></table>")
    out.append("<p class=legend>Cells:" + "".join(
        "<span class='k %s'>%s</span>%s" % ({"notrun": "N", "none": "X"}.get(k, LETTER[k]), LETTER[k], WORDS[k])
        for k in ("passed", "xfailed", "failed", "xpassed", "skipped", "notrun", "none")) + "</p>")
    out.append("</header><main>")
    out.append("<div class=controls><input type=search id=search placeholder='filter: id or words of the rule'>"
               "<label><input type=checkbox id=differ> only rows where implementations differ</label>"
               "<label><input type=checkbox id=bad> only rows with unexpected outcomes</label>"
               "<span id=shown class=meta></span></div>")
    # grid
    out.append("<table class=grid id=grid><thead><tr><th>requirement</th>%s</tr></thead>" % "".join(
        "<th title='%s %s'>%s</th>" % (html.escape(impls_json[c]["name"]), html.escape(impls_json[c]["version"]),
                                       html.escape(lab)) for c, lab in enumerate(m.labels)))
    sections = list(spec.sections)
    by_section = {}
    for r in spec.requirements:
        by_section.setdefault(r.section, []).append((r.id, r.text, r.cls))
        if r.section not in sections:
            sections.append(r.section)
    if m.unknown:
        sections.append("not in spec/")
        by_section["not in spec/"] = [(rid, "", "?") for rid in m.unknown]
    ncols = len(m.labels)
    for section in sections:
        rows = by_section.get(section, [])
        if not rows:
            continue
        out.append("<tbody><tr class=sec><th colspan=%d>%s <span class=meta>(%d)</span></th></tr>" % (
            ncols + 1, html.escape(section), len(rows)))
        for rid, text, cls in rows:
            plain = _plain(text)
            tds = []
            for col in range(ncols):
                o = m.cell(rid, col)
                letter = LETTER[o]
                css = {"notrun": "N", "none": "X"}.get(o, letter)
                tip = "%s: %s" % (m.labels[col], WORDS[o])
                if o == "xfailed":
                    obs = [observed_of(_text(m.results[col][t].get("message"), "")) for t in m.cites.get(rid, [])
                           if t in m.results[col] and m.results[col][t]["outcome"] == "xfailed"]
                    tip += " (observed: %s)" % "; ".join(x for x in obs if x) if any(obs) else ""
                tds.append("<td class='c %s' title='%s'>%s</td>" % (css, html.escape(tip), letter))
            out.append("<tr class='row %s' id='%s' data-text='%s'><th class=req title='%s'>"
                       "<a class=rid href='#%s'>%s</a><span class=txt>%s</span></th>%s</tr>" % (
                           cls, html.escape(rid), html.escape(plain), html.escape("%s (%s): %s" % (rid, cls, plain)),
                           html.escape(rid), html.escape(rid), html.escape(plain[:140]), "".join(tds)))
        out.append("</tbody>")
    out.append("</table></main>")
    out.append("<aside id=panel aria-live=polite><div id=panel-body></div></aside>")
    out.append("<script type='application/json' id='matrix-data'>%s</script>" % _json_script(data))
    out.append("<script type='application/json' id='matrix-timelines'>%s</script>" % _json_script(timelines))
    out.append("<script>%s</script></body></html>" % JS)
    return "\n".join(out)
