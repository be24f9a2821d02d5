# SPDX-License-Identifier: Apache-2.0
"""test_serve_dash_summary.py -- the dashboard's figures read from index ranges
(store/dash_summary.c) equal a fresh count of the rows, on SQLite and PostgreSQL
(e2e_pg_test_serve_dash_summary): datasets held / past their deadline / on hold per
client (shredded datasets and their holds not counted, a client user's grants only,
every page of /api/v1/dashboard), the chart's earliest 36 deadline months when months
without datasets lie between them (more than one index range), and the agents' cases
of entrusted records outside the closed zone by state and the clients whose records the
unresolved ones hold (staff only, HTML and JSON).
Also the lists that were read whole: the certificates of a month (paged in (deleted_at,
dataset) order, a client user's grants in the query so its pages are full, ties on the
time, a bad cursor) and a user's grants (the user list shows the first 20 and a cursor;
/api/v1/user/grants and /admin/user/grants walk them all; staff only).
The expected values are computed here from the fixture rows, not by the server."""

import collections
import datetime
import html
import json
import re
import unittest
import urllib.parse

import serve_client as S
import serve_plat_lib as P

TODAY_PAST = "2020-06-15"  # before any test run's today: these deadlines are past


def fixture():
    """Datasets (id, client, retain_until, state, on hold) of four clients."""
    rows = []
    for i in range(120):
        client = "k%d" % (i % 4)
        if i % 9 == 0:
            ru = TODAY_PAST  # past its deadline
        else:
            # one month in three from 2030-01 on: 40 distinct months over 120 months
            m = (i % 40) * 3
            ru = "%04d-%02d-%02d" % (2030 + m // 12, m % 12 + 1, 1 + i % 27)
        state = "shredded" if i % 7 == 3 else "active"
        rows.append(("dz-%03d" % i, client, ru, state, i % 5 == 1))
    return rows


class DashSummaryTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = S.Server()
        cls.codes = S.Codes()
        cls.secret = cls.srv.enrol("admin", P.PW)
        r = cls.srv.azk("user", "add", "bank")
        assert r.rc == 0, r.err
        cls.bank_secret = r.out.strip()
        for c in ("k0", "k1", "k2", "k3"):
            assert cls.srv.azk("client", "add", c).rc == 0
        cls.rows = fixture()
        stmts = ["UPDATE users SET role='client', pw_hash=(SELECT pw_hash FROM users"
                 " WHERE name='admin') WHERE name='bank'",
                 "INSERT INTO user_grants(name, client) VALUES('bank', 'k1')",
                 "INSERT INTO user_grants(name, client) VALUES('bank', 'k3')"]
        for ds, client, ru, state, hold in cls.rows:
            stmts.append("INSERT INTO datasets(id, client, uuid, purpose, retain_until,"
                         " schema_json, source_name, format, encoding, records, bytes,"
                         " created_at, created_by, state) VALUES('%s', '%s', 'u-%s', 'dm',"
                         " '%s', '{}', 'x', 'csv', 'utf-8', 1, 1, '2026-01-01T00:00:00Z', 't',"
                         " '%s')" % (ds, client, ds, ru, state))
            if hold:
                stmts.append("INSERT INTO ret_holds(dataset, reason, by, at) VALUES('%s',"
                             " 'audit', 'admin', '2026-01-01T00:00:00Z')" % ds)
        # the agents' cases by state (one per object with entrusted records)
        cls.cases = {"open": 5, "requested": 2, "approved": 1, "quarantined": 3,
                     "released": 4, "destroyed": 6}
        # each case's object names one or two clients (one twice: the case counts once)
        n = 0
        cls.zone = collections.defaultdict(lambda: [0, 0])
        for state, count in cls.cases.items():
            for _ in range(count):
                edm = [{"client": "k%d" % (n % 3), "dataset": "dz-001", "records": 2}]
                if n % 4 == 0:
                    edm += [{"client": "k3", "dataset": "dz-003", "records": 5},
                            {"client": "k3", "dataset": "dz-007", "records": 1}]
                if state in ("open", "requested", "approved", "quarantined"):
                    for c in {e["client"] for e in edm}:
                        cls.zone[c][0] += 1
                    for e in edm:
                        cls.zone[e["client"]][1] += e["records"]
                stmts.append("INSERT INTO agent_cases(id, agent_id, batch_id, seq, records,"
                             " state, opened_at) VALUES('case-%03d', 'a1', 'b%03d', 0, 2,"
                             " '%s', 1700000000)" % (n, n, state))
                stmts.append("INSERT INTO agent_objects(batch_id, seq, agent_id, path, size,"
                             " mtime, counts, examples, edm, edm_records, score_milli)"
                             " VALUES('b%03d', 0, 'a1', '/x/f%d.csv', 1, 1, '{}', '[]', '%s',"
                             " %d, 500)" % (n, n, json.dumps(edm),
                                           sum(e["records"] for e in edm)))
                n += 1
        # certificates of this month: the shredded datasets, two deleted in each second
        cls.month = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m")
        cls.certs = []
        for n, (ds, client, _, state, _) in enumerate(r for r in cls.rows if r[3] == "shredded"):
            at = "%s-01T00:00:%02dZ" % (cls.month, n // 2)
            cls.certs.append((at, ds, client))
            stmts.append("INSERT INTO ret_state(dataset, state, shred_index, shred_at, operator)"
                         " VALUES('%s', 'certified', %d, '%s', 'op')" % (ds, 100 + n, at))
        # the bank user is granted 25 more clients (without datasets): 27 grants
        for i in range(25):
            stmts.append("INSERT INTO clients(id, name, created_at, created_by) VALUES"
                         "('m%02d', '', '2026-01-01T00:00:00Z', 't')" % i)
            stmts.append("INSERT INTO user_grants(name, client) VALUES('bank', 'm%02d')" % i)
        cls.srv.sql(*stmts)
        cls.admin = P.login(cls.srv, cls.codes, "admin", cls.secret)
        cls.bank = P.login(cls.srv, cls.codes, "bank", cls.bank_secret)

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def get(self, client, path):
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", path, jar=client.jar)
        self.assertEqual(st, 200, t[:300])
        return t

    def expected(self, clients):
        """Per client: held, overdue, on hold, from the fixture (active datasets only)."""
        out = collections.OrderedDict()
        for ds, client, ru, state, hold in sorted(self.rows, key=lambda r: r[1]):
            if state != "active" or client not in clients:
                continue
            c = out.setdefault(client, {"client": client, "held": 0, "overdue": 0,
                                        "on_hold": 0})
            c["held"] += 1
            c["overdue"] += ru == TODAY_PAST
            c["on_hold"] += hold
        return out

    def api_clients(self, who):
        seen, after, doc = [], None, None
        while True:
            doc = json.loads(self.get(who, "/api/v1/dashboard?limit=1"
                                      + ("&after=" + after if after else "")))
            seen += doc["clients"]
            after = doc["next"]
            if after is None:
                return seen, doc

    def test_counts_per_client_equal_a_fresh_count(self):
        for who, clients in ((self.admin, ("k0", "k1", "k2", "k3")), (self.bank, ("k1", "k3"))):
            want = self.expected(clients)
            seen, doc = self.api_clients(who)
            self.assertEqual(seen, list(want.values()))
            self.assertEqual(doc["held"], sum(c["held"] for c in want.values()))
            self.assertEqual(doc["overdue"], sum(c["overdue"] for c in want.values()))
            self.assertGreater(doc["overdue"], 0)
            t = self.get(who, "/dashboard")
            self.assertRegex(t, r'<p class="overdue" id="overdue">[^<]*: %d</p>'
                             % doc["overdue"])
            on_hold = sum(c["on_hold"] for c in want.values())
            self.assertRegex(t, r'id="held">[^<]*: %d · [^<]*: %d · [^<]*: %d</p>'
                             % (doc["held"], len(want), on_hold))

    def test_chart_shows_the_first_36_months_with_datasets(self):
        for who, clients in ((self.admin, ("k0", "k1", "k2", "k3")), (self.bank, ("k1", "k3"))):
            months = collections.Counter(ru[:7] for _, c, ru, st, _ in self.rows
                                         if st == "active" and c in clients)
            want = sorted(months.items())[:36]
            t = self.get(who, "/dashboard")
            svg = t[t.index('<svg class="chart" id="deadline-chart"'):]
            svg = svg[:svg.index("</svg>")]
            counts = [int(x) for x in re.findall(r'text-anchor="middle">(\d+)</text>', svg)]
            labels = re.findall(r'text-anchor="middle">(\d{4}-\d{2})</text>', svg)
            self.assertEqual(list(zip(labels, counts)), want)
            # the months span more than 36 calendar months: more than one index range read
            self.assertGreater(int(want[-1][0][:4]) * 12 + int(want[-1][0][5:]) -
                               (int(want[1][0][:4]) * 12 + int(want[1][0][5:])), 36)

    def test_zone_findings_by_state_staff_only(self):
        c = self.cases
        want = {"open": c["open"], "waiting": c["requested"] + c["approved"],
                "quarantined": c["quarantined"], "released": c["released"],
                "destroyed": c["destroyed"], "total": sum(c.values())}
        clients = sorted(({"client": c, "cases": v[0], "records": v[1]}
                          for c, v in self.zone.items()), key=lambda x: (-x["cases"], x["client"]))
        self.assertEqual(len(clients), 4)
        want.update(clients=clients, clients_more=0)
        d = json.loads(self.get(self.admin, "/api/v1/dashboard"))
        self.assertEqual(d["zone_findings"], want)
        t = self.get(self.admin, "/dashboard")
        table = t[t.index('<table id="zone-findings">'):]
        table = table[:table.index("</table>")]
        cells = [int(x) for x in re.findall(r'<td[^>]*>(?:<a [^>]*>)?(\d+)', table)]
        self.assertEqual(cells, [want[k] for k in ("open", "waiting", "quarantined",
                                                   "released", "destroyed", "total")])
        self.assertIn('<td class="overdue">5</td>', table)
        self.assertIn('<a href="/agents/cases">', t[t.index('<table id="zone-findings">'):])
        zc = t[t.index('<table id="zone-clients">'):]
        rows = re.findall(r'<tr><td>(k\d)</td><td class="overdue">(\d+)</td><td>(\d+)</td>',
                          zc[:zc.index("</table>")])
        self.assertEqual(rows, [(c["client"], str(c["cases"]), str(c["records"]))
                                for c in clients])
        # a bank user: neither (the agents' findings cover every client)
        d = json.loads(self.get(self.bank, "/api/v1/dashboard"))
        self.assertNotIn("zone_findings", d)
        self.assertNotIn("zone-findings", self.get(self.bank, "/dashboard"))

    def walk_api(self, who, path):
        items, after, pages = [], None, 0
        while True:
            t = self.get(who, path + ("&after=" + urllib.parse.quote(after) if after else ""))
            doc = json.loads(t)
            items += doc["items"]
            pages += 1
            after = doc["next"]
            if after is None:
                return items, pages

    def test_certificates_of_a_month_paged(self):
        for who, clients in ((self.admin, ("k0", "k1", "k2", "k3")), (self.bank, ("k1", "k3"))):
            want = [(ds, c) for at, ds, c in sorted(self.certs) if c in clients]
            items, pages = self.walk_api(who, "/api/v1/certificates?month=%s&limit=3" % self.month)
            self.assertEqual([(i["dataset"], i["client"]) for i in items], want)
            doc = json.loads(self.get(who, "/api/v1/certificates?month=%s&limit=3" % self.month))
            self.assertEqual(doc["total"], len(want))
            self.assertEqual(pages, max(1, (len(want) + 2) // 3))
            # the dashboard counts the same (a client user: its grants only)
            t = self.get(who, "/dashboard")
            self.assertRegex(t, r'id="certs-month"><a href="/certificates">[^<]*: %d</a>'
                             % len(want))
        # one client's, and its HTML pages by their next links
        want = [ds for at, ds, c in sorted(self.certs) if c == "k2"]
        seen, path = [], "/certificates?month=%s&client=k2&limit=2" % self.month
        while path:
            t = self.get(self.admin, path)
            self.assertIn('id="cert-count">', t)
            self.assertRegex(t, r'id="cert-count">[^<]*: %d</p>' % len(want))
            table = t[t.index('<table id="certificates">'):]
            seen += re.findall(r"<td>(dz-\d+)</td>", table[:table.index("</table>")])
            m = re.search(r'<p class="next"><a href="([^"]+)"', t)
            path = html.unescape(m.group(1)) if m else None
        self.assertEqual(seen, want)
        # a cursor that is not one, a bad month: 400
        for q in ("month=%s&after=nobar" % self.month, "month=2026-13"):
            st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/api/v1/certificates?" + q,
                             jar=self.admin.jar)
            P.api_error(self, st, h, t, 400, "bad_request")

    def test_user_grants_paged(self):
        grants = ["k1", "k3"] + ["m%02d" % i for i in range(25)]
        users, _ = self.walk_api(self.admin, "/api/v1/users?limit=100")
        bank = [u for u in users if u["name"] == "bank"][0]
        self.assertEqual((bank["grants"], bank["grants_next"]), (grants[:20], "m17"))
        admin = [u for u in users if u["name"] == "admin"][0]
        self.assertEqual((admin["grants"], admin["grants_next"]), ([], None))
        items, pages = self.walk_api(self.admin, "/api/v1/user/grants?name=bank&limit=10")
        self.assertEqual([i["client"] for i in items], grants)
        self.assertEqual(pages, 3)
        items, _ = self.walk_api(self.admin, "/api/v1/user/grants?name=bank&limit=10&after=m17")
        self.assertEqual([i["client"] for i in items], grants[20:])
        # HTML: the page and its next link
        t = self.get(self.admin, "/admin/user/grants?name=bank&limit=20")
        self.assertEqual(re.findall(r"<td>([km]\d+)</td>", t), grants[:20])
        m = re.search(r'<p class="next"><a href="([^"]+)"', t)
        t = self.get(self.admin, html.unescape(m.group(1)))
        self.assertEqual(re.findall(r"<td>([km]\d+)</td>", t), grants[20:])
        self.assertIn("…", self.get(self.admin, "/admin/users"))
        # a name with markup: shown escaped, never as markup (and a 65-byte name: 400)
        t = self.get(self.admin, "/admin/user/grants?name=" + urllib.parse.quote('<b x="1">&'))
        self.assertIn("&lt;b x=&quot;1&quot;&gt;&amp;", t)
        self.assertNotIn('<b x="1">', t)
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/admin/user/grants?name=" + "n" * 65,
                         jar=self.admin.jar)
        self.assertEqual(st, 400)
        # a bank user may not; no name: 400
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/api/v1/user/grants?name=bank",
                         jar=self.bank.jar)
        P.api_error(self, st, h, t, 403)
        st, h, t = P.raw(self.srv.port, self.srv.cafile, "GET", "/api/v1/user/grants",
                         jar=self.admin.jar)
        P.api_error(self, st, h, t, 400, "bad_request")


if __name__ == "__main__":
    unittest.main()
