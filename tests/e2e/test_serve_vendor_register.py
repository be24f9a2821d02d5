# SPDX-License-Identifier: Apache-2.0
"""test_serve_vendor_register.py -- issue 15, the vendor register in `azukari serve`
(a bank's own install), each form through the page (operator) and its /api/v1 twin
(administrator): a vendor's fields after registration (corporate number checked by
the library), its locations of data, its sub-contracting chain (a loop A -> B -> A
refused; the chain on the sheet with depth and each link's locations), its public
keys (register and retire only after a step-up TOTP code; the same key twice, a
retired key again refused), the contract's reference and dates (bad dates, expiry
before signing refused; one past its expiry red on the sheet), the risk rating with its history, periodic audit
schedules (an overdue one loud on the sheet and on the vendors list; stopped), planned
one-off (ad hoc) audits (in the next due date and overdue like a schedule until an
audit of that kind is recorded; cancelled).
Refused: an unknown vendor (404), bad input (400, nothing written), the auditor
and a client's user (403), a form without CSRF token; typed HTML escaped; each
change one ledger event of its user. The sheet is rendered in headless Chromium at
1366x768 (screenshot kept in <build>/serve-screens/). Codes come from
serve_client.Codes on the server's test clock (no waiting for TOTP steps)."""

import base64
import json
import os
import re
import shutil
import sys
import time
import unittest

import azk_testlib as T
import serve_client as S
import serve_plat_lib as P

EVIL = "<script>alert('r')</script>"


def corporate_number(base12):
    """A 法人番号 with its check digit (9 - sum of digits from the right, weights 1,2 mod 9)."""
    t = sum(int(d) * (1 if i % 2 == 0 else 2) for i, d in enumerate(reversed(base12)))
    return str(9 - t % 9) + base12


def vendor_pub(n):
    """A vendor's key text as `azukari` writes it (an Ed25519 public key is any 32 bytes
    to the register; the import that verifies with it is tested elsewhere)."""
    return "azukari-cert+" + base64.b64encode(bytes(range(n, n + 32))).decode()


class ServeVendorRegisterTest(unittest.TestCase):
    WRITES = ("/vendor/set", "/vendor/contract", "/vendor/locations", "/vendor/sub/add", "/vendor/sub/remove",
              "/vendor/key", "/vendor/key/retire", "/vendor/rate", "/vendor/schedule",
              "/vendor/schedule/remove", "/vendor/audit/plan", "/vendor/audit/unplan")

    @classmethod
    def setUpClass(cls):
        cls.secrets = {}
        cls.keys = [vendor_pub(n) for n in (1, 40, 80)]

        def prepare(srv):
            def azk(*argv):
                r = T.run([srv.bin, "--home", srv.home] + list(argv), env=srv.env)
                assert r.rc == 0, (argv, r.err)
                return r
            azk("init")
            azk("client", "add", "c1")
            for u in ("alice", "aud"):  # the first two need no one authenticated
                cls.secrets[u] = azk("user", "add", u).out.strip().split()[-1]
            now = srv.clock.now() if srv.clock is not None else time.time()
            cls.alice_step = int(now) // 30  # used: not handed out again
            cls.secrets["bank1"] = azk("user", "add", "bank1", "--user", "alice", "--totp",
                                       S.totp(cls.secrets["alice"], cls.alice_step)
                                       ).out.strip().split()[-1]
            for i, v in enumerate(("acme", "subb", "subc", "late", "kei", "adhoc")):
                azk("vendor", "add", v, "--name", "株式会社" + v, "--corporate-number",
                    corporate_number("0100010088%02d" % (10 + i)))

        cls.srv = S.Server(prepare=prepare, clock=True)
        try:
            cls.secrets["admin"] = cls.srv.enrol("admin", P.PW)
            stmts = ["UPDATE users SET state='active', role='administrator' WHERE name='admin'"]
            for u, role in (("alice", "operator"), ("aud", "auditor"), ("bank1", "client")):
                stmts.append("UPDATE users SET role='%s', state='active', pw_hash=(SELECT"
                             " pw_hash FROM users WHERE name='admin') WHERE name='%s'" % (role, u))
            stmts.append("INSERT INTO user_grants(name, client) VALUES('bank1', 'c1')")
            cls.srv.sql(*stmts)
            cls.codes = S.Codes(cls.srv.clock)
            cls.codes.used["alice"] = {cls.alice_step}
            cls.c = {u: P.login(cls.srv, cls.codes, u, cls.secrets[u])
                     for u in ("admin", "alice", "aud", "bank1")}
        except BaseException:
            cls.srv.cleanup()
            raise
        cls.shots = os.path.join(os.environ.get("AZK_BUILDDIR", cls.srv.dir), "serve-screens")
        os.makedirs(cls.shots, exist_ok=True)

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def post(self, user, path, form, code=False):
        c = self.c[user]
        f = dict(form)
        f["csrf"] = c.csrf("/dashboard")
        if code:
            f["code"] = self.codes.code(user, self.secrets[user])
        return c.post(path, f)

    def doc(self, v):
        r = self.c["aud"].get("/api/v1/vendor?id=" + v)
        self.assertEqual(r.status, 200, r.body)
        return json.loads(r.body)

    def refused(self, r, status, user="alice"):
        """A refusal: its status; the page says nothing was recorded (or the API's error)."""
        self.assertEqual(r.status, status, r.body[-800:])
        if r.header("content-type").startswith("application/json"):
            self.assertIn("error", json.loads(r.body))

    def ledger(self):
        r = self.c["aud"].get("/api/v1/audit/entries?limit=1000")
        self.assertEqual(r.status, 200)
        return [(e["action"], e["actor"]) for e in json.loads(r.body)["items"]
                if e["action"].startswith("vendor.")]

    # ---- who may ---------------------------------------------------------------------

    def test_auditor_client_and_no_csrf_refused(self):
        form = {"vendor": "acme", "name": "x", "ref": "x", "signed_on": "2020-01-01",
                "locations": "x", "sub": "subb", "scope": "x",
                "purpose": "report", "pubkey": self.keys[0], "reason": "x", "risk": "high",
                "kind": "audit", "every": "12", "start_on": "2020-01-01"}
        # (roles are checked before the fields; a form has at most AZK_SERVE_MAX_FIELDS=16)
        before = self.ledger()
        for u in ("aud", "bank1"):
            self.assertEqual(self.c[u].get("/vendor/register?id=acme").status, 403, u)
            for path in self.WRITES:
                for p in (path, "/api/v1" + path):
                    self.assertEqual(self.post(u, p, form).status, 403, (u, p))
        r = self.c["alice"].post("/vendor/rate", form)  # no CSRF token
        self.assertEqual(r.status, 403, r.body[-400:])
        self.assertEqual(self.ledger(), before)
        # the auditor reads the sheet and the list, without the links to the forms
        self.assertEqual(self.c["aud"].get("/vendor?id=acme").status, 200)
        self.assertNotIn("/vendor/register?id=", self.c["aud"].get("/vendors").body)
        self.assertIn("/vendor/register?id=acme", self.c["alice"].get("/vendors").body)
        # questionnaires are no longer sent to the CLI (they have the vendor's pages)
        self.assertIn("委託先の質問票は、その委託先のページで変更します。",
                      self.c["aud"].get("/vendors").body)
        self.assertNotIn("`azukari vendor`", self.c["aud"].get("/vendors").body)
        self.assertEqual(self.c["bank1"].get("/vendor?id=acme").status, 403)

    # ---- fields and locations ----------------------------------------------------------

    def test_fields_and_locations(self):
        page = self.c["alice"].get("/vendor/register?id=acme")
        self.assertEqual(page.status, 200)
        for path in self.WRITES:
            if path not in ("/vendor/sub/remove", "/vendor/key/retire",
                            "/vendor/schedule/remove",
                            "/vendor/audit/unplan"):  # only once there is something
                self.assertIn('action="%s"' % path, page.body)
        self.assertEqual(self.c["alice"].get("/vendor/register?id=nope").status, 404)
        # bad corporate number (check digit), criticality, nothing given, unknown vendor
        for bad, st in (({"corporate_number": "1234567890123"}, 400),
                        ({"criticality": "extreme"}, 400), ({}, 400),
                        ({"vendor": "nope", "name": "x"}, 404)):
            f = dict({"vendor": "acme"}, **bad)
            self.refused(self.post("alice", "/vendor/set", f), st)
            self.refused(self.post("admin", "/api/v1/vendor/set", f), st)
        d = self.doc("acme")
        self.assertEqual((d["name"], d["criticality"]), ("株式会社acme", "medium"))
        # changed: the name (HTML in it) by the page, the criticality and number by the API
        r = self.post("alice", "/vendor/set", {"vendor": "acme", "name": EVIL + "商事"})
        self.assertEqual(r.status, 200, r.body[-600:])
        num = corporate_number("010001008877")
        r = self.post("admin", "/api/v1/vendor/set", {"vendor": "acme", "criticality": "high",
                                                       "corporate_number": num})
        self.assertEqual(r.status, 201, r.body)
        d = self.doc("acme")
        self.assertEqual((d["name"], d["criticality"], d["corporate_number"]),
                         (EVIL + "商事", "high", num))
        for path in ("/vendor/register?id=acme", "/vendor?id=acme", "/vendors"):
            body = self.c["alice"].get(path).body
            self.assertNotIn(EVIL, body, path)
            self.assertIn("&lt;script&gt;", body, path)
        # locations: one per line; a too long one refused, nothing changed
        r = self.post("alice", "/vendor/locations",
                      {"vendor": "acme", "locations": "東京都 DC-1\r\n\r\n<b>大阪</b> BCP\n"})
        self.assertEqual(r.status, 200, r.body[-600:])
        self.assertEqual(self.doc("acme")["locations"], ["東京都 DC-1", "<b>大阪</b> BCP"])
        self.refused(self.post("admin", "/api/v1/vendor/locations",
                               {"vendor": "acme", "locations": "x" * 201}), 400)
        self.refused(self.post("admin", "/api/v1/vendor/locations", {"vendor": "acme"}), 400)
        self.assertEqual(len(self.doc("acme")["locations"]), 2)
        self.assertNotIn("<b>大阪</b>", self.c["alice"].get("/vendor/register?id=acme").body)
        self.assertIn("&lt;b&gt;大阪", self.c["aud"].get("/vendor?id=acme").body)
        r = self.post("admin", "/api/v1/vendor/locations",
                      {"vendor": "subc", "locations": "福岡 DC-9"})
        self.assertEqual(r.status, 201, r.body)
        led = self.ledger()
        self.assertEqual(led.count(("vendor.set", "alice")), 2, led)
        self.assertEqual(led.count(("vendor.set", "admin")), 2, led)

    # ---- the contract ----------------------------------------------------------------------

    def test_contract(self):
        ok = {"vendor": "kei", "ref": "K-1", "signed_on": "2020-04-01", "expires_on": "2021-03-31"}
        for bad, st in (({"signed_on": "2020-02-30"}, 400), ({"signed_on": "yesterday"}, 400),
                        ({"expires_on": "2021-13-01"}, 400), ({"expires_on": "2020-03-31"}, 400),
                        ({"ref": ""}, 400), ({"signed_on": ""}, 400), ({"ref": "x" * 201}, 400),
                        ({"vendor": "nope"}, 404)):
            f = dict(ok, **bad)
            self.refused(self.post("alice", "/vendor/contract", f), st)
            self.refused(self.post("admin", "/api/v1/vendor/contract", f), st)
        self.assertIsNone(self.doc("kei")["contract"])
        self.assertNotIn("vendor.contract", [a for a, _ in self.ledger()])
        # by the page, HTML in the reference, a contract already past its expiry: loud
        r = self.post("alice", "/vendor/contract", dict(ok, ref=EVIL + "-2020"))
        self.assertEqual(r.status, 200, r.body[-600:])
        d = self.doc("kei")
        self.assertEqual((d["contract"]["ref"], d["contract"]["signed_on"],
                          d["contract"]["expires_on"]), (EVIL + "-2020", "2020-04-01",
                                                         "2021-03-31"))
        self.assertIn("contract-expired", [f["code"] for f in d["flags"]])
        sheet = self.c["aud"].get("/vendor?id=kei").body
        self.assertNotIn(EVIL, sheet)
        self.assertRegex(sheet, r'<div class="alarm">契約期限切れ: 契約 &lt;script&gt;[^<]*'
                                r'-2020 の有効期限 2021-03-31 を過ぎています</div>')
        self.assertRegex(sheet, r'<th>契約</th><td class="high"><strong>期限切れ</strong> '
                                r'&lt;script&gt;[^<]*-2020（締結 2020-04-01、有効期限 2021-03-31）')
        form = self.c["alice"].get("/vendor/register?id=kei").body
        self.assertNotIn(EVIL, form)
        self.assertIn('name="ref" type="text" value="&lt;script&gt;', form)
        self.assertIn('name="expires_on" type="date" value="2021-03-31"', form)
        # by the API, renewed without an expiry: no more alarm
        r = self.post("admin", "/api/v1/vendor/contract",
                      {"vendor": "kei", "ref": "K-2", "signed_on": "2025-04-01",
                       "expires_on": ""})
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual(json.loads(r.body)["done"] != "", True)
        d = self.doc("kei")
        self.assertEqual((d["contract"]["ref"], d["contract"]["expires_on"]), ("K-2", None))
        self.assertNotIn("contract-expired", [f["code"] for f in d["flags"]])
        sheet = self.c["aud"].get("/vendor?id=kei").body
        self.assertNotIn("契約期限切れ", sheet)
        self.assertIn("<th>契約</th><td>K-2（締結 2025-04-01、有効期限 なし）</td>", sheet)
        led = self.ledger()
        self.assertEqual(led.count(("vendor.contract", "alice")), 1, led)
        self.assertEqual(led.count(("vendor.contract", "admin")), 1, led)

    # ---- sub-contractors ---------------------------------------------------------------

    def test_subcontractor_chain(self):
        r = self.post("alice", "/vendor/sub/add", {"vendor": "acme", "sub": "subb",
                                                    "scope": "封入 " + EVIL})
        self.assertEqual(r.status, 200, r.body[-600:])
        r = self.post("admin", "/api/v1/vendor/sub/add", {"vendor": "subb", "sub": "subc",
                                                           "scope": "発送"})
        self.assertEqual(r.status, 201, r.body)
        # the loop back: refused with the chain named, page and API, nothing added
        for user, path in (("alice", "/vendor/sub/add"), ("admin", "/api/v1/vendor/sub/add")):
            for v in ("subb", "subc"):
                r = self.post(user, path, {"vendor": v, "sub": "acme", "scope": "x"})
                self.refused(r, 400)
                self.assertIn("cycle", r.body)
        self.refused(self.post("alice", "/vendor/sub/add",
                               {"vendor": "acme", "sub": "nope", "scope": "x"}), 404)
        self.refused(self.post("alice", "/vendor/sub/add", {"vendor": "acme", "sub": "subc"}),
                     400)  # no scope
        self.assertEqual(self.doc("subc")["subcontractors"], [])
        # the chain on the sheet: depth, who entrusts, each link's locations
        chain = self.doc("acme")["chain"]
        self.assertEqual([(x["depth"], x["vendor"], x["sub"]) for x in chain],
                         [(1, "acme", "subb"), (2, "subb", "subc")])
        sheet = self.c["aud"].get("/vendor?id=acme").body
        self.assertIn("再委託の連鎖", sheet)
        self.assertNotIn(EVIL, sheet)
        # remove: unknown link 404, then the page's and the API's
        self.refused(self.post("alice", "/vendor/sub/remove", {"vendor": "acme",
                                                               "sub": "subc"}), 404)
        r = self.post("admin", "/api/v1/vendor/sub/remove", {"vendor": "subb", "sub": "subc"})
        self.assertEqual(r.status, 201, r.body)
        self.assertEqual([x["sub"] for x in self.doc("acme")["chain"]], ["subb"])
        # now subc -> acme is no loop
        r = self.post("alice", "/vendor/sub/add", {"vendor": "subc", "sub": "acme",
                                                    "scope": "保管"})
        self.assertEqual(r.status, 200, r.body[-600:])
        self.post("admin", "/api/v1/vendor/sub/remove", {"vendor": "subc", "sub": "acme"})

    # ---- keys ------------------------------------------------------------------------

    def test_keys_step_up(self):
        k1, k2 = self.keys[1], self.keys[2]
        form = {"vendor": "subb", "purpose": "report", "pubkey": k1}
        before = self.ledger()
        # no code, a wrong code: refused, nothing registered
        self.refused(self.post("alice", "/vendor/key", form), 403)
        self.refused(self.post("admin", "/api/v1/vendor/key", dict(form, code="000000")), 403)
        self.assertEqual(self.doc("subb")["keys"], [])
        self.assertEqual([e for e in self.ledger() if e not in before], [])
        # registered with a step-up; shown with its fingerprint
        r = self.post("alice", "/vendor/key", form, code=True)
        self.assertEqual(r.status, 200, r.body[-600:])
        fp = self.doc("subb")["keys"][0]["fingerprint"]
        self.assertIn(fp, r.body)
        # the same key again: 400, nothing written
        self.refused(self.post("admin", "/api/v1/vendor/key", form, code=True), 400)
        # bad key text, bad purpose, unknown vendor
        self.refused(self.post("admin", "/api/v1/vendor/key", dict(form, pubkey="x+AAAA"),
                               code=True), 400)
        self.refused(self.post("admin", "/api/v1/vendor/key", dict(form, purpose="other"),
                               code=True), 400)
        self.refused(self.post("alice", "/vendor/key", dict(form, vendor="nope"), code=True),
                     404)
        # replaced through the API: the old one kept as retired ("replaced")
        r = self.post("admin", "/api/v1/vendor/key", dict(form, pubkey=k2), code=True)
        self.assertEqual(r.status, 201, r.body)
        d = self.doc("subb")
        self.assertEqual([(k["purpose"], k["why"]) for k in d["keys_retired"]],
                         [("report", "replaced")])
        # a replaced key is not registered again
        self.refused(self.post("alice", "/vendor/key", form, code=True), 400)
        # retire: needs the step-up; then gone, kept with its reason
        retire = {"vendor": "subb", "purpose": "report", "reason": "鍵の漏えい " + EVIL}
        self.refused(self.post("alice", "/vendor/key/retire", retire), 403)
        self.assertEqual(len(self.doc("subb")["keys"]), 1)
        self.refused(self.post("alice", "/vendor/key/retire", dict(retire, purpose="ledger"),
                               code=True), 404)
        r = self.post("alice", "/vendor/key/retire", retire, code=True)
        self.assertEqual(r.status, 200, r.body[-600:])
        d = self.doc("subb")
        self.assertEqual(d["keys"], [])
        self.assertEqual(len(d["keys_retired"]), 2)
        sheet = self.c["aud"].get("/vendor?id=subb").body
        self.assertIn("廃止・交換した公開鍵", sheet)
        self.assertNotIn(EVIL, sheet)
        led = self.ledger()
        self.assertEqual(led.count(("vendor.key.retire", "alice")), 1, led)
        self.assertEqual(led.count(("vendor.key", "alice")), 1, led)
        self.assertEqual(led.count(("vendor.key", "admin")), 1, led)

    # ---- rating and schedules --------------------------------------------------------

    def test_rating_history(self):
        for bad in ({"risk": "extreme", "reason": "x"}, {"risk": "high"},
                    {"risk": "high", "reason": "a\x01b"}):
            self.refused(self.post("alice", "/vendor/rate", dict(bad, vendor="subc")), 400)
            self.refused(self.post("admin", "/api/v1/vendor/rate", dict(bad, vendor="subc")), 400)
        self.refused(self.post("alice", "/vendor/rate", {"vendor": "nope", "risk": "low",
                                                          "reason": "x"}), 404)
        self.assertEqual(self.doc("subc")["ratings"], [])
        r = self.post("alice", "/vendor/rate", {"vendor": "subc", "risk": "high",
                                                 "reason": "初回 " + EVIL})
        self.assertEqual(r.status, 200, r.body[-600:])
        r = self.post("admin", "/api/v1/vendor/rate", {"vendor": "subc", "risk": "low",
                                                        "reason": "改善を確認"})
        self.assertEqual(r.status, 201, r.body)
        d = self.doc("subc")
        self.assertEqual(d["risk"], "low")
        self.assertEqual([(x["risk"], x["rated_by"]) for x in d["ratings"]],
                         [("low", "admin"), ("high", "alice")])
        sheet = self.c["aud"].get("/vendor?id=subc").body
        self.assertIn("リスク評価の履歴", sheet)
        self.assertIn("改善を確認", sheet)
        self.assertNotIn(EVIL, sheet)

    def test_audit_schedule_overdue(self):
        for bad in ({"kind": "audit", "every": "0", "start_on": "2020-01-01"},
                    {"kind": "audit", "every": "abc", "start_on": "2020-01-01"},
                    {"kind": "audit", "every": "12", "start_on": "2020-02-30"},
                    {"kind": "party", "every": "12", "start_on": "2020-01-01"}):
            self.refused(self.post("alice", "/vendor/schedule", dict(bad, vendor="late")), 400)
            self.refused(self.post("admin", "/api/v1/vendor/schedule", dict(bad, vendor="late")),
                         400)
        self.assertEqual(self.doc("late")["audit_plans"], [])
        # an overdue schedule (first due long past, no audit since) and a future one
        r = self.post("alice", "/vendor/schedule", {"vendor": "late", "kind": "onsite",
                                                     "every": "12", "start_on": "2020-01-01"})
        self.assertEqual(r.status, 200, r.body[-600:])
        r = self.post("admin", "/api/v1/vendor/schedule", {"vendor": "late", "kind": "audit",
                                                            "every": "6",
                                                            "start_on": "2099-01-01"})
        self.assertEqual(r.status, 201, r.body)
        d = self.doc("late")
        self.assertEqual({p["kind"]: p["next_due"] for p in d["audit_plans"]},
                         {"onsite": "2020-01-01", "audit": "2099-01-01"})
        self.assertIn("audit-overdue", [f["code"] for f in d["flags"]])
        sheet = self.c["aud"].get("/vendor?id=late").body
        self.assertIn('class="alarm"', sheet)
        self.assertIn('<tr class="overdue">', sheet)
        # the vendors list: loud on its row, for every staff role
        for u in ("aud", "alice"):
            row = re.search(r"<tr[^>]*><td>late</td>.*?</tr>", self.c[u].get("/vendors").body)
            self.assertIsNotNone(row)
            self.assertIn('class="overdue"', row.group(0))
            self.assertIn("2020-01-01", row.group(0))
        items = json.loads(self.c["aud"].get("/api/v1/vendors").body)["items"]
        late = [i for i in items if i["id"] == "late"][0]
        self.assertEqual((late["audit"], late["next_audit"]), ("overdue", "2020-01-01"))
        # an audit done resets the next due date: no more overdue
        r = self.post("alice", "/vendor/audit", {"vendor": "late", "kind": "onsite",
                                                  "done_on": "2098-06-01", "summary": "定期"})
        self.assertEqual(r.status, 200, r.body[-600:])
        self.assertNotIn("audit-overdue", [f["code"] for f in self.doc("late")["flags"]])
        # stop: unknown kind 400, none of that kind 404, then stopped
        self.refused(self.post("alice", "/vendor/schedule/remove", {"vendor": "late",
                                                                    "kind": "party"}), 400)
        r = self.post("admin", "/api/v1/vendor/schedule/remove", {"vendor": "late",
                                                                   "kind": "audit"})
        self.assertEqual(r.status, 201, r.body)
        self.refused(self.post("alice", "/vendor/schedule/remove", {"vendor": "late",
                                                                    "kind": "audit"}), 404)
        self.assertEqual([p["kind"] for p in self.doc("late")["audit_plans"]], ["onsite"])

    def test_planned_adhoc_audit(self):
        ok = {"vendor": "adhoc", "kind": "onsite", "due_on": "2020-03-01",
              "summary": "漏えい疑いの確認 " + EVIL}
        for bad, st in (({"kind": "party"}, 400), ({"due_on": "2020-02-30"}, 400),
                        ({"due_on": ""}, 400), ({"summary": ""}, 400),
                        ({"summary": "x" * 501}, 400), ({"vendor": "nope"}, 404)):
            f = dict(ok, **bad)
            self.refused(self.post("alice", "/vendor/audit/plan", f), st)
            self.refused(self.post("admin", "/api/v1/vendor/audit/plan", f), st)
        self.assertEqual(self.doc("adhoc")["audits_planned"], [])
        self.assertNotIn("vendor.audit.plan", [a for a, _ in self.ledger()])
        # planned by the page for a date already past: overdue like a schedule
        r = self.post("alice", "/vendor/audit/plan", ok)
        self.assertEqual(r.status, 200, r.body[-600:])
        self.refused(self.post("admin", "/api/v1/vendor/audit/plan", ok), 400)  # same again
        d = self.doc("adhoc")
        self.assertEqual([(p["kind"], p["due_on"], p["summary"], p["planned_by"], p["done_on"])
                          for p in d["audits_planned"]],
                         [("onsite", "2020-03-01", ok["summary"], "alice", None)])
        self.assertIn(("audit-overdue", "2020-03-01"),
                      [(f["code"], f.get("due")) for f in d["flags"]])
        sheet = self.c["aud"].get("/vendor?id=adhoc").body
        self.assertNotIn(EVIL, sheet)
        self.assertIn('<div class="alarm">期限超過: 立入検査の期限 2020-03-01 を過ぎています</div>',
                      sheet)
        self.assertRegex(sheet, r'(?s)<table id="audits-planned">.*<tr class="overdue"><td>立入検査'
                                r'</td><td>2020-03-01</td><td>漏えい疑いの確認 &lt;script&gt;')
        row = re.search(r"<tr[^>]*><td>adhoc</td>.*?</tr>", self.c["aud"].get("/vendors").body)
        self.assertIn('class="overdue"', row.group(0))
        self.assertIn("2020-03-01", row.group(0))
        # a later one by the API; the earliest open one is the next audit
        r = self.post("admin", "/api/v1/vendor/audit/plan",
                      dict(ok, kind="audit", due_on="2099-05-01", summary="経営者交代"))
        self.assertEqual(r.status, 201, r.body)
        items = json.loads(self.c["aud"].get("/api/v1/vendors").body)["items"]
        it = [i for i in items if i["id"] == "adhoc"][0]
        self.assertEqual((it["audit"], it["next_audit"]), ("overdue", "2020-03-01"))
        # the on-site inspection recorded: that plan is met, no more overdue
        r = self.post("alice", "/vendor/audit", {"vendor": "adhoc", "kind": "onsite",
                                                  "done_on": "2020-03-05", "summary": "臨時"})
        self.assertEqual(r.status, 200, r.body[-600:])
        d = self.doc("adhoc")
        self.assertNotIn("audit-overdue", [f["code"] for f in d["flags"]])
        self.assertEqual({p["kind"]: p["done_on"] for p in d["audits_planned"]},
                         {"onsite": "2020-03-05", "audit": None})
        items = json.loads(self.c["aud"].get("/api/v1/vendors").body)["items"]
        it = [i for i in items if i["id"] == "adhoc"][0]
        self.assertEqual((it.get("audit"), it["next_audit"]), (None, "2099-05-01"))
        self.assertIn("実施済", self.c["aud"].get("/vendor?id=adhoc").body)
        # cancelled: a wrong date 404, bad kind 400, then cancelled, again 404
        form = self.c["alice"].get("/vendor/register?id=adhoc").body
        self.assertIn('action="/vendor/audit/unplan"', form)
        self.refused(self.post("alice", "/vendor/audit/unplan",
                               {"vendor": "adhoc", "kind": "audit", "due_on": "2099-05-02"}), 404)
        self.refused(self.post("alice", "/vendor/audit/unplan",
                               {"vendor": "adhoc", "kind": "party", "due_on": "2099-05-01"}), 400)
        r = self.post("admin", "/api/v1/vendor/audit/unplan",
                      {"vendor": "adhoc", "kind": "audit", "due_on": "2099-05-01"})
        self.assertEqual(r.status, 201, r.body)
        self.refused(self.post("alice", "/vendor/audit/unplan",
                               {"vendor": "adhoc", "kind": "audit", "due_on": "2099-05-01"}), 404)
        self.assertEqual([p["kind"] for p in self.doc("adhoc")["audits_planned"]], ["onsite"])
        led = self.ledger()
        self.assertEqual(led.count(("vendor.audit.plan", "alice")), 1, led)
        self.assertEqual(led.count(("vendor.audit.plan", "admin")), 1, led)
        self.assertEqual(led.count(("vendor.audit.unplan", "admin")), 1, led)

    # ---- the sheet in a browser --------------------------------------------------------

    def test_sheet_screenshot(self):
        """The sheet of a vendor with every new section, at 1366x768: a screenshot kept
        (serve-screens/vendor-register-sheet.png), nothing wider than the window, nothing
        clipped in print; the register page too."""
        def api(path, form, code=False):
            r = self.post("admin", "/api/v1" + path, form, code)
            self.assertEqual(r.status, 201, (path, r.body))
        for n, (v, name) in enumerate((("shown", "株式会社見本データ処理"),
                                       ("shown-print", "見本印刷株式会社"),
                                       ("shown-post", "見本発送サービス株式会社"))):
            api("/vendors/add", {"id": v, "name": name, "criticality": "high",
                                 "corporate_number": corporate_number("0100010088%02d" % (50 + n))})
        api("/vendor/locations", {"vendor": "shown", "locations": "東京都 第1センター\n大阪府 BCPセンター"})
        api("/vendor/locations", {"vendor": "shown-print", "locations": "神奈川県 印刷工場"})
        api("/vendor/locations", {"vendor": "shown-post", "locations": "埼玉県 発送センター\n千葉県 倉庫"})
        api("/vendor/sub/add", {"vendor": "shown", "sub": "shown-print", "scope": "通知書の印刷"})
        api("/vendor/sub/add", {"vendor": "shown-print", "sub": "shown-post", "scope": "封入と発送"})
        api("/vendor/key", {"vendor": "shown", "purpose": "report", "pubkey": vendor_pub(120)}, True)
        api("/vendor/key", {"vendor": "shown", "purpose": "report", "pubkey": vendor_pub(160)}, True)
        api("/vendor/key", {"vendor": "shown", "purpose": "certificate",
                            "pubkey": vendor_pub(200)}, True)
        api("/vendor/audit/plan", {"vendor": "shown", "kind": "audit", "due_on": "2020-06-01",
                                   "summary": "再委託先の変更に伴う臨時監査"})
        api("/vendor/contract", {"vendor": "shown", "ref": "業務委託契約 第2021-07号",
                                 "signed_on": "2021-04-01", "expires_on": "2024-03-31"})
        api("/vendor/rate", {"vendor": "shown", "risk": "high", "reason": "再委託先が2段あり所在未確認"})
        api("/vendor/rate", {"vendor": "shown", "risk": "medium", "reason": "再委託先の所在を確認済み"})
        api("/vendor/schedule", {"vendor": "shown", "kind": "onsite", "every": "12",
                                 "start_on": "2020-01-01"})
        api("/vendor/schedule", {"vendor": "shown", "kind": "audit", "every": "6",
                                 "start_on": "2099-01-01"})
        d = os.path.join(self.srv.dir, "pages")
        os.makedirs(d, exist_ok=True)
        files = {}
        for name, path, css in (("vendor-register-sheet", "/vendor?id=shown",
                                 "/static/vendor.css"),
                                ("vendor-register-forms", "/vendor/register?id=shown",
                                 "/static/azukari.css")):
            body = self.c["alice"].get(path).body
            with open(os.path.join(d, name + ".css"), "w", encoding="utf-8") as f:
                f.write(self.c["alice"].get(css).body)
            files[name] = os.path.join(d, name + ".html")
            with open(files[name], "w", encoding="utf-8") as f:
                f.write(body.replace('href="%s"' % css, 'href="%s.css"' % name))
        try:
            from selenium import webdriver
        except ImportError:
            sys.path.append("/usr/lib/python3/dist-packages")
            try:
                from selenium import webdriver
            except ImportError:
                self.skipTest("python3-selenium missing")
        if shutil.which("chromedriver") is None:
            self.skipTest("chromium-driver missing")
        o = webdriver.ChromeOptions()
        for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1366,768",
                  "--disable-dev-shm-usage"):
            o.add_argument(a)
        drv = webdriver.Chrome(options=o)
        try:
            for name, html in files.items():
                drv.set_window_size(1366, 768)
                drv.get("file://" + html)
                drv.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
                png = os.path.join(self.shots, name + ".png")
                drv.save_screenshot(png)
                self.assertGreater(os.path.getsize(png), 10000, name)
                self.assertLessEqual(drv.execute_script(
                    "return document.documentElement.scrollWidth"), 1366, name)
                # the whole page, for looking at it
                h = drv.execute_script("return document.documentElement.scrollHeight")
                drv.set_window_size(1366, max(768, min(h + 40, 4000)))
                drv.save_screenshot(os.path.join(self.shots, name + "-full.png"))
                if name.endswith("sheet"):
                    drv.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
                    drv.set_window_size(794, 1123)
                    bad = drv.execute_script(
                        "var bad = []; document.querySelectorAll('td,th').forEach(function (e) {"
                        " if (e.scrollWidth > e.clientWidth + 1)"
                        " bad.push(e.textContent.slice(0, 40)); }); return bad;")
                    self.assertEqual(bad, [], "table cells clipped in print")
        finally:
            drv.quit()


if __name__ == "__main__":
    unittest.main()
