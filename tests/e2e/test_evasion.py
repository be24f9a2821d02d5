# SPDX-License-Identifier: Apache-2.0
"""test_evasion.py -- the egress guard cannot be walked around (issue 11).

tools/gen_evasion.py takes 100 entrusted records (a roster intaken into a
home, fingerprints exported) as a CSV and as a log, and clean controls
(prose, ASCII JSON, a product list, random bytes, a real PNG), and applies
every transformation of the suite to both: byte-order marks, image
signatures, NUL / 0xFF padding, junk before, inside and after, UTF-16 /
UTF-32 without BOM, JSON escapes, HTML references, percent-encoding,
quoted-printable, base64 (inline, MIME, data: URL), hex, C escapes,
zero-width characters, full width, spaced-out values, char-split XML,
steered CP932 detection, polyglots, RTF (a header glued before the data,
Shift_JIS escapes after a long header, hidden destinations, a picture left
open), and combinations (base64 of a zip of a
UTF-16 CSV behind a PNG signature, ...).

Required: every transformed leak is blocked and no clean control is, by
`guard check`, by `guard watch --once` (nothing leaked is released) and
through real Squid + `guard icap` (403, the upload never reaches the
server); `scan` reports the entrusted records too (exit 1), `impact`
counts them and retention's sweep finds evaded copies as residuals. No
output holds a personal value.
"""

import calendar
import collections
import http.client
import http.server
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import unittest

import azk_testlib as T
import guard_fixtures as G

SQUID = shutil.which("squid") or ("/usr/sbin/squid" if os.path.exists("/usr/sbin/squid") else None)


def load_manifest(d):
    with open(os.path.join(d, "manifest.json")) as f:
        return json.load(f)


class Sink(http.server.BaseHTTPRequestHandler):
    received = {}
    lock = threading.Lock()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with Sink.lock:
            Sink.received[self.path] = body
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *a):
        pass


# Transformations whose clean controls are not readable documents: blocked
# as errors under the closed zone's default policy (fail closed).
UNREADABLE_BY_DESIGN = {"pdf_header", "ole2_header"}


class Evasion(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.bin = T.azk_bin()
        cls.tmpd = T.TempDir("azk-evasion-")
        cls.tmp = cls.tmpd.path
        os.chmod(cls.tmp, 0o1777)  # squid drops to the proxy user (sticky: the home below stays ours)
        cls.roster = os.path.join(cls.tmp, "roster.csv")
        cls.rows = G.gen_roster(cls.roster)
        cls.home, cls.fp = G.make_home(cls.tmp, cls.roster)
        r = T.run([cls.bin, "--home", cls.home, "guard", "policy", "set", "fingerprints",
                   json.dumps(cls.fp)])
        assert r.rc == 0, r.err
        # The suite measures what reading finds: images and unknown binaries
        # are let through here, so that a leak is blocked only because its
        # records were read back and a clean control passes unless its content
        # is misread. The closed zone's default (block what is not read) is
        # tested in test_guard_content.py.
        r = T.run([cls.bin, "--home", cls.home, "guard", "policy", "set", "content",
                   json.dumps({"image": "allow", "binary": "allow"})])
        assert r.rc == 0, r.err
        cls.suite = os.path.join(cls.tmp, "suite")
        r = T.run([sys.executable, T.tool("gen_evasion.py"), "--roster", cls.roster, "--out",
                   cls.suite, "--rows", "100", "--seed", "1"])
        assert r.rc == 0, r.err
        cls.manifest = load_manifest(cls.suite)
        cls.procs = []

    @classmethod
    def tearDownClass(cls):
        for p in reversed(getattr(cls, "procs", [])):
            p.terminate()
            try:
                p.wait(timeout=10)
            except subprocess.TimeoutExpired:
                p.kill()
            if p.stdout is not None:
                p.stdout.close()
        cls.tmpd.__exit__(None, None, None)

    def assertNoValues(self, text):
        for v in G.values(self.rows):
            self.assertNotIn(v, text)

    def verdicts(self, decided):
        """decided: file -> blocked (bool). Fails listing every miss, by transformation."""
        misses = []
        per = collections.defaultdict(lambda: [0, 0, 0, 0])
        for x in self.manifest:
            blocked = decided.get(x["file"])
            p = per[x["transform"]]
            if x["kind"] == "leak":
                p[1] += 1
                p[0] += 1 if blocked else 0
                if not blocked:
                    misses.append("leak passed: %s" % x["file"])
            elif x["transform"] in UNREADABLE_BY_DESIGN:
                # a document magic before clean text: no document (format
                # error), so the default policy blocks it unread; the leak
                # versions must be blocked too (read back where possible)
                if not blocked:
                    misses.append("unreadable passed: %s" % x["file"])
            else:
                p[3] += 1
                p[2] += 1 if blocked else 0
                if blocked:
                    misses.append("clean blocked: %s" % x["file"])
        self.assertGreaterEqual(len(per), 60)
        self.assertEqual(misses, [], "\n".join(misses))

    def test_suite_is_complete(self):
        kinds = collections.Counter(x["kind"] for x in self.manifest)
        self.assertGreater(kinds["leak"], 100)
        self.assertGreater(kinds["clean"], 250)
        for t in ("nul_4096", "png_header", "bom_utf16_before_utf8", "json_dumps",
                  "b64_zip_utf16_png", "cp932_steered", "rtf_header", "rtf_long_header",
                  "rtf_hidden_destination"):
            self.assertIn(t, {x["transform"] for x in self.manifest})

    def test_guard_check(self):
        files = [os.path.join(self.suite, x["file"]) for x in self.manifest]
        r = T.run([self.bin, "--home", self.home, "guard", "check", "--format", "jsonl"] + files,
                  timeout=900)
        self.assertEqual(r.rc, 1, r.err)
        decided = {}
        for line in r.out.splitlines():
            o = json.loads(line)
            decided[os.path.basename(o["path"])] = o["decision"] == "block"
        self.assertEqual(len(decided), len(self.manifest))
        self.verdicts(decided)
        self.assertNoValues(r.out + r.err)

    def test_scan_sees_the_records(self):
        for t in ("nul_4096", "png_header", "json_dumps", "base64_mime", "b64_zip_utf16_png",
                  "bom_utf16_before_utf8", "cp932_steered", "zero_width_space",
                  # issue 18: an RTF header glued before the data, RTF that hides it
                  "rtf_header", "rtf_header_cp932", "rtf_long_header", "rtf_escaped_cp932",
                  "rtf_hidden_destination", "rtf_unclosed_picture"):
            f = os.path.join(self.suite, "leak__%s__csv.bin" % t)
            r = T.run([self.bin, "scan", "--format", "jsonl", "--fingerprints", self.fp, f])
            self.assertEqual(r.rc, 1, "%s: %s" % (t, r.err))
            rows = set()
            for line in r.out.splitlines():
                for e in json.loads(line).get("edm", []):
                    rows.update(e["rows"])
            self.assertGreaterEqual(len(rows), 90, t)
            self.assertNoValues(r.out + r.err)
            c = os.path.join(self.suite, "clean__%s__random.bin" % t)
            if os.path.exists(c):
                r = T.run([self.bin, "scan", "--format", "jsonl", "--fingerprints", self.fp, c])
                self.assertEqual(r.rc, 0, "%s: %s %s" % (t, r.out[:300], r.err))

    def test_impact_counts_the_records(self):
        # impact analysis reads through the same decode stage
        for t in ("nul_4096", "json_dumps", "mail_base64", "png_zip_polyglot", "xxd"):
            f = os.path.join(self.suite, "leak__%s__csv.bin" % t)
            r = T.run([self.bin, "--home", self.home, "impact", "--format", "json", f])
            self.assertEqual(r.rc, 1, "%s: %s" % (t, r.err))  # 1: entrusted records found
            self.assertGreaterEqual(json.loads(r.out)["records"], 90, t)
            self.assertNoValues(r.out + r.err)

    def test_retention_sweep_finds_residuals(self):
        # the deletion proof's sweep reads through the same decode stage: an
        # evaded copy left in the general zone keeps the deletion incomplete
        d = os.path.join(self.tmp, "ret")
        os.makedirs(d)
        home, _ = G.make_home(d, self.roster)
        general = os.path.join(d, "general")
        os.makedirs(general)
        T.write_conf(home, {"retention": {"sweep_paths": [], "sweep_paths_general": [general],
                                     "overwrite": True}})
        copies = []
        for t in ("nul_4096", "json_dumps", "b64_zip_utf16_png"):
            dst = os.path.join(general, "copy-%s.bin" % t)
            shutil.copyfile(os.path.join(self.suite, "leak__%s__csv.bin" % t), dst)
            copies.append(dst)
        # the deadline passes on a faked system clock (--now is only a drill)
        from test_retention import faked_env
        r = T.run([self.bin, "--home", home, "retention", "run"], timeout=600,
                  env=faked_env(os.environ, calendar.timegm((2030, 6, 1, 0, 0, 0))))
        self.assertEqual(r.rc, 1, r.out + r.err)
        self.assertIn("incomplete", r.out)
        r = T.run([self.bin, "--home", home, "--lang", "en", "retention", "show", "dm-2023",
                   "--now", "2030-06-01"])
        self.assertEqual(r.rc, 0, r.err)
        for c in copies:
            self.assertIn("residual\t" + c, r.out)
        self.assertNoValues(r.out + r.err)

    def test_guard_watch_once(self):
        base = os.path.join(self.tmp, "watch")
        ob, rel, q = (os.path.join(base, x) for x in ("outbox", "release", "quarantine"))
        for d in (ob, rel, q):
            os.makedirs(d)
        pick = [x for x in self.manifest if x["transform"] in
                ("nul_4096", "png_header", "json_dumps", "mail_base64", "spaced_out",
                 "png_zip_polyglot", "html_hex_refs", "utf16le_nobom")]
        t = time.time() - 10
        for x in pick:
            dst = os.path.join(ob, x["file"])
            shutil.copyfile(os.path.join(self.suite, x["file"]), dst)
            os.utime(dst, (t, t))
        r = T.run([self.bin, "--home", self.home, "guard", "watch", ob, "--release", rel,
                   "--quarantine", q, "--once"], timeout=600)
        self.assertEqual(r.rc, 0, r.err)
        released = set(os.listdir(rel))
        for x in pick:
            if x["kind"] == "leak":
                self.assertNotIn(x["file"], released)
            else:
                self.assertIn(x["file"], released)
        self.assertNoValues(r.out + r.err)

    def test_squid_icap(self):
        if SQUID is None:
            self.skipTest("squid is not installed (tools/install-deps.sh --test)")
        icap_log = open(os.path.join(self.tmp, "icap.log"), "wb")
        icap = subprocess.Popen(
            [self.bin, "--home", self.home, "guard", "icap", "--listen", "127.0.0.1:0",
             "--threads", "2", "--timeout", "10", "--spool", self.tmp],
            stdout=subprocess.PIPE, stderr=icap_log)
        self.procs.append(icap)
        line = icap.stdout.readline().decode()
        self.assertIn("listening on icap://127.0.0.1:", line)
        icap_port = int(line.rsplit(":", 1)[1].split("/")[0])
        sink = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Sink)
        sink_port = sink.server_address[1]
        threading.Thread(target=sink.serve_forever, daemon=True).start()
        squid_port = start_squid(self.tmp, icap_port, self.procs)
        decided = {}
        try:
            for x in self.manifest:
                with open(os.path.join(self.suite, x["file"]), "rb") as f:
                    body = f.read()
                path = "/%s" % x["file"]
                c = http.client.HTTPConnection("127.0.0.1", squid_port, timeout=120)
                c.request("POST", "http://127.0.0.1:%d%s" % (sink_port, path), body=body,
                          headers={"Content-Type": "application/octet-stream"})
                resp = c.getresponse()
                page = resp.read()
                c.close()
                with Sink.lock:
                    got = Sink.received.get(path)
                if resp.status == 403:
                    self.assertIsNone(got)
                    self.assertNoValues(page.decode("utf-8", "replace"))
                    decided[x["file"]] = True
                else:
                    self.assertEqual(resp.status, 200, page[:300])
                    self.assertEqual(got, body)
                    decided[x["file"]] = False
        finally:
            sink.shutdown()
            icap_log.close()
        self.verdicts(decided)


def start_squid(tmp, icap_port, procs):
    """Squid from Debian in front of the ICAP service (as test_guard_icap.py)."""
    d = os.path.join(tmp, "squid")
    os.makedirs(d)
    os.chmod(d, 0o777)
    s = __import__("socket").socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    user = "proxy"
    try:
        import pwd
        pwd.getpwnam(user)
    except KeyError:
        user = "nobody"
    conf = os.path.join(d, "squid.conf")
    with open(conf, "w") as f:
        f.write("\n".join([
            "http_port 127.0.0.1:%d" % port,
            "pid_filename %s/squid.pid" % d,
            "cache_effective_user %s" % user,
            "access_log stdio:%s/access.log" % d,
            "cache_log %s/cache.log" % d,
            "cache_store_log none",
            "cache deny all",
            "cache_mem 8 MB",
            "coredump_dir %s" % d,
            "http_access allow localhost",
            "http_access deny all",
            "icap_enable on",
            "icap_service guard reqmod_precache bypass=0 icap://127.0.0.1:%d/guard" % icap_port,
            "adaptation_access guard allow all",
            "client_request_buffer_max_size 64 MB",
            "shutdown_lifetime 1 seconds",
            "pinger_enable off",
            "",
        ]))
    p = subprocess.Popen([SQUID, "-N", "-f", conf], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    procs.append(p)
    end = time.monotonic() + 30
    while time.monotonic() < end:
        try:
            __import__("socket").create_connection(("127.0.0.1", port), timeout=1).close()
            return port
        except OSError:
            time.sleep(0.1)
    raise AssertionError("squid did not start; see %s/cache.log" % d)


if __name__ == "__main__":
    unittest.main()
