# SPDX-License-Identifier: Apache-2.0
"""serve_ui_fixtures.py -- people for the tests of azukari serve's pages: users
enrolled through an administrator's one-time link over HTTPS (the administrator
asks for the link with a step-up code), approved by a second person when the
deployment is past its first two users. Used by test_serve_ui.py and
test_serve_browser.py."""

import calendar
import os
import re
import time

import azk_testlib as T
import serve_client as S

PW = "correct horse battery"


# the project's one code source (serve_client.Codes), under the name the fixtures use
Codes = S.Codes


class People:
    def __init__(self, srv, codes, admin_secret):
        self.srv = srv
        self.codes = codes
        self.secrets = {"admin": admin_secret}
        self.sessions = {}

    def login(self, user):
        c = self.srv.client()
        r = c.login(user, PW, self.codes.code(user, self.secrets[user]))
        assert r.status == 303, r.body
        self.sessions[user] = c
        return c

    def session(self, user):
        return self.sessions.get(user) or self.login(user)

    def act(self, user, page, action, form, code=None):
        c = self.session(user)
        f = dict(form)
        f["csrf"] = c.csrf(page)
        f["code"] = code if code is not None else self.codes.code(user, self.secrets[user])
        return c.post(action, f)

    def link(self, role):
        r = self.act("admin", "/admin/users", "/admin/users/link", {"role": role})
        assert r.status == 200, r.body
        m = re.search(r'id="enrol-link">(https://[^<]+)<', r.body)
        assert m, r.body
        return m.group(1)

    def enrol(self, name, role, approver=None):
        """Enrol through a link; approver (a logged-in user's name) approves when pending.
        Returns the enrolment answer's body."""
        tok = self.link(role).split("token=")[1]
        c = self.srv.client()
        r = c.post("/enrol", {"token": tok, "user": name, "password": PW, "password2": PW})
        assert r.status == 200, r.body
        self.secrets[name] = re.search(r'id="totp-secret">([A-Z2-7]+)<', r.body).group(1)
        if 'id="pending"' in r.body and approver is not None:
            a = self.act(approver, "/admin/users", "/admin/users/approve", {"user": name})
            assert a.status == 200, a.body
        return r.body

    def grant(self, user, client):
        r = self.act("admin", "/admin/users", "/admin/grants/add",
                     {"user": user, "client": client})
        assert r.status == 200, r.body


# ---- supervision and vendor management (issue 15) ----------------------------------------

def last_month():
    """"YYYY-MM" of the month before the real clock's (over: a report may cover it)."""
    t = time.gmtime()
    y, m = (t.tm_year, t.tm_mon - 1) if t.tm_mon > 1 else (t.tm_year - 1, 12)
    return "%04d-%02d" % (y, m)


class SupervisionHome:
    """prepare= for serve_client.Server: a contractor's home filled during last month on a
    faked clock (libfaketime; each TOTP code of its own faked time step), so that its
    monthly report can be generated through the pages: clients c1 and c2, users alice and
    bob (first two, CLI), aud / bank1 / bank2 added by alice, a dataset per client, two
    courses (alice's pdh valid, bob's lapsed, alice's sec due within 30 days), risk
    criteria, an overdue finding of c1 whose title is HTML, a finding of c2, a risk
    acceptance approved by a second person. After the server starts, roles() gives the
    web users their roles (test fixture SQL, as test_serve_api does).
    Also a second home, the vendor's (`vendor`), whose signed report of last month for its
    client c9 a bank imports through the pages."""

    FINDING = "<script>alert('f')</script> ログ保存 \"未設定\""

    def __init__(self):
        self.month = last_month()
        self.secrets = {}

    def at(self, srv, home, day, hms, *args, user=None):
        from test_retention import faked_env, totp
        t = calendar.timegm(time.strptime("%s-%02dT%s" % (self.month, day, hms),
                                          "%Y-%m-%dT%H:%M:%S"))
        argv = list(args)
        if user is not None:
            argv += ["--user", user, "--totp", totp(self.secrets[user], t)]
        r = T.run([srv.bin, "--home", home] + argv, env=faked_env(srv.env, t))
        assert r.rc == 0, (argv, r.out, r.err)
        return r

    def __call__(self, srv):
        h = srv.home
        self.at(srv, h, 2, "09:00:00", "init")
        for c in ("c1", "c2"):
            self.at(srv, h, 2, "09:01:00", "client", "add", c)
        for i, u in enumerate(("alice", "bob")):
            self.secrets[u] = self.at(srv, h, 2, "09:02:%02d" % (i * 10), "user", "add",
                                      u).out.strip().split()[-1]
        for i, u in enumerate(("aud", "bank1", "bank2")):
            self.secrets[u] = self.at(srv, h, 2, "09:%02d:00" % (3 + i), "user", "add", u,
                                      user="alice").out.strip().split()[-1]
        ev = os.path.join(srv.dir, "attendance.txt")
        with open(ev, "w") as f:
            f.write("synthetic attendance record\n")
        # sec: alice's completion (day 2 of last month) lapses 10 days from today
        d2 = calendar.timegm(time.strptime(self.month + "-02", "%Y-%m-%d"))
        sec_days = int((time.time() - d2) // 86400) + 10
        self.at(srv, h, 2, "09:10:00", "training", "course", "add", "pdh", "--title",
                "個人データの取扱い", "--validity-days", "365")
        self.at(srv, h, 2, "09:10:10", "training", "course", "add", "sec", "--title",
                "閉域の運用", "--validity-days", str(sec_days))
        day2 = self.month + "-02"
        self.at(srv, h, 2, "09:11:00", "training", "complete", "alice", "pdh", "--date", day2,
                "--evidence", ev)
        self.at(srv, h, 2, "09:11:10", "training", "complete", "alice", "sec", "--date", day2,
                "--evidence", ev)
        self.at(srv, h, 2, "09:11:20", "training", "complete", "bob", "pdh", "--date",
                "2020-01-06", "--evidence", ev)
        crit = os.path.join(srv.dir, "criteria.md")
        with open(crit, "w") as f:
            f.write("# リスク基準 v1\n影響度 x 発生可能性\n")
        self.at(srv, h, 2, "09:12:00", "control", "criteria", "add", crit)
        self.finding_c1 = self.at(srv, h, 2, "09:13:00", "control", "finding", "add",
                                  "--title", self.FINDING, "--owner", "alice", "--due",
                                  self.month + "-03", "--client", "c1").out.strip()
        self.at(srv, h, 2, "09:13:10", "control", "finding", "add", "--title",
                "c2 only: shredder log", "--owner", "bob", "--due", "2099-01-01", "--client",
                "c2")
        acc = self.at(srv, h, 2, "09:14:00", "control", "accept", "request", "--title",
                      "旧型プリンタの継続利用", "--expires", "2099-06-30",
                      user="alice").out.strip()
        self.at(srv, h, 2, "09:15:00", "control", "accept", "approve", acc, user="bob")
        csv = os.path.join(srv.dir, "list.csv")
        with open(csv, "wb") as f:
            f.write(S.CSV)
        for ds, c in (("d1", "c1"), ("d2", "c2")):
            self.at(srv, h, 3, "10:00:00", "intake", "--client", c, "--dataset", ds,
                    "--purpose", "ダイレクトメール", "--retain-until", "2099-03-31", csv)
        # the vendor's own home and its signed report of last month for its client c9
        self.vendor = os.path.join(srv.dir, "vendor")
        self.at(srv, self.vendor, 2, "09:00:00", "init")
        self.at(srv, self.vendor, 2, "09:01:00", "client", "add", "c9")
        self.at(srv, self.vendor, 2, "09:02:00", "user", "add", "vo")
        self.vendor_report = os.path.join(srv.dir, "vendor-report.json")
        y, m = (int(x) for x in self.month.split("-"))
        nxt = "%04d-%02d-01T00:10:00" % ((y, m + 1) if m < 12 else (y + 1, 1))
        t = calendar.timegm(time.strptime(nxt, "%Y-%m-%dT%H:%M:%S"))
        from test_retention import faked_env
        r = T.run([srv.bin, "--home", self.vendor, "report", "monthly", "--client", "c9",
                   "--month", self.month, "--out", self.vendor_report],
                  env=faked_env(srv.env, t))
        assert r.rc == 0, r.err
        # reports of two clients (c7, c6) of another vendor's home (one key belongs to one
        # vendor): the large-body import of serve (page, API)
        self.vendor_big = os.path.join(srv.dir, "vendor-big")
        self.at(srv, self.vendor_big, 2, "09:00:00", "init")
        self.vendor_reports_big = {}
        for i, c in enumerate(("c7", "c6")):
            r = T.run([srv.bin, "--home", self.vendor_big, "client", "add", c],
                      env=faked_env(srv.env, t + 60 + i))
            assert r.rc == 0, r.err
            self.vendor_reports_big[c] = os.path.join(srv.dir, "vendor-report-%s.json" % c)
            r = T.run([srv.bin, "--home", self.vendor_big, "report", "monthly", "--client", c,
                       "--month", self.month, "--out", self.vendor_reports_big[c]],
                      env=faked_env(srv.env, t + 120 + i))
            assert r.rc == 0, r.err
        # the same month generated again with other content (a finding of c9 added since:
        # more than a superseding revision, which may only add certificates)
        r = T.run([srv.bin, "--home", self.vendor, "control", "finding", "add", "--title",
                   "late finding", "--owner", "vo", "--due", "2099-01-01", "--client", "c9"],
                  env=faked_env(srv.env, t + 300))
        assert r.rc == 0, r.err
        self.vendor_report2 = os.path.join(srv.dir, "vendor-report-2.json")
        r = T.run([srv.bin, "--home", self.vendor, "report", "monthly", "--client", "c9",
                   "--month", self.month, "--out", self.vendor_report2],
                  env=faked_env(srv.env, t + 600))
        assert r.rc == 0, r.err

    def roles(self, srv, admin_secret):
        """Web users: admin (enrolled by its link) and the CLI users with their roles."""
        stmts = ["UPDATE users SET state='active', role='administrator' WHERE name='admin'"]
        for u, role in (("alice", "operator"), ("bob", "approver"), ("aud", "auditor"),
                        ("bank1", "client"), ("bank2", "client")):
            stmts.append("UPDATE users SET role='%s', state='active', pw_hash=(SELECT pw_hash"
                         " FROM users WHERE name='admin') WHERE name='%s'" % (role, u))
        stmts += ["INSERT INTO user_grants(name, client) VALUES('bank1', 'c1')",
                  "INSERT INTO user_grants(name, client) VALUES('bank2', 'c2')"]
        srv.sql(*stmts)
        self.secrets["admin"] = admin_secret
