# SPDX-License-Identifier: Apache-2.0
"""test_serve_dash_summary.py -- the dashboard's figures read from index ranges
(store/dash_summary.c) equal a fresh count of the rows, on SQLite and PostgreSQL
(e2e_pg_test_serve_dash_summary): datasets held / past their deadline / on hold per
client (shredded datasets and their holds not counted, a client user's grants only,
every page of /api/v1/dashboard), the chart's earliest 36 deadline months when months
without datasets lie between them (more than one index range), and the agents' cases
of entrusted records outside the closed zone by state (staff only, HTML and JSON).
The expected values are computed here from the fixture rows, not by the server."""

import collections
import json
import re
import unittest

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
        n = 0
        for state, count in cls.cases.items():
            for _ in range(count):
                stmts.append("INSERT INTO agent_cases(id, agent_id, batch_id, seq, records,"
                             " state, opened_at) VALUES('case-%03d', 'a1', 'b%03d', 0, 2,"
                             " '%s', 1700000000)" % (n, n, state))
                n += 1
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
        d = json.loads(self.get(self.admin, "/api/v1/dashboard"))
        self.assertEqual(d["zone_findings"], want)
        t = self.get(self.admin, "/dashboard")
        table = t[t.index('<table id="zone-findings">'):]
        table = table[:table.index("</table>")]
        cells = [int(x) for x in re.findall(r'<td[^>]*>(?:<a [^>]*>)?(\d+)', table)]
        self.assertEqual(cells, [want[k] for k in ("open", "waiting", "quarantined",
                                                   "released", "destroyed", "total")])
        self.assertIn('<td class="overdue"><a href="/agents/cases">5</a>', table)
        # a bank user: neither (the agents' findings cover every client)
        d = json.loads(self.get(self.bank, "/api/v1/dashboard"))
        self.assertNotIn("zone_findings", d)
        self.assertNotIn("zone-findings", self.get(self.bank, "/dashboard"))


if __name__ == "__main__":
    unittest.main()
