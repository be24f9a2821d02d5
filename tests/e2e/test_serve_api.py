# SPDX-License-Identifier: Apache-2.0
"""test_serve_api.py -- the plumbing of azukari serve's JSON API (/api/v1):
session-cookie authentication with JSON 401 (never a redirect), 403 for a
role or a client grant, 404/405 as JSON, the CSRF token in X-CSRF-Token for
POSTs, application/json bodies parsed with strict limits (malformed,
too deep, too many members, duplicate keys, NUL, oversized: 400/413/415,
each with the stable error object), /api/v1/me, /api/v1/dashboard and the
cursor pagination of /api/v1/datasets (every item once, client grants); the
HTML dashboard as a bounded summary (counts, the clients needing attention,
the next deadlines; never every dataset) and the HTML dataset list one page
at a time."""

import html
import json
import re
import unittest

import serve_client as S
import serve_plat_lib as P


class ServeApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = S.Server(env={"AZK_SERVE_SOURCE_FAILS": "100"})
        cls.codes = S.Codes()
        cls.secret = cls.srv.enrol("admin", P.PW)
        r = cls.srv.azk("user", "add", "bob")
        assert r.rc == 0, r.err
        cls.bob_secret = r.out.strip()
        for c in ("c1", "c2"):
            assert cls.srv.azk("client", "add", c).rc == 0
        # 25 datasets of c1 and 12 of c2, straight into the catalog (fixture)
        stmts = ["UPDATE users SET role='client', pw_hash=(SELECT pw_hash FROM users"
                 " WHERE name='admin') WHERE name='bob'",
                 "INSERT INTO user_grants(name, client) VALUES('bob', 'c1')"]
        for i in range(37):
            cl = "c1" if i < 25 else "c2"
            stmts.append("INSERT INTO datasets(id, client, uuid, purpose, retain_until,"
                         " schema_json, source_name, format, encoding, records, bytes,"
                         " created_at, created_by) VALUES('ds-%03d', '%s', 'u-%03d', 'dm',"
                         " '%s', '{}', 'x', 'csv', 'utf-8', 1, 1, '2026-01-01T00:00:00Z', 't')"
                         % (i, cl, i, "2020-01-01" if i % 10 == 0 else "2099-01-01"))
        cls.srv.sql(*stmts)
        cls.admin = P.login(cls.srv, cls.codes, "admin", cls.secret)
        cls.bob = P.login(cls.srv, cls.codes, "bob", cls.bob_secret)

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def req(self, method, path, client=None, body=None, headers=None):
        return P.raw(self.srv.port, self.srv.cafile, method, path, body=body, headers=headers,
                     jar=client.jar if client else None)

    def test_unauthenticated_is_json_401(self):
        for path in ("/api/v1/me", "/api/v1/dashboard", "/api/v1/datasets"):
            st, h, t = self.req("GET", path)
            P.api_error(self, st, h, t, 401, "unauthenticated")
            self.assertNotIn("location", h)
            self.assertEqual(h.get("strict-transport-security"),
                             "max-age=63072000; includeSubDomains")
        st, h, t = self.req("POST", "/api/v1/logout", body={})
        P.api_error(self, st, h, t, 401, "unauthenticated")
        # a forged session id is nobody
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/api/v1/me",
                         jar={"__Host-azk": "b" * 64})
        P.api_error(self, st, h, t, 401)

    def test_unknown_and_wrong_method(self):
        st, h, t = self.req("GET", "/api/v1/nope", self.admin)
        P.api_error(self, st, h, t, 404, "not_found")
        st, h, t = self.req("GET", "/api/v1/../../etc/passwd", self.admin)
        self.assertIn(st, (400, 404))
        st, h, t = self.req("DELETE", "/api/v1/me", self.admin)
        P.api_error(self, st, h, t, 405, "method_not_allowed")
        st, h, t = self.req("POST", "/api/v1/me", self.admin, body={})
        P.api_error(self, st, h, t, 405, "method_not_allowed")
        # pages keep their HTML error pages
        st, h, t = self.req("GET", "/nope", self.admin)
        self.assertEqual(st, 404)
        self.assertTrue(h["content-type"].startswith("text/html"))

    def test_me_and_dashboard(self):
        st, h, t = self.req("GET", "/api/v1/me", self.admin)
        self.assertEqual(st, 200, t)
        me = json.loads(t)
        self.assertEqual((me["name"], me["role"]), ("admin", "administrator"))
        self.assertEqual(me["csrf"], self.admin.csrf("/dashboard"))
        st, h, t = self.req("GET", "/api/v1/dashboard", self.admin)
        self.assertEqual(st, 200, t)
        d = json.loads(t)
        self.assertEqual(d["held"], 37)
        self.assertEqual(d["overdue"], 4)  # ds-000, 010, 020, 030
        self.assertIsInstance(d["ledger_entries"], int)
        st, h, t = self.req("GET", "/api/v1/dashboard", self.bob)
        d = json.loads(t)
        self.assertEqual((d["held"], d["overdue"]), (25, 3))
        self.assertEqual([c["client"] for c in d["clients"]], ["c1"])
        self.assertNotIn("ledger_entries", d)
        st, h, t = self.req("GET", "/api/v1/me", self.bob)
        self.assertEqual(json.loads(t)["clients"], ["c1"])

    def test_dashboard_clients_paged(self):
        # one client a page: the totals stay those of every client, the cursor walks them all
        seen, after = [], None
        while True:
            st, h, t = self.req("GET", "/api/v1/dashboard?limit=1"
                                + ("&after=" + after if after else ""), self.admin)
            self.assertEqual(st, 200, t)
            d = json.loads(t)
            self.assertLessEqual(len(d["clients"]), 1)
            self.assertEqual((d["held"], d["overdue"]), (37, 4))
            seen += [c["client"] for c in d["clients"]]
            after = d["next"]
            if after is None:
                break
        self.assertEqual(seen, ["c1", "c2"])
        st, h, t = self.req("GET", "/api/v1/dashboard", self.admin)
        self.assertIsNone(json.loads(t)["next"])
        st, h, t = self.req("GET", "/api/v1/dashboard?limit=1001", self.admin)
        P.api_error(self, st, h, t, 400, "bad_request")

    def test_dataset_artifacts_paged(self):
        self.srv.sql(*["INSERT INTO ret_artifacts(dataset, path, dev, ino, deadline, added_at,"
                       " added_by) VALUES('ds-001', '/data/a%d.csv', 1, %d, '2099-01-01',"
                       " '2026-01-01T00:00:00Z', 't')" % (i, i) for i in range(5)])
        seen, after, pages = [], None, 0
        while True:
            st, h, t = self.req("GET", "/api/v1/dataset?id=ds-001&limit=2"
                                + ("&artifacts_after=" + after if after else ""), self.admin)
            self.assertEqual(st, 200, t)
            d = json.loads(t)
            self.assertLessEqual(len(d["artifacts"]), 2)
            seen += [a["path"] for a in d["artifacts"]]
            pages += 1
            after = d["artifacts_next"]
            if after is None:
                break
            self.assertNotIn("/", after)  # a position: a URL never carries a path
        self.assertEqual(seen, ["/data/a%d.csv" % i for i in range(5)])
        self.assertEqual(pages, 3)
        for bad in ("x", "-1", "0", "1e3"):
            st, h, t = self.req("GET", "/api/v1/dataset?id=ds-001&artifacts_after=" + bad,
                                self.admin)
            P.api_error(self, st, h, t, 400, "bad_request")
        # the page links the next artifacts
        st, h, t = self.req("GET", "/dataset?id=ds-001&limit=2", self.admin)
        self.assertIn('id="artifacts-next" href="/dataset?id=ds-001&amp;artifacts_after=2"', t)
        self.assertNotIn("/data/a2.csv", t)

    def pages(self, client, query=""):
        seen, after, n = [], None, 0
        while True:
            q = "?limit=10" + query + ("&after=" + after if after else "")
            st, h, t = self.req("GET", "/api/v1/datasets" + q, client)
            self.assertEqual(st, 200, t)
            d = json.loads(t)
            self.assertLessEqual(len(d["items"]), 10)
            seen += [i["id"] for i in d["items"]]
            after = d["next"]
            n += 1
            if after is None:
                return seen, n

    def test_datasets_pagination(self):
        seen, n = self.pages(self.admin)
        self.assertEqual(seen, ["ds-%03d" % i for i in range(37)])
        self.assertEqual(n, 4)
        seen, _ = self.pages(self.bob)
        self.assertEqual(seen, ["ds-%03d" % i for i in range(25)])
        seen, _ = self.pages(self.admin, "&client=c2")
        self.assertEqual(seen, ["ds-%03d" % i for i in range(25, 37)])
        # a client user asking another client's datasets: 403 JSON, nothing listed
        st, h, t = self.req("GET", "/api/v1/datasets?client=c2", self.bob)
        P.api_error(self, st, h, t, 403, "forbidden")
        for q in ("limit=0", "limit=1001", "limit=x", "limit=-1", "after=", "after=%00",
                  "after=a%27%20OR%201=1", "client=%3Cscript%3E"):
            st, h, t = self.req("GET", "/api/v1/datasets?" + q, self.admin)
            P.api_error(self, st, h, t, 400, "bad_argument")
            self.assertNotIn("<script", t)

    def test_post_needs_csrf_header_and_json(self):
        c = P.login(self.srv, self.codes, "admin", self.secret)
        tok = json.loads(self.req("GET", "/api/v1/me", c)[2])["csrf"]
        # no token, a wrong token, the token in a form field: refused, the session stays
        st, h, t = self.req("POST", "/api/v1/logout", c, body={})
        P.api_error(self, st, h, t, 403, "csrf")
        st, h, t = self.req("POST", "/api/v1/logout", c, body={},
                            headers={"X-CSRF-Token": "0" * 64})
        P.api_error(self, st, h, t, 403, "csrf")
        st, h, t = self.req("POST", "/api/v1/logout", c, body="csrf=" + tok,
                            headers={"Content-Type": "application/x-www-form-urlencoded"})
        P.api_error(self, st, h, t, 415, "unsupported_media_type")
        hdr = {"X-CSRF-Token": tok, "Content-Type": "application/json"}
        bad = {
            "": "bad_json",
            "{": "bad_json",
            "[]": "bad_json",
            "\"x\"": "bad_json",
            '{"a":1,"a":2}': "bad_json",
            '{"a":"\\u0000"}': "bad_json",
            b'{"a":"\xff"}': "bad_json",
            "[" * 100000: "json_limit",
            '{"a":' * 9 + "1" + "}" * 9: "json_limit",
            json.dumps({"k%d" % i: i for i in range(300)}): "json_limit",
            json.dumps({"a": "x" * 5000}): "json_limit",
            json.dumps({"k" * 200: 1}): "json_limit",
        }
        for body, code in bad.items():
            st, h, t = self.req("POST", "/api/v1/logout", c, body=body, headers=hdr)
            if len(body) > 16384:
                P.api_error(self, st, h, t, 413, "too_large")
            else:
                P.api_error(self, st, h, t, 400, code)
        self.assertEqual(self.req("GET", "/api/v1/me", c)[0], 200)
        st, h, t = self.req("POST", "/api/v1/logout", c, body={}, headers=hdr)
        self.assertEqual(st, 200, t)
        self.assertEqual(json.loads(t), {"ok": True})
        self.assertEqual(self.req("GET", "/api/v1/me", c)[0], 401)

    def test_denied_and_csrf_are_in_the_ledger(self):
        st, h, t = self.req("GET", "/api/v1/datasets?client=c2", self.bob)
        self.assertEqual(st, 403)
        r = self.srv.azk("audit", "log")
        self.assertEqual(r.rc, 0, r.err)
        self.assertIn("serve.deny", r.out)

    def html_page(self, client, path):
        st, h, t = self.req("GET", path, client)
        self.assertEqual(st, 200, t[:300])
        return t

    def test_html_dashboard_is_a_summary(self):
        t = self.html_page(self.admin, "/dashboard")
        # overdue counted over every dataset, said loudly
        self.assertRegex(t, r'<p class="overdue" id="overdue">[^<]*: 4</p>')
        self.assertRegex(t, r'id="held">[^<]*: 37 ')
        # the next deadlines: at most 20 of the 37, overdue ones first
        table = t[t.index('<table id="datasets">'):]
        table = table[:table.index("</table>")]
        ids = re.findall(r'href="/dataset\?id=([^"]+)"', table)
        self.assertEqual(ids[:4], ["ds-000", "ds-010", "ds-020", "ds-030"])
        self.assertEqual(len(ids), 20)
        # the clients needing attention first, linked to their dataset lists
        clients = t[t.index('<table id="clients">'):]
        clients = re.findall(r'href="/datasets\?client=([^"]+)"',
                             clients[:clients.index("</table>")])
        self.assertEqual(clients, ["c1", "c2"])
        # a client user: its granted client only
        t = self.html_page(self.bob, "/dashboard")
        self.assertRegex(t, r'id="overdue">[^<]*: 3</p>')
        self.assertNotIn("client=c2", t)
        ids = re.findall(r'href="/dataset\?id=([^"]+)"', t)
        self.assertTrue(ids and all(int(i[3:]) < 25 for i in ids), ids)

    def walk(self, client, path):
        """Every page of an HTML dataset list by its next links: the ids in order."""
        seen, pages = [], 0
        while path is not None:
            t = self.html_page(client, path)
            seen += re.findall(r'href="/dataset\?id=([^"]+)"', t)
            m = re.search(r'<p class="next"><a href="([^"]+)"', t)
            path = html.unescape(m.group(1)) if m else None
            pages += 1
        return seen, pages

    def test_html_dataset_list_is_paged(self):
        seen, pages = self.walk(self.admin, "/datasets?limit=10")
        self.assertEqual(pages, 4)
        self.assertEqual(seen, ["ds-%03d" % i for i in range(37)])
        seen, pages = self.walk(self.admin, "/datasets?client=c2&limit=5")
        self.assertEqual((seen, pages), (["ds-%03d" % i for i in range(25, 37)], 3))
        seen, pages = self.walk(self.bob, "/datasets?limit=7")
        self.assertEqual(seen, ["ds-%03d" % i for i in range(25)])
        seen, pages = self.walk(self.admin, "/datasets")  # the default page holds 100
        self.assertEqual((len(seen), pages), (37, 1))
        for bad in ("limit=0", "limit=1001", "limit=x", "after=", "after=%27%20OR%201=1",
                    "client=%3Cb%3E"):
            st, h, t = self.req("GET", "/datasets?" + bad, self.admin)
            self.assertEqual(st, 400, bad)
            self.assertTrue(h["content-type"].startswith("text/html"), bad)
            self.assertNotIn("<b>", t)
        st, h, t = self.req("GET", "/datasets?client=c2", self.bob)
        self.assertEqual(st, 403)


if __name__ == "__main__":
    unittest.main()
