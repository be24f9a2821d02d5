# SPDX-License-Identifier: Apache-2.0
"""test_serve_vendor_files.py -- issue 15 in `azukari serve`: files uploaded to a bank's
vendor pages (multipart/form-data through libmicrohttpd's post processor) and
questionnaires. A forged or missing session cookie on an upload route is refused from the
headers alone, before the body is sent (measured from the client: the answer arrives while
the 4 MiB body is still unsent); a body announced larger than the route's limit is 413
before it is read; a form whose CSRF field is missing or wrong is refused and nothing is
imported. The monthly report import takes the uploaded file. Questionnaires: a template
uploaded (one with an unknown field refused with the library's message, nothing imported),
a questionnaire sent (the signed request file downloaded), the vendor's answers received
(answers signed by another key and tampered answers refused, nothing stored), an evidence
file changed after upload shown on the page, a review and score that leaves the risk rating
alone; the /api/v1 twins; an auditor reads and may not write."""

import json
import os
import re
import shutil
import socket
import ssl
import sys
import time
import unittest

import azk_testlib as T
import serve_client as S
import serve_plat_lib as P
import serve_ui_fixtures as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from test_supervision import libfaketime_present  # noqa: E402
from test_retention import faked_env  # noqa: E402

try:
    import selenium  # noqa: F401
except ImportError:  # a Python other than Debian's (pyenv): use Debian's python3-selenium
    sys.path.append("/usr/lib/python3/dist-packages")
try:
    from selenium import webdriver
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:  # pragma: no cover
    webdriver = None

TEMPLATE = os.path.join(T.srcdir(), "share", "azukari", "templates",
                        "azukari-entrustment.json")
MIB = 1024 * 1024


class Homes:
    """prepare= for serve_client.Server: the bank's home with two CLI users (alice, aud);
    a vendor's home (`vendor`) that has a client c9 since last month (faked clock) and its
    signed monthly report of last month; another company's home (`other`); the questionnaire
    vendor qco's own home (`qhome`: one key belongs to one vendor)."""

    def __call__(self, srv):
        self.month = F.last_month()
        t0 = time.mktime(time.strptime(self.month + "-03", "%Y-%m-%d"))
        self.secrets = {}
        r = T.run([srv.bin, "--home", srv.home, "init"], env=srv.env)
        assert r.rc == 0, r.err
        for u in ("alice", "aud"):
            r = T.run([srv.bin, "--home", srv.home, "user", "add", u], env=srv.env)
            assert r.rc == 0, r.err
            self.secrets[u] = r.out.strip().split()[-1]
        self.vendor = os.path.join(srv.dir, "vendor")
        self.other = os.path.join(srv.dir, "other")
        self.qhome = os.path.join(srv.dir, "qhome")
        for h in (self.vendor, self.other, self.qhome):
            r = T.run([srv.bin, "--home", h, "init"], env=faked_env(srv.env, t0))
            assert r.rc == 0, r.err
        r = T.run([srv.bin, "--home", self.qhome, "certificate", "pubkey"], env=srv.env)
        assert r.rc == 0, r.err  # makes qhome's keys/certificate.pub
        r = T.run([srv.bin, "--home", self.vendor, "client", "add", "c9"],
                  env=faked_env(srv.env, t0 + 60))
        assert r.rc == 0, r.err
        self.report = os.path.join(srv.dir, "report.json")
        r = T.run([srv.bin, "--home", self.vendor, "report", "monthly", "--client", "c9",
                   "--month", self.month, "--out", self.report], env=srv.env)
        assert r.rc == 0, (r.out, r.err)


@unittest.skipUnless(libfaketime_present(), "libfaketime not installed")
class ServeVendorFilesTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.fx = Homes()
        cls.srv = S.Server(prepare=cls.fx, clock=True)
        try:
            admin = cls.srv.enrol("admin", P.PW)
            cls.srv.sql("UPDATE users SET state='active', role='administrator' "
                        "WHERE name='admin'",
                        *["UPDATE users SET role='%s', state='active', pw_hash=(SELECT pw_hash"
                          " FROM users WHERE name='admin') WHERE name='%s'" % (role, u)
                          for u, role in (("alice", "operator"), ("aud", "auditor"))])
            cls.fx.secrets["admin"] = admin
            pub = os.path.join(cls.fx.vendor, "keys", "certificate.pub")
            for argv in (("vendor", "add", "printco", "--name", "株式会社見本印刷",
                          "--corporate-number", "5010001008813", "--criticality", "high"),
                         ("vendor", "key", "printco", "report", pub),
                         ("vendor", "key", "printco", "certificate", pub),
                         ("vendor", "add", "qco", "--name", "質問票株式会社",
                          "--corporate-number", "8700110005901")):
                r = cls.srv.azk(*argv)
                assert r.rc == 0, (argv, r.err)
            r = cls.srv.azk("vendor", "key", "qco", "certificate",
                            os.path.join(cls.fx.qhome, "keys", "certificate.pub"))
            assert r.rc == 0, r.err
            cls.codes = codes = S.Codes(cls.srv.clock)
            cls.c = {u: P.login(cls.srv, codes, u, cls.fx.secrets[u])
                     for u in ("admin", "alice", "aud")}
        except BaseException:
            cls.srv.cleanup()
            raise
        cls.shots = os.path.join(os.environ.get("AZK_BUILDDIR", cls.srv.dir), "serve-screens")
        os.makedirs(cls.shots, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        rc, out = cls.srv.stop()
        cls.srv.cleanup()
        # an ASan build's server reports what it found (leaks at exit) in its output
        assert "Sanitizer" not in out, out[-4000:]

    def upload(self, user, path, fields, files, csrf=True):
        c = self.c[user]
        f = list(fields.items())
        if csrf is True:
            f.insert(0, ("csrf", c.csrf("/dashboard")))
        elif csrf:
            f.insert(0, ("csrf", csrf))
        return c.upload(path, f, files)

    def post(self, user, path, form):
        c = self.c[user]
        f = dict(form)
        f["csrf"] = c.csrf("/dashboard")
        return c.post(path, f)

    def api(self, user, path):
        r = self.c[user].get(path)
        return r.status, json.loads(r.body)

    def headers_only(self, path, cookie, length, content_type):
        """Send a POST's headers and none of its body; the server's first answer line, or
        None when it waits for the body (10 s)."""
        ctx = ssl.create_default_context(cafile=self.srv.cafile)
        s = ctx.wrap_socket(socket.create_connection(("localhost", self.srv.port)),
                            server_hostname="localhost")
        s.settimeout(10)
        try:
            hdr = ("POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: %s\r\n"
                   "Content-Length: %d\r\n%s\r\n"
                   % (path, content_type, length,
                      "Cookie: %s\r\n" % cookie if cookie else ""))
            s.sendall(hdr.encode("ascii"))
            try:
                data = s.recv(4096)
            except socket.timeout:
                return None
            return data.split(b"\r\n", 1)[0].decode("ascii", "replace")
        finally:
            s.close()

    def imported(self, vendor):
        st, doc = self.api("aud", "/api/v1/vendor/reports?id=" + vendor)
        self.assertEqual(st, 200)
        return doc["items"]

    # ---- uploads: refused before the body -------------------------------------------

    def test_forged_cookie_refused_before_the_body(self):
        """Regression: the import routes read up to 4 MiB before looking at the session.
        Now the answer comes from the headers alone: the body is never sent here."""
        mp = "multipart/form-data; boundary=x"
        forged = "__Host-azk=" + "f" * 64
        for path, ct in (("/vendor/reports/import", mp),
                         ("/api/v1/vendor/reports/import", "application/json"),
                         ("/vendor/quest/receive", mp),
                         ("/api/v1/vendor/questionnaires/receive", "application/json"),
                         ("/vendor/quest/template", mp)):
            for cookie in (forged, None):
                line = self.headers_only(path, cookie, 4 * MIB, ct)
                self.assertIsNotNone(line, "%s: the server waited for the body" % path)
                self.assertIn(" 401 ", line, path)
        # an auditor's real session: 403, still before the body
        cookie = "; ".join("%s=%s" % kv for kv in self.c["aud"].jar.items())
        line = self.headers_only("/vendor/reports/import", cookie, 4 * MIB, mp)
        self.assertIsNotNone(line)
        self.assertIn(" 403 ", line)
        # the API's CSRF header is checked with the headers too
        cookie = "; ".join("%s=%s" % kv for kv in self.c["alice"].jar.items())
        line = self.headers_only("/api/v1/vendor/reports/import", cookie, 4 * MIB,
                                 "application/json")
        self.assertIsNotNone(line)
        self.assertIn(" 403 ", line)
        # /api/v1: a body announced larger than the route takes is 413 before it is read
        # (a page's is read and dropped, then 413: test_oversized_upload_413)
        tok = self.c["alice"].csrf("/dashboard")
        for path, n in (("/api/v1/vendor/reports/import", 4 * MIB + 1),
                        ("/api/v1/vendor/templates", 2 * MIB)):
            line = self.headers_only(path, cookie + "\r\nX-CSRF-Token: " + tok, n,
                                     "application/json")
            self.assertIsNotNone(line, path)
            self.assertIn(" 413 ", line, path)

    def test_upload_without_csrf_refused(self):
        with open(self.fx.report, "rb") as f:
            rep = f.read()
        n = len(self.imported("printco"))
        for csrf in (None, "0" * 64):
            r = self.upload("alice", "/vendor/reports/import", {"vendor": "printco"},
                            {"report": ("r.json", rep)}, csrf=csrf)
            self.assertEqual(r.status, 403, r.body[-400:])
            self.assertIn("CSRF", r.body)
        r = self.srv.azk("audit", "log", "--format", "json")
        self.assertGreaterEqual(r.out.count('"serve.csrf"'), 2)
        # the token after the file: the file is not taken
        c = self.c["alice"]
        ct, body = S.multipart([("vendor", "printco")], {"report": ("r.json", rep)})
        b = ct.split("boundary=")[1]
        body = body.replace(("--%s--" % b).encode(), (
            "--%s\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n--%s--"
            % (b, c.csrf("/dashboard"), b)).encode())
        r = c.request_body("POST", "/vendor/reports/import", body.decode("utf-8"),
                           {"Content-Type": ct})
        self.assertEqual(r.status, 403)
        self.assertEqual(len(self.imported("printco")), n)

    def test_malformed_multipart_400(self):
        """No boundary; a body cut before its closing boundary: 400, nothing imported."""
        c = self.c["alice"]
        with open(self.fx.report, "rb") as f:
            rep = f.read()
        n = len(self.imported("printco"))
        r = c.request_body("POST", "/vendor/reports/import", "x=1",
                           {"Content-Type": "multipart/form-data"})
        self.assertEqual(r.status, 400, r.body[-300:])
        ct, body = S.multipart([("csrf", c.csrf("/dashboard")), ("vendor", "printco")],
                               {"report": ("r.json", rep)})
        cut = body[:body.rindex(b"--azkb")]
        r = c.request_body("POST", "/vendor/reports/import", cut.decode("utf-8"),
                           {"Content-Type": ct})
        self.assertEqual(r.status, 400, r.body[-300:])
        self.assertEqual(len(self.imported("printco")), n)

    def test_oversized_upload_413(self):
        """A body larger than the route's limit whose length is not announced (chunked):
        read and dropped, 413, nothing imported."""
        c = self.c["alice"]
        ct, body = S.multipart([("csrf", c.csrf("/dashboard")), ("vendor", "printco")],
                             {"template": ("t.json", b" " * (MIB + 10))})
        import http.client

        def chunks():
            for i in range(0, len(body), 65536):
                yield body[i:i + 65536]
        conn = http.client.HTTPSConnection("localhost", self.srv.port, context=c.ctx,
                                           timeout=30)
        conn.request("POST", "/vendor/quest/template", body=chunks(),
                     headers={"Content-Type": ct, "Transfer-Encoding": "chunked",
                              "Cookie": "; ".join("%s=%s" % kv for kv in c.jar.items())},
                     encode_chunked=True)
        r = S.Resp(conn.getresponse())
        conn.close()
        self.assertEqual(r.status, 413, r.body[-300:])
        st, doc = self.api("aud", "/api/v1/vendor/questionnaires?id=qco")
        self.assertNotIn("t", [t["id"] for t in doc["templates"]])

    # ---- the monthly report import takes the uploaded file ---------------------------

    def test_report_import_upload(self):
        with open(self.fx.report, "rb") as f:
            rep = f.read()
        # tampered: refused, the library's reason, nothing imported
        doc = json.loads(rep)
        bad = json.dumps(doc).replace('"c9"', '"c8"', 1).encode()
        r = self.upload("alice", "/vendor/reports/import", {"vendor": "printco"},
                        {"report": ("r.json", bad)})
        self.assertIn(r.status, (400, 409), r.body[-500:])
        self.assertIn('id="result"', r.body)
        self.assertEqual(self.imported("printco"), [])
        # no file chosen
        r = self.upload("alice", "/vendor/reports/import", {"vendor": "printco"},
                        {"report": ("", b"")})
        self.assertEqual(r.status, 400, r.body[-300:])
        r = self.upload("alice", "/vendor/reports/import", {"vendor": "printco"},
                        {"report": ("r.json", rep)})
        self.assertEqual(r.status, 200, r.body[-600:])
        self.assertEqual([i["client"] for i in self.imported("printco")], ["c9"])
        # the page shows a file input in a multipart form
        page = self.c["alice"].get("/vendor/reports?id=printco").body
        self.assertIn('enctype="multipart/form-data"', page)
        self.assertIn('type="file" name="report"', page)

    # ---- questionnaires --------------------------------------------------------------

    def answer(self, home, req_text, tag, evidence=b"%PDF-1.4 synthetic ISMS\n"):
        d = os.path.join(self.srv.dir, "ans-" + tag)
        os.makedirs(d, exist_ok=True)
        req = os.path.join(d, "req.json")
        with open(req, "w") as f:
            f.write(req_text)
        qid = json.loads(req_text)["request"]["questionnaire"]
        with open(os.path.join(d, "isms.pdf"), "wb") as f:
            f.write(evidence)
        answers = {"format": "azukari-vendor-answers", "format_version": 1,
                   "questionnaire": qid,
                   "answers": [{"question": "org-owner", "answer": "yes",
                                "comment": "<b>責任者</b>を任命",
                                "evidence": [{"file": "isms.pdf", "effective": "2026-04-01",
                                              "expires": "2027-03-31"}]},
                               {"question": "org-review", "answer": "2026-03-15"}]}
        ap = os.path.join(d, "answers.json")
        with open(ap, "w") as f:
            json.dump(answers, f, ensure_ascii=False)
        out = os.path.join(d, "resp.json")
        r = T.run([self.srv.bin, "--home", home, "vendor", "questionnaire", "answer", req,
                   "--answers", ap, "--out", out], env=self.srv.env)
        self.assertEqual(r.rc, 0, r.err)
        with open(out, "rb") as f:
            return qid, f.read()

    def send(self, user, vendor):
        r = self.post(user, "/vendor/quest/send", {"vendor": vendor,
                                                  "template": "azukari-entrustment@1",
                                                  "due": "2099-07-01"})
        self.assertEqual(r.status, 200, r.body[-500:])
        self.assertTrue(r.header("content-type").startswith("application/json"))
        self.assertIn("attachment", r.header("content-disposition"))
        return r.body

    def test_questionnaire_flow(self):
        with open(TEMPLATE, "rb") as f:
            tmpl = f.read()
        # a template with an unknown field: the library's message, nothing imported
        t = json.loads(tmpl)
        t["sections"][1]["questions"][0]["wieght"] = 2
        r = self.upload("alice", "/vendor/quest/template", {"vendor": "qco"},
                        {"template": ("bad.json", json.dumps(t, ensure_ascii=False).encode())})
        self.assertEqual(r.status, 400, r.body[-500:])
        self.assertIn("wieght", r.body)
        st, doc = self.api("aud", "/api/v1/vendor/questionnaires?id=qco")
        self.assertNotIn("azukari-entrustment", [x["id"] for x in doc["templates"]])
        # the auditor may not upload
        r = self.upload("aud", "/vendor/quest/template", {"vendor": "qco"},
                        {"template": ("t.json", tmpl)})
        self.assertEqual(r.status, 403)
        r = self.upload("alice", "/vendor/quest/template", {"vendor": "qco"},
                        {"template": ("t.json", tmpl)})
        self.assertEqual(r.status, 200, r.body[-500:])
        st, doc = self.api("aud", "/api/v1/vendor/questionnaires?id=qco")
        self.assertIn(("azukari-entrustment", 1),
                      [(x["id"], x["revision"]) for x in doc["templates"]])
        # an unknown template, a bad due date: the library's reason, nothing sent
        for tmpl, due, st in (("nope@1", "2099-07-01", 404),
                              ("azukari-entrustment@1", "2099-13-01", 400)):
            r = self.post("alice", "/vendor/quest/send", {"vendor": "qco", "template": tmpl,
                                                          "due": due})
            self.assertEqual(r.status, st, r.body[-400:])
            self.assertIn('id="result"', r.body)
        st, doc = self.api("aud", "/api/v1/vendor/questionnaires?id=qco")
        self.assertEqual(doc["questionnaires"], [])
        # sent: the signed request downloaded; answered at the vendor
        req = self.send("alice", "qco")
        qid, resp = self.answer(self.fx.qhome, req, "good")
        # answered by another company (signed by another key): refused
        _, other = self.answer(self.fx.other, req, "other")
        r = self.upload("alice", "/vendor/quest/receive", {"vendor": "qco"},
                        {"response": ("resp.json", other)})
        self.assertEqual(r.status, 409, r.body[-500:])
        self.assertIn("another key", r.body)
        # tampered answers: the signature fails
        d = json.loads(resp)
        d["response"]["answers"]["answers"][1]["answer"] = "2026-06-30"
        r = self.upload("alice", "/vendor/quest/receive", {"vendor": "qco"},
                        {"response": ("resp.json", json.dumps(d).encode())})
        self.assertEqual(r.status, 409, r.body[-500:])
        self.assertIn("does not verify", r.body)
        st, doc = self.api("aud", "/api/v1/vendor/questionnaires?id=qco")
        self.assertEqual([q["state"] for q in doc["questionnaires"]], ["sent"])
        self.assertEqual(doc["files"], [])
        # the real one: received, answers with comments and evidence shown (escaped)
        r = self.upload("alice", "/vendor/quest/receive", {"vendor": "qco"},
                        {"response": ("resp.json", resp)})
        self.assertEqual(r.status, 200, r.body[-500:])
        page = self.c["aud"].get("/vendor/quest?id=qco").body
        self.assertIn("&lt;b&gt;責任者&lt;/b&gt;を任命", page)
        self.assertNotIn("<b>責任者</b>", page)
        self.assertIn("2027-03-31", page)
        self.assertNotIn('id="files-changed"', page)
        self.assertNotIn('action="/vendor/quest/receive"', page)  # the auditor has no forms
        # received twice: refused
        r = self.upload("alice", "/vendor/quest/receive", {"vendor": "qco"},
                        {"response": ("resp.json", resp)})
        self.assertEqual(r.status, 400, r.body[-400:])
        # the review and score, not the risk rating; bad score refused
        r = self.post("alice", "/vendor/quest/review", {"vendor": "qco", "questionnaire": qid,
                                                        "score": "101", "comment": "x"})
        self.assertEqual(r.status, 400)
        r = self.post("alice", "/vendor/quest/review", {"vendor": "qco", "questionnaire": qid,
                                                        "score": "72", "comment": "VPN 要改善"})
        self.assertEqual(r.status, 200, r.body[-400:])
        st, doc = self.api("aud", "/api/v1/vendor/questionnaires?id=qco")
        self.assertEqual(doc["questionnaires"][0]["score"], 72)
        st, v = self.api("aud", "/api/v1/vendor?id=qco")
        self.assertEqual(v.get("risk", ""), "")
        # an evidence file changed after upload: shown on the page and in the API
        files = os.path.join(self.srv.home, "vendor", "files")
        with open(os.path.join(files, doc["files"][0]["sha256"]), "ab") as f:
            f.write(b"changed")
        st, doc = self.api("aud", "/api/v1/vendor/questionnaires?id=qco")
        self.assertEqual(len(doc["file_problems"]), 1, doc)
        page = self.c["alice"].get("/vendor/quest?id=qco").body
        self.assertIn('id="files-changed"', page)

    def test_questionnaire_api(self):
        with open(TEMPLATE, encoding="utf-8") as f:
            tmpl = f.read()
        c = self.c["admin"]
        tok = c.csrf("/dashboard")
        t = json.loads(tmpl)
        t["id"] = "api-entrustment"  # templates are the bank's, not a vendor's: its own id
        r = c.post("/api/v1/vendor/templates", {"csrf": tok, "vendor": "printco",
                                                "template": json.dumps(t)})
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(json.loads(r.body)["template"], "api-entrustment@1")
        r = c.post("/api/v1/vendor/questionnaires/send",
                   {"csrf": tok, "vendor": "printco", "template": "api-entrustment",
                    "due": "2099-08-01"})
        self.assertEqual(r.status, 201, r.body)
        sent = json.loads(r.body)
        req = json.dumps({"request": sent["request"]["request"],
                          "signature": sent["request"]["signature"]})
        qid, resp = self.answer(self.fx.vendor, req, "api")
        self.assertEqual(qid, sent["questionnaire"])
        r = c.post("/api/v1/vendor/questionnaires/receive",
                   {"csrf": tok, "vendor": "printco", "response": resp.decode()})
        self.assertEqual(r.status, 201, r.body)
        r = c.post("/api/v1/vendor/questionnaires/review",
                   {"csrf": tok, "vendor": "printco", "questionnaire": qid, "score": 55,
                    "comment": "API"})
        self.assertEqual(r.status, 201, r.body)
        st, doc = self.api("aud", "/api/v1/vendor/questionnaires?id=printco")
        self.assertEqual([q["score"] for q in doc["questionnaires"] if q["id"] == qid], [55])
        r = self.c["aud"].post("/api/v1/vendor/questionnaires/review",
                               {"csrf": tok, "vendor": "printco", "questionnaire": qid,
                                "score": 1, "comment": "no"})
        self.assertEqual(r.status, 403)
        st, doc = self.api("aud", "/api/v1/vendor/questionnaires?id=nope")
        self.assertEqual(st, 404)

    def test_doc_file_upload(self):
        """A certification recorded through the edit page's multipart form with its file:
        kept by its SHA-256; the form without a file still records (urlencoded too)."""
        import hashlib
        pdf = b"%PDF-1.4 synthetic ISMS certificate for the test\n"
        page = self.c["alice"].get("/vendor/edit?id=printco").body
        m = re.search(r'<form method="post" action="/vendor/doc"[^>]*>', page)
        self.assertIn('enctype="multipart/form-data"', m.group(0))
        self.assertIn('type="file"', page)
        r = self.upload("alice", "/vendor/doc", {"vendor": "printco", "class": "cert",
                                                 "kind": "isms", "ref": "IS 123456",
                                                 "received_on": "2026-05-01",
                                                 "expires_on": "2029-04-30"},
                        {"file": ("isms.pdf", pdf)})
        self.assertEqual(r.status, 200, r.body[-400:])
        st, doc = self.api("aud", "/api/v1/vendor/questionnaires?id=printco")
        self.assertIn(hashlib.sha256(pdf).hexdigest(), [f["sha256"] for f in doc["files"]])
        # a bad date: refused, the file not recorded
        other = b"another file"
        r = self.upload("alice", "/vendor/doc", {"vendor": "printco", "class": "cert",
                                                 "kind": "isms", "received_on": "2026-13-01"},
                        {"file": ("x.pdf", other)})
        self.assertEqual(r.status, 400, r.body[-400:])
        st, doc = self.api("aud", "/api/v1/vendor/questionnaires?id=printco")
        self.assertNotIn(hashlib.sha256(other).hexdigest(), [f["sha256"] for f in doc["files"]])

    # ---- a real browser ------------------------------------------------------------------

    @unittest.skipIf(webdriver is None or shutil.which("chromedriver") is None,
                     "python3-selenium or chromium-driver missing")
    def test_browser_upload(self):
        """Headless Chromium: log in, choose a template file in the page's file input
        (send_keys), submit; the page says it was imported; screenshots of the
        questionnaire page before and after (serve-screens/vendor-quest*.png)."""
        t = json.load(open(TEMPLATE, encoding="utf-8"))
        t["id"] = "browser-entrustment"
        path = os.path.join(self.srv.dir, "テンプレート.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(t, f, ensure_ascii=False)
        d = S.chrome()
        self.addCleanup(d.quit)
        base = "https://localhost:%d" % self.srv.port
        d.get(base + "/login")
        d.find_element(By.ID, "user").send_keys("alice")
        d.find_element(By.ID, "password").send_keys(P.PW)
        d.find_element(By.ID, "code").send_keys(self.codes.code("alice",
                                                                self.fx.secrets["alice"]))
        d.find_element(By.ID, "login").click()
        WebDriverWait(d, 20).until(lambda x: x.current_url.endswith("/dashboard"))
        d.get(base + "/vendor/quest?id=printco")
        d.save_screenshot(os.path.join(self.shots, "vendor-quest.png"))
        form = d.find_element(By.CSS_SELECTOR, "form[action='/vendor/quest/template']")
        form.find_element(By.CSS_SELECTOR, "input[type=file]").send_keys(path)
        form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        WebDriverWait(d, 20).until(lambda x: x.current_url.endswith("/vendor/quest/template"))
        msg = d.find_element(By.ID, "result").text
        self.assertIn("browser-entrustment@1", msg)
        d.save_screenshot(os.path.join(self.shots, "vendor-quest-uploaded.png"))
        st, doc = self.api("aud", "/api/v1/vendor/questionnaires?id=printco")
        self.assertIn("browser-entrustment", [x["id"] for x in doc["templates"]])
        d.get(base + "/vendor/quest?id=printco")
        d.save_screenshot(os.path.join(self.shots, "vendor-quest-after.png"))
        d.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        d.save_screenshot(os.path.join(self.shots, "vendor-quest-forms.png"))
        # the page fits 1366 px: no horizontal scroll
        self.assertLessEqual(d.execute_script("return document.documentElement.scrollWidth"),
                             1366)


if __name__ == "__main__":
    unittest.main()
