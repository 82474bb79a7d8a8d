"""The spec as one readable HTML page, with an anchor per requirement id.

    harness/netspec spec --render out/spec.html

Requirements appear under the section of the source text they come from, in
the source's order; each shows its class, rule, how an ambiguity was decided,
what Node 8.17 was observed to do, and the tests that cite it. A link to
`spec.html#SERVER.LISTEN.EADDRINUSE.1` lands on that requirement.

With a matrix report (`--report-link out/matrix.html`, see report.py), each
requirement links to its row there ("results"), and each test to its record.
"""
import html
import re

CSS = """
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}
h1{font-size:1.6rem} h2{font-size:1.2rem;margin-top:2.2rem;border-bottom:1px solid #ddd}
code{background:#f3f3f3;padding:0 .2em;border-radius:3px}
.req{margin:1rem 0;padding:.5rem .8rem;border-left:4px solid #4a7}
.req.untestable{border-color:#c84} .req.informative{border-color:#88a}
.req:target{background:#fffbe6}
.id{font-family:monospace;font-weight:bold;text-decoration:none;color:#222}
.cls{font-size:.8rem;padding:0 .4em;border-radius:3px;background:#e8f4ec;margin-left:.5em}
.meta{font-size:.9rem;color:#555;margin:.2rem 0}
.tests{font-size:.85rem;font-family:monospace;color:#555}
.toc{columns:2;font-size:.9rem}
.obs{font-size:.8rem;margin:.2rem 0;padding:.2rem .4rem;background:#f4f7fb;border-radius:3px}
.obs .failed,.obs .xpassed{color:#a21;font-weight:bold} .obs .passed{color:#275}
.changed{font-size:.85rem;margin:.2rem 0;padding:.1rem .4rem;background:#fff4e0;border-radius:3px}
a.results{font-size:.8rem;margin-left:.8em;padding:0 .4em;border:1px solid #7a9;border-radius:3px;text-decoration:none;color:#275}
"""


def inline_html(text):
    """One line of spec prose as HTML: `code` and **bold** (also used by report.py)."""
    out = html.escape(text, quote=False)
    out = re.sub(r"`([^`]+)`", r"<code>\1</code>", out)
    return re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", out)


def prose_html(text, sep="\n"):
    """Spec prose as HTML: paragraphs, and lists of "- " or "* " lines; the
    parts joined by `sep` (also used by report.py)."""
    parts = []
    for para in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [l for l in para.split("\n") if l.strip()]
        if lines and all(l.lstrip().startswith(("- ", "* ")) for l in lines):
            parts.append("<ul>%s</ul>" % "".join("<li>%s</li>" % inline_html(l.lstrip()[2:]) for l in lines))
        elif lines:
            parts.append("<p>%s</p>" % inline_html(" ".join(l.strip() for l in lines)))
    return sep.join(parts)


def _observed_html(tests, observed, label):
    """What one run observed for these tests (their parametrized cases too)."""
    rows = []
    for t in tests:
        for nodeid, rec in sorted(observed.items()):
            if nodeid != t and not nodeid.startswith(t + "["):
                continue
            outcome = str(rec.get("outcome"))
            line = ""
            if outcome in ("failed", "xfailed", "xpassed", "skipped"):
                first = [l for l in str(rec.get("message", "")).splitlines() if l.strip()]
                line = re.sub(r"^\S+\.py:\d+: ", "", first[0]) if first else ""
            notes = [e.get("data") for e in rec.get("timeline") or [] if isinstance(e, dict)
                     and e.get("kind") == "note" and isinstance(e.get("data"), str)][:3]
            rows.append('<span class="%s">%s</span> %s%s%s' % (
                html.escape(outcome), html.escape(outcome), html.escape(nodeid.split("::", 1)[-1]),
                ": " + html.escape(line[:240]) if line else "",
                "".join("<br>&nbsp;&nbsp;noted: %s" % html.escape(n[:200]) for n in notes)))
    if not rows:
        return "<p class=obs>%s: none of its tests ran</p>" % label
    return "<p class=obs><b>Observed on %s:</b><br>%s</p>" % (label, "<br>".join(rows))


def _anchor(section):
    return "sec-" + re.sub(r"[^A-Za-z0-9]+", "-", section).strip("-").lower()


def render_html(spec, traced, report_href=None, history=None, results=None):
    """The page as a string. `report_href`, if given (a matrix report, relative
    to the page), links each requirement to its row and each test to its record there.
    `history` (spec/history.json) adds "changed in Node X.Y.Z" to each requirement it lists.
    `results` (a `run --json` document) adds what that run observed for each requirement's tests:
    outcome, the first line of a failure, the notes the tests recorded; a requirement whose
    `node8:` line is not borne out by a failing test stands out."""
    observed = {}
    for rec in (results or {}).get("results", []):
        observed[rec["test"]] = rec
    run_label = html.escape(str((results or {}).get("impl", {}).get("label", "")))
    changes = {c["requirement"]: c["points"] for c in (history or {}).get("changes", [])}
    by_section = {}
    for r in spec.requirements:
        by_section.setdefault(r.section, []).append(r)
    counts = {c: sum(1 for r in spec.requirements if r.cls == c) for c in ("testable", "untestable", "informative")}
    out = ["<!doctype html><html lang=en><meta charset=utf-8><title>netspec requirements</title>",
           "<style>%s</style>" % CSS, "<h1>netspec: the Node.js 8 <code>net</code> API, requirement by requirement</h1>",
           "<p>%d requirements: %s. Each has a stable id; tests cite these ids.</p>" % (
               len(spec.requirements), ", ".join("%d %s" % (n, c) for c, n in counts.items())),
           "<ul class=toc>"]
    for section in spec.sections:
        n = len(by_section.get(section, []))
        out.append('<li><a href="#%s">%s</a> (%d)</li>' % (_anchor(section), html.escape(section), n))
    out.append("</ul>")
    for section in spec.sections:
        reqs = by_section.get(section, [])
        out.append('<h2 id="%s">%s</h2>' % (_anchor(section), html.escape(section)))
        if not reqs:
            out.append("<p class=meta>No requirement comes from this section.</p>")
        for r in reqs:
            out.append('<div class="req %s" id="%s">' % (r.cls, html.escape(r.id)))
            out.append('<a class=id href="#%s">%s</a><span class=cls>%s</span>' % (
                html.escape(r.id), html.escape(r.id), r.cls))
            if report_href:
                out.append('<a class=results href="%s#%s" title="this requirement in the matrix report: who '
                           'passes it, with timelines">results</a>' % (html.escape(report_href), html.escape(r.id)))
            out.append(prose_html(r.text))
            for label, value in (("Why untestable", r.reason), ("Decided", r.decided),
                                 ("Observed on Node 8.17", r.node8)):
                if value:
                    out.append("<p class=meta><b>%s:</b> %s</p>" % (label, inline_html(value)))
            if results is not None:
                out.append(_observed_html(traced.get(r.id, []), observed, run_label))
            for point in changes.get(r.id, []):
                out.append("<p class=changed><b>Changed in Node %s</b> (the release before it: %s): %s "
                           "&rarr; %s</p>" % (html.escape(point["first_new"]), html.escape(point["last_old"]),
                                              html.escape("; ".join(point["before"])[:300]),
                                              html.escape("; ".join(point["after"])[:300])))
            tests = traced.get(r.id, [])
            if tests:
                items = []
                for t in tests:
                    name = html.escape(t)
                    items.append('<a href="%s#%s">%s</a>' % (html.escape(report_href), name, name)
                                 if report_href else name)
                out.append("<p class=tests>tests: %s</p>" % "<br>".join(items))
            elif r.cls == "testable":
                out.append("<p class=tests>tests: none yet</p>")
            out.append("<p class=meta>%s</p></div>" % html.escape(r.where))
    out.append("</html>")
    return "\n".join(out)


HISTORY_CSS = """
body{font:14px/1.4 system-ui,sans-serif;margin:1.5rem;color:#222}
table{border-collapse:collapse;font-size:.8rem} th,td{border:1px solid #ddd;padding:.15rem .35rem}
th.v{writing-mode:vertical-rl;transform:rotate(180deg);font-weight:normal;white-space:nowrap}
td.P{background:#cfe9d6} td.F{background:#f3c5c0} td.N{background:#f6f6f6;color:#999}
td.chg{outline:2px solid #d80;outline-offset:-2px;font-weight:bold}
td.id{font-family:monospace;white-space:nowrap} .note{color:#555;max-width:60rem}
"""


def history_html(doc, tests=None):
    """The version axis: each requirement that ever changed (rows) across the
    measured Node lines (columns): P where all its tests passed, F where one
    failed, a marked cell where a change point falls (the first release that
    shows the new behaviour is named in it; hover for before and after)."""
    from . import spec as specmod
    tests = tests if tests is not None else specmod.scan_tests()
    by_req = {}
    for t, (ids, _, _) in tests.items():
        for rid in ids:
            by_req.setdefault(rid, []).append(t)
    measured = doc.get("measured", [])
    verdicts = doc.get("verdicts", {})

    def key(v):
        return [int(x) if x.isdigit() else 0 for x in v.split(".")]

    out = ["<!doctype html><html lang=en><meta charset=utf-8><title>netspec: what changed when</title>",
           "<style>%s</style><h1>What changed when: Node's <code>net</code> module, release by release</h1>"
           % HISTORY_CSS,
           "<p class=note>Measured with <code>%s</code> at suite commit <code>%s</code> (%s). Each column is the "
           "newest release of a Node major line; a cell is P when every test of the requirement passed there, F "
           "when one failed (Node 8.17 is the spec, so F means: behaves otherwise than Node 8). An outlined cell "
           "is where the behaviour changed: it names the first release that shows the new behaviour, found by "
           "bisecting the releases in between.</p>" % (
               html.escape(str(doc.get("command", ""))), html.escape(str(doc.get("suite_commit", ""))[:12]),
               html.escape(str(doc.get("generated", ""))))]
    out.append("<table id=history><thead><tr><th>requirement</th>%s</tr></thead><tbody>" % "".join(
        "<th class=v>%s</th>" % html.escape(v) for v in measured))
    for change in doc.get("changes", []):
        rid = change["requirement"]
        out.append('<tr id="%s"><td class=id>%s</td>' % (html.escape(rid), html.escape(rid)))
        for i, v in enumerate(measured):
            outcomes = [o for t, o in verdicts.get(v, {}).items() if t.split("[")[0] in by_req.get(rid, [])]
            cls = "N" if not outcomes else "F" if any(o in ("failed", "xfailed") for o in outcomes) else "P"
            prev = measured[i - 1] if i else None
            here = [p for p in change["points"] if (prev is None or key(p["first_new"]) > key(prev))
                    and key(p["first_new"]) <= key(v)]
            if here:
                title = " | ".join("from %s: %s -> %s" % (p["first_new"], "; ".join(p["before"]), "; ".join(p["after"]))
                                   for p in here)
                out.append('<td class="%s chg" title="%s">%s %s</td>' % (
                    cls, html.escape(title[:600]), cls, html.escape(", ".join(p["first_new"] for p in here))))
            else:
                out.append('<td class="%s">%s</td>' % (cls, cls))
        out.append("</tr>")
    out.append("</tbody></table></html>")
    return "\n".join(out)
